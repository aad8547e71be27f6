//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// apply reads the plan once: the plan is a named pipe that delivers its bytes
// a single time, so a gate that read the file and an apply that read it again
// could not both succeed. The copy that is gated is the copy that is applied.
func TestInfraApplyReadsThePlanOnce(t *testing.T) {
	bin := tfBinary(t)
	t.Setenv("BWV_TF_BIN", bin)
	t.Setenv("TF_IN_AUTOMATION", "1")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the private copy goes
	dir := copyFixture(t)
	common := []string{"-dir", dir, "-no-backend"}
	if code, out, errOut := runBwv(t, append([]string{"infra", "plan", "-out", "uk.tfplan"}, common...)...); code != exitOK {
		t.Fatalf("plan: exit %d\n%s\n%s", code, out, errOut)
	}
	planBytes, err := os.ReadFile(filepath.Join(dir, "uk.tfplan"))
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "once.tfplan")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	opened := make(chan int, 1)
	go func() { // one writer, one delivery
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			opened <- 0
			return
		}
		_, _ = w.Write(planBytes)
		_ = w.Close()
		opened <- 1
	}()
	defer func() { // unblock the writer if nobody ever read
		if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			r.Close()
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut strings.Builder
	code := run(ctx, append([]string{"infra", "apply", "-plan", "once.tfplan"}, common...), &out, &errOut)
	if code != exitOK || !strings.Contains(out.String(), "residency gate: passed") || !strings.Contains(out.String(), "applied once.tfplan") {
		t.Fatalf("apply of a plan that can be read once: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if loc := storeLocation(t, bin, dir); loc != "uksouth" {
		t.Fatalf("store location after apply = %q, want uksouth", loc)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "bwv-apply-*")); len(left) > 0 {
		t.Errorf("private plan copies left behind: %v", left)
	}
}

// The private copy is a 0600 file in a new 0700 directory, removed by cleanup.
func TestPrivatePlanCopy(t *testing.T) {
	src := filepath.Join(t.TempDir(), "p.tfplan")
	if err := os.WriteFile(src, []byte("plan bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	path, cleanup, err := privatePlanCopy(src)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("copy mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("copy directory mode = %v (%v), want 0700", di.Mode().Perm(), err)
	}
	if b, _ := os.ReadFile(path); string(b) != "plan bytes" {
		t.Errorf("copy holds %q", b)
	}
	cleanup()
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("cleanup left %s: %v", filepath.Dir(path), err)
	}
}
