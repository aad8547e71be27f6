package tfdriver

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// Minimum versions: the module's variable validations refer to
// local.allowed_locations (the one Terraform statement of the UK set), which
// needs Terraform 1.9 / OpenTofu 1.9; mock_provider in `test` needs less
// (Terraform 1.7 / OpenTofu 1.8).
var (
	MinTofu      = version.Must(version.NewVersion("1.9.0"))
	MinTerraform = version.Must(version.NewVersion("1.9.0"))
)

// Tool is a tofu or terraform binary.
type Tool struct {
	Path    string
	Flavour string // "tofu" or "terraform"
	Version *version.Version
}

func (t Tool) String() string { return fmt.Sprintf("%s %s (%s)", t.Flavour, t.Version, t.Path) }

// FindTool picks the binary: explicit (a path or a name on PATH) if given,
// else tofu on PATH if new enough, else terraform on PATH if new enough.
func FindTool(ctx context.Context, explicit string) (Tool, error) {
	if explicit != "" {
		path, err := exec.LookPath(explicit)
		if err != nil {
			return Tool{}, &reason.Error{Code: CodeToolMissing, Message: "the tofu/terraform binary " + explicit + " is not executable", Err: err}
		}
		return inspect(ctx, path)
	}
	var tried []string
	for _, name := range []string{"tofu", "terraform"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		t, err := inspect(ctx, path)
		if err == nil {
			return t, nil
		}
		tried = append(tried, err.Error())
	}
	return Tool{}, &reason.Error{Code: CodeToolMissing,
		Message: fmt.Sprintf("no OpenTofu >= %s or Terraform >= %s on PATH; run scripts/toolchain.sh and pass -tf or set BWV_TF_BIN %v", MinTofu, MinTerraform, tried)}
}

func inspect(ctx context.Context, path string) (Tool, error) {
	abs, err := filepath.Abs(path)
	if err == nil {
		path = abs
	}
	tf, err := tfexec.NewTerraform(os.TempDir(), path)
	if err != nil {
		return Tool{}, &reason.Error{Code: CodeToolMissing, Message: path, Err: err}
	}
	v, _, err := tf.Version(ctx, true)
	if err != nil {
		return Tool{}, &reason.Error{Code: CodeToolMissing, Message: "cannot read the version of " + path, Err: err}
	}
	flavour := "terraform"
	if out, err := exec.CommandContext(ctx, path, "version").Output(); err == nil && strings.Contains(strings.ToLower(string(out)), "opentofu") {
		flavour = "tofu"
	}
	min := MinTerraform
	if flavour == "tofu" {
		min = MinTofu
	}
	if v.Core().LessThan(min) {
		return Tool{}, &reason.Error{Code: CodeToolTooOld, Message: fmt.Sprintf("%s is %s %s; need >= %s (mock_provider)", path, flavour, v, min)}
	}
	return Tool{Path: path, Flavour: flavour, Version: v}, nil
}
