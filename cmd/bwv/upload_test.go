package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Mistakes a person makes at the terminal get a clear refusal with a
// reason code before anything is uploaded (no pipeline needed to see it).
func TestUploadRefusesBadInputBeforeUploading(t *testing.T) {
	file := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(file, []byte("content"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := []string{"--officer", "PC1", "--device", "CAM-1", "--start", "2026-01-02T10:00:00Z"}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", good, "give exactly one FILE"},
		{"two files", append([]string{file, file}, good...), "give exactly one FILE"},
		{"missing officer and start", []string{file, "--device", "CAM-1"}, "missing --officer, --start"},
		{"start without zone", []string{file, "--officer", "PC1", "--device", "CAM-1", "--start", "2026-01-02T10:00:00"}, "not RFC 3339"},
		{"latitude not a number", append([]string{file, "--lat", "north"}, good...), "--lat \"north\""},
		{"not a file", append([]string{t.TempDir()}, good...), "is not a regular file"},
		{"missing file", append([]string{file + ".nope"}, good...), "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"upload"}, c.args...), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), "INPUT_INVALID") || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("exit %d, stderr %q; want 2 with INPUT_INVALID and %q", code, stderr.String(), c.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q; nothing should have been uploaded", stdout.String())
			}
		})
	}
}
