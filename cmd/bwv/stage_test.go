package main

import (
	"archive/zip"
	"context"
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

func TestStageLaysOutTheAppAsTheHostExpects(t *testing.T) {
	out := t.TempDir()
	zipPath, err := stage(context.Background(), filepath.Join("..", ".."), out)
	if err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(out, "app")

	var host struct {
		CustomHandler struct {
			Description struct{ DefaultExecutablePath string }
		}
	}
	b, err := os.ReadFile(filepath.Join(app, "host.json"))
	if err != nil || json.Unmarshal(b, &host) != nil {
		t.Fatalf("host.json: %v", err)
	}
	exe := host.CustomHandler.Description.DefaultExecutablePath
	st, err := os.Stat(filepath.Join(app, exe))
	if err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("handler %q missing or not executable: %v", exe, err)
	}
	f, err := elf.Open(filepath.Join(app, exe))
	if err != nil {
		t.Fatalf("handler is not an ELF binary: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 {
		t.Fatalf("machine %v, want x86-64", f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("handler is dynamically linked; CGO_ENABLED=0 must give a static binary")
		}
	}
	for _, name := range []string{"ClipIngest", "ClipVerify", "RetentionSweep", "ClipManage", "AuditAnchor"} {
		if _, err := os.Stat(filepath.Join(app, name, "function.json")); err != nil {
			t.Errorf("%s/function.json not staged: %v", name, err)
		}
	}

	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, zf := range zr.File {
		names = append(names, zf.Name)
		if zf.Name == exe && zf.Mode()&0o111 == 0 {
			t.Errorf("zip loses the handler's exec bit: %v", zf.Mode())
		}
	}
	sort.Strings(names)
	if len(names) < 7 || !slices.Contains(names, "ClipIngest/function.json") || !slices.Contains(names, "AuditAnchor/function.json") {
		t.Fatalf("zip entries %v", names)
	}
}
