package tfdriver

import (
	"fmt"
	"io"
	"sync"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// Runner drives one working directory (a root module) with one binary.
type Runner struct {
	Tool Tool
	Dir  string
	// PluginDir, when set, makes init install providers only from this
	// directory (offline, air-gapped, or the toolchain's locally built azurerm).
	PluginDir string
	tf        *tfexec.Terraform
}

// NewRunner prepares a Runner. stdout/stderr receive the binary's output
// (nil discards it).
func NewRunner(tool Tool, dir, pluginDir string, stdout, stderr io.Writer) (*Runner, error) {
	tf, err := tfexec.NewTerraform(dir, tool.Path)
	if err != nil {
		return nil, &reason.Error{Code: CodeToolMissing, Message: fmt.Sprintf("cannot drive %s in %s", tool.Path, dir), Err: err}
	}
	// The binary's stdout and stderr are copied by separate goroutines: when
	// both go to one writer, serialise the writes.
	if stdout != nil && stdout == stderr {
		w := &lockedWriter{w: stdout}
		stdout, stderr = w, w
	}
	if stdout != nil {
		tf.SetStdout(stdout)
	}
	if stderr != nil {
		tf.SetStderr(stderr)
	}
	return &Runner{Tool: tool, Dir: dir, PluginDir: pluginDir, tf: tf}, nil
}

func tfError(op string, err error) error {
	return &reason.Error{Code: CodeTerraform, Message: op + " failed", Err: err}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
