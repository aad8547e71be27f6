package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteReplacesARegularFileWhole(t *testing.T) {
	p := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(p, []byte("old content that is longer"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "new" {
		t.Fatalf("got %q, %v", b, err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// A named pipe stands in for /dev/null: renaming over it would replace the
// node with a regular file. Write must write into it and leave it a pipe.
func TestWriteIntoANonRegularFileKeepsTheNode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := os.ReadFile(p)
		got <- b
	}()
	if err := Write(p, []byte("report"), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("target is no longer a pipe: %v %v", fi.Mode(), err)
	}
	if b := <-got; string(b) != "report" {
		t.Fatalf("reader got %q", b)
	}
}

func TestWriteRefusesADirectoryAndASymlink(t *testing.T) {
	d := t.TempDir()
	if err := Write(d, []byte("x"), 0o644); err == nil {
		t.Fatal("wrote over a directory")
	}
	link := filepath.Join(d, "link")
	if err := os.Symlink(filepath.Join(d, "elsewhere"), link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("x"), 0o644); err == nil {
		t.Fatal("replaced a symbolic link")
	}
}
