package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
)

// The real binary, driven as a person would: start it on the repo-style
// layout with a settings file, call it, Ctrl-C it; it exits 0 and leaves no
// handler process behind.
func TestBinaryServesAndStopsCleanly(t *testing.T) {
	az := localsvctest.Azurite(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "bwv-host")
	echo := filepath.Join(dir, "echohandler")
	for pkg, out := range map[string]string{".": bin, "../../internal/devhost/testdata/echohandler": echo} {
		if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	root := filepath.Join(dir, "app")
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "host.json"), `{"version":"2.0","customHandler":{"description":{"defaultExecutablePath":"missing"}}}`)
	write(filepath.Join(root, "functions", "EchoHTTP", "function.json"),
		`{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","authLevel":"function","route":"items/{id}"},{"type":"http","direction":"out","name":"res"}]}`)
	settings, _ := json.Marshal(map[string]any{"IsEncrypted": false, "Values": map[string]string{
		"AzureWebJobsStorage": az.ConnectionString, "BWV_FUNCTION_KEY": "k",
	}})
	write(filepath.Join(root, "local.settings.json"), string(settings))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--script-root", root, "--handler", echo, "--listen", addr)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
	})

	var status struct {
		HandlerPID int `json:"handlerPid"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/admin/host/status")
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&status)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("host never answered: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for key, want := range map[string]int{"": 401, "k": 201} {
		resp, err := http.Get(fmt.Sprintf("http://%s/api/items/1?code=%s", addr, key))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("key %q: %d, want %d", key, resp.StatusCode, want)
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after Ctrl-C: %v, want 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("host did not exit within 30 s of Ctrl-C")
	}
	if status.HandlerPID == 0 {
		t.Fatal("status reported no handler pid")
	}
	if syscall.Kill(status.HandlerPID, 0) == nil {
		t.Errorf("handler pid %d outlived the host", status.HandlerPID)
	}
}
