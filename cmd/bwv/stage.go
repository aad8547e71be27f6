package main

import (
	"archive/zip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

func init() {
	register(command{name: "stage", summary: "build the deployable Functions app (host.json, <Name>/function.json, linux/amd64 handler) and its zip", run: runStage})
}

// handlerBinary is customHandler.description.defaultExecutablePath in host.json.
const handlerBinary = "bwv-handler"

func runStage(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", ".", "repository root (holds host.json and functions/)")
	out := fs.String("out", "dist", "output folder: <out>/app is the app, <out>/bwv-ingest-app.zip its zip for zip deploy")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	zipPath, err := stage(ctx, *root, *out)
	if err != nil {
		fmt.Fprintln(stderr, "bwv stage:", err)
		return 1
	}
	fmt.Fprintf(stdout, "staged %s and %s\n", filepath.Join(*out, "app"), zipPath)
	return 0
}

// stage lays out the app the way the Functions host expects it and zips it,
// keeping the handler's exec bit (zip deploy on Linux needs it).
func stage(ctx context.Context, root, out string) (string, error) {
	app := filepath.Join(out, "app")
	if err := os.RemoveAll(app); err != nil {
		return "", err
	}
	if err := os.MkdirAll(app, 0o755); err != nil {
		return "", err
	}
	if err := copyFile(filepath.Join(root, "host.json"), filepath.Join(app, "host.json"), 0o644); err != nil {
		return "", err
	}
	defs, err := filepath.Glob(filepath.Join(root, "functions", "*", "function.json"))
	if err != nil {
		return "", err
	}
	if len(defs) == 0 {
		return "", errors.New("no functions/<Name>/function.json found under " + root)
	}
	for _, d := range defs {
		name := filepath.Base(filepath.Dir(d))
		if err := os.MkdirAll(filepath.Join(app, name), 0o755); err != nil {
			return "", err
		}
		if err := copyFile(d, filepath.Join(app, name, "function.json"), 0o644); err != nil {
			return "", err
		}
	}
	bin, err := filepath.Abs(filepath.Join(app, handlerBinary))
	if err != nil {
		return "", err
	}
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/bwv-handler")
	build.Dir = root
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, b)
	}
	if err := os.Chmod(bin, 0o755); err != nil {
		return "", err
	}
	zipPath := filepath.Join(out, "bwv-ingest-app.zip")
	return zipPath, zipDir(app, zipPath)
}

func copyFile(src, dst string, mode os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, mode)
}

func zipDir(dir, zipPath string) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	f, err := os.Create(zipPath)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		h, err := zip.FileInfoHeader(st)
		if err != nil {
			return err
		}
		h.Name = strings.ReplaceAll(rel, string(filepath.Separator), "/")
		h.Method = zip.Deflate
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = io.Copy(w, src)
		src.Close()
		if err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
