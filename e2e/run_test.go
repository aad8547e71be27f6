package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
)

var pidLine = regexp.MustCompile(`(\w+) pid (\d+)`)

// `bwv run` (what `make run` ends in) starts the whole pipeline, answers
// the CLI, refuses a second start on a taken port without harming the
// first, and on Ctrl-C stops every process it started — checked by PID.
func TestRunStartsPipelineAndCtrlCLeavesNoProcess(t *testing.T) {
	t.Parallel()
	if _, err := localsvc.ToolsDir(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("local services not installed (run scripts/install-npm.sh; CI=true makes this a failure): %v", err)
	}
	bins := binaries(t)
	dir := t.TempDir()
	ports := map[string]int{"--host-port": freePort(t), "--blob-port": freePort(t), "--queue-port": freePort(t), "--cosmos-port": freePort(t)}
	settingsOut := filepath.Join(dir, "run.settings.json")
	authKey := filepath.Join(dir, "auth", "signing-key")
	args := []string{"run", "--handler", filepath.Join(bins, "bwv-handler"), "--data", filepath.Join(dir, "azurite"), "--settings-out", settingsOut,
		"--auth-key", authKey}
	for f, p := range ports {
		args = append(args, f, strconv.Itoa(p))
	}
	cmd := exec.Command(filepath.Join(bins, "bwv"), args...)
	cmd.Dir = repoRoot
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	out := &syncBuffer{}
	ready := make(chan map[string]int, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(out, line)
			if strings.Contains(line, "processes") {
				pids := map[string]int{}
				for _, m := range pidLine.FindAllStringSubmatch(line, -1) {
					pids[m[1]], _ = strconv.Atoi(m[2])
				}
				ready <- pids
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("bwv run stdout:\n%s\nstderr:\n%s", out.String(), tail(stderr.String(), 100))
		}
	})

	var pids map[string]int
	select {
	case pids = <-ready:
	case err := <-exited:
		t.Fatalf("bwv run exited before it was ready: %v", err)
	case <-time.After(3 * time.Minute):
		t.Fatal("bwv run not ready within 3 min")
	}
	for _, role := range []string{"azurite", "cosmos", "handler"} {
		if pids[role] == 0 || !alive(pids[role]) {
			t.Fatalf("%s: pid %d not running (pids %v)", role, pids[role], pids)
		}
	}

	// The CLI finds the running pipeline through the settings bwv run wrote.
	target, err := localrun.LoadTarget(settingsOut)
	if err != nil {
		t.Fatal(err)
	}
	if target.HostURL != fmt.Sprintf("http://127.0.0.1:%d", ports["--host-port"]) {
		t.Errorf("settings point at host %s", target.HostURL)
	}
	if st, _, code := runCLI(t, "status", "--settings", settingsOut); code != 0 || !strings.Contains(st, "Running") {
		t.Errorf("bwv status against bwv run: exit %d\n%s", code, st)
	}
	// App Service Authentication is emulated by default, the handler trusts
	// the principal headers exactly then, and bwv run says how to get a token.
	values, _, err := localrun.ReadSettings(settingsOut)
	if err != nil || values["BWV_TRUST_PRINCIPAL_HEADERS"] != "true" {
		t.Errorf("BWV_TRUST_PRINCIPAL_HEADERS = %q (%v), want true with the emulation on", values["BWV_TRUST_PRINCIPAL_HEADERS"], err)
	}
	if o := out.String(); !strings.Contains(o, "token --name") || !strings.Contains(o, `Authorization: Bearer $TOKEN`) || !strings.Contains(o, "--key "+authKey) {
		t.Errorf("bwv run does not say how to get a token and use it:\n%s", o)
	}
	apiGet := func(token string) int {
		req, _ := http.NewRequest(http.MethodGet, target.HostURL+"/api/clips/c"+strings.Repeat("0", 40)+"?purpose=run+check", nil)
		req.Header.Set("x-functions-key", target.FunctionKey)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := apiGet(""); st != http.StatusUnauthorized {
		t.Errorf("ClipManage without a token under bwv run: %d, want 401", st)
	}
	tok, tokErr, code := runCLI(t, "token", "--name", "DC 4471 Smith", "--roles", "BWV.Clips.Read", "--key", authKey)
	if code != 0 {
		t.Fatalf("bwv token: %d %s", code, tokErr)
	}
	if st := apiGet(strings.TrimSpace(tok)); st != http.StatusNotFound {
		t.Errorf("ClipManage with a token for an unknown clip under bwv run: %d, want 404 from the handler", st)
	}
	clients, err := localrun.Connect(target)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"uploads", "quarantine", localrun.DeadLetterContainer} {
		if _, err := clients.Blobs.ServiceClient().NewContainerClient(c).GetProperties(context.Background(), nil); err != nil {
			t.Errorf("container %s not created: %v", c, err)
		}
	}
	for _, q := range []string{"clip-verify", "clip-verify-poison"} {
		if _, err := clients.Queues.NewQueueClient(q).GetProperties(context.Background(), nil); err != nil {
			t.Errorf("queue %s not created: %v", q, err)
		}
	}

	// A second pipeline on a taken port is refused clearly, and the first survives.
	second := exec.Command(filepath.Join(bins, "bwv"), "run", "--handler", filepath.Join(bins, "bwv-handler"),
		"--host-port", strconv.Itoa(ports["--host-port"]), "--blob-port", "0", "--queue-port", "0", "--cosmos-port", "0",
		"--data", filepath.Join(dir, "azurite2"), "--settings-out", filepath.Join(dir, "second.json"))
	second.Dir = repoRoot
	b, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(b), string(localrun.CodePortInUse)) || !strings.Contains(string(b), strconv.Itoa(ports["--host-port"])) {
		t.Errorf("second bwv run on a taken port: %v\n%s\nwant a refusal naming %s and the port", err, b, localrun.CodePortInUse)
	}
	if resp, err := http.Get(target.HostURL + "/admin/host/status"); err != nil {
		t.Errorf("first pipeline harmed by the refused second one: %v", err)
	} else {
		resp.Body.Close()
	}

	// Ctrl-C: everything stops, by PID, and the run's settings file goes.
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("bwv run exit after Ctrl-C: %v, want 0", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("bwv run did not exit within 60 s of Ctrl-C")
	}
	for role, pid := range pids {
		if alive(pid) {
			t.Errorf("%s pid %d still running after Ctrl-C", role, pid)
		}
	}
	for f, p := range ports {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			t.Errorf("port %d (%s) still taken after Ctrl-C: %v", p, f, err)
			continue
		}
		l.Close()
	}
	if _, err := os.Stat(settingsOut); err == nil {
		t.Errorf("%s left behind: the CLI would talk to a pipeline that is gone", settingsOut)
	}
}
