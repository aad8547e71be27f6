package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
	"github.com/bwv-ingest/bwv-ingest/internal/wormfake/wormfaketest"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// repoRoot is the repository (host.json, functions/, tools/).
var repoRoot = func() string {
	wd, _ := os.Getwd()
	return filepath.Dir(wd)
}()

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds bwv, bwv-host and bwv-handler once per test run, with
// plain `go build`, as a person gets them.
func binaries(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "bwv-e2e-bin-*")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+string(filepath.Separator), "./cmd/bwv", "./cmd/bwv-host", "./cmd/bwv-handler")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// syncBuffer collects a process's output for failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// pipeline is one local pipeline under test: Azurite, Cosmos and the
// bwv-host binary with the real handler, on free ports.
type pipeline struct {
	t        testing.TB
	azurite  *localsvc.Azurite
	cosmos   *localsvc.Cosmos
	settings string // settings file for the CLI
	target   localrun.Target
	clients  *localrun.Clients
	hostLog  *syncBuffer
	hostPID  int
	// authKey signs the bearer tokens the host's App Service
	// Authentication emulation (--easy-auth, on as under `bwv run`) wants.
	authKey  string
	tokensMu sync.Mutex
	tokens   map[string]string // person → token from `bwv token`
}

type pipelineOptions struct {
	hostArgs []string // extra bwv-host flags
	// blobEndpoint, when set, replaces Azurite's blob endpoint for the host
	// and the handler (the fault proxy). Uploads go through it too.
	// upstream is the endpoint to forward to (the immutability fake).
	blobEndpoint func(az *localsvc.Azurite, upstream string) string
}

func startPipeline(t testing.TB, o pipelineOptions) *pipeline {
	t.Helper()
	bins := binaries(t)
	az := localsvctest.Azurite(t)
	cs := localsvctest.Cosmos(t)
	// Storage is Azurite behind the enforcing immutability fake, as under
	// `bwv run`; a fault proxy, when given, stands in front of the fake.
	worm := wormfaketest.Start(t, az, nil)
	blob := worm.Endpoint()
	if o.blobEndpoint != nil {
		blob = strings.TrimSuffix(o.blobEndpoint(az, blob), "/")
	}
	values, _, err := localrun.ReadSettings(filepath.Join(repoRoot, "local.settings.sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	values["AzureWebJobsStorage"] = fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;QueueEndpoint=%s;",
		az.Account, az.Key, blob, strings.TrimSuffix(az.QueueEndpoint, "/"))
	values["BWV_STORAGE_ACCOUNT"] = az.Account
	values["BWV_STORAGE_KEY"] = az.Key
	values["BWV_BLOB_ENDPOINT"] = blob
	values["BWV_COSMOS_ENDPOINT"] = strings.TrimSuffix(cs.Endpoint, "/")
	values["BWV_COSMOS_KEY"] = cs.Key
	values["BWV_COSMOS_BOOTSTRAP"] = "true"
	values["BWV_FUNCTION_KEY"] = "e2e-function-key"
	values["BWV_TRUST_PRINCIPAL_HEADERS"] = "true" // as `bwv run` sets it with the emulation on
	port := freePort(t)
	p := &pipeline{t: t, azurite: az, cosmos: cs, settings: filepath.Join(t.TempDir(), "local.settings.json"), hostLog: &syncBuffer{},
		authKey: filepath.Join(t.TempDir(), "auth", "signing-key"), tokens: map[string]string{}}
	if err := localrun.WriteSettings(p.settings, values, port); err != nil {
		t.Fatal(err)
	}
	if p.target, err = localrun.LoadTarget(p.settings); err != nil {
		t.Fatal(err)
	}
	if p.clients, err = localrun.Connect(p.target); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.clients.EnsureStorage(ctx, localrun.DeadLetterContainer); err != nil {
		t.Fatal(err)
	}

	args := append([]string{"--script-root", repoRoot, "--settings", p.settings, "--build", "./cmd/bwv-handler",
		"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--easy-auth", "--easy-auth-key", p.authKey}, o.hostArgs...)
	cmd := exec.Command(filepath.Join(bins, "bwv-host"), args...)
	cmd.Dir = repoRoot
	cmd.Stdout, cmd.Stderr = p.hostLog, p.hostLog
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// Ctrl-C, as a person stops it; then the handler must be gone too.
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("bwv-host exit after Ctrl-C: %v", err)
			}
		case <-time.After(40 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("bwv-host did not exit within 40 s of Ctrl-C")
		}
		if p.hostPID != 0 && alive(p.hostPID) {
			t.Errorf("handler pid %d outlived bwv-host", p.hostPID)
		}
		if t.Failed() {
			t.Logf("bwv-host log:\n%s", tail(p.hostLog.String(), 150))
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for {
		st, err := p.hostStatus()
		if err == nil {
			p.hostPID = st.HandlerPID
			return p
		}
		select {
		case err := <-exited:
			t.Fatalf("bwv-host exited before serving: %v\n%s", err, p.hostLog.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("bwv-host not serving after 3 min: %v\n%s", err, tail(p.hostLog.String(), 80))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func tail(s string, lines int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}

func (p *pipeline) hostStatus() (localrun.HostStatus, error) {
	resp, err := http.Get(p.target.HostURL + "/admin/host/status")
	if err != nil {
		return localrun.HostStatus{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return localrun.HostStatus{}, fmt.Errorf("status %s", resp.Status)
	}
	var st localrun.HostStatus
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// cli runs the bwv binary against this pipeline and returns its stdout,
// stderr and exit code.
func (p *pipeline) cli(args ...string) (string, string, int) {
	p.t.Helper()
	return runCLI(p.t, append(args, "--settings", p.settings)...)
}

func runCLI(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binaries(t), "bwv"), args...)
	cmd.Dir = repoRoot
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("bwv %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// token is a bearer token for person from `bwv token` with the pipeline's
// key, carrying roles (minted once per person, roles and pipeline).
func (p *pipeline) token(t testing.TB, person string, roles ...string) string {
	t.Helper()
	p.tokensMu.Lock()
	defer p.tokensMu.Unlock()
	key := person + "\x00" + strings.Join(roles, ",")
	if tok, ok := p.tokens[key]; ok {
		return tok
	}
	args := []string{"token", "--name", person, "--key", p.authKey, "--ttl", "1h"}
	if len(roles) > 0 {
		args = append(args, "--roles", strings.Join(roles, ","))
	}
	stdout, stderr, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("bwv token --name %q: exit %d: %s", person, code, stderr)
	}
	p.tokens[key] = strings.TrimSpace(stdout)
	return p.tokens[key]
}

// clipsByName reads every clip record (cross-partition, no ORDER BY) and
// groups them by blob name.
func (p *pipeline) clipsByName() map[string][]clip.Clip {
	p.t.Helper()
	st := localrun.ReadStatus(context.Background(), p.clients, localrun.StatusOptions{Limit: 100000, Since: 365 * 24 * time.Hour})
	out := map[string][]clip.Clip{}
	for _, row := range st.Clips {
		rec, err := p.clients.Records.GetClip(context.Background(), row.Officer, row.ID)
		if err != nil {
			p.t.Fatalf("reading %s: %v", row.ID, err)
		}
		out[rec.Blob.Name] = append(out[rec.Blob.Name], rec)
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, within time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s (last: %s)", what, within, state)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// writeFile writes size pseudo-random bytes to a new file.
func writeFile(t testing.TB, name string, size int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	x := uint64(len(name)*7919 + size)
	for i := 0; i < size; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		_ = w.WriteByte(byte(x))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
