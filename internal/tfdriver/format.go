package tfdriver

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// FormatCheck checks formatting recursively and lists unformatted files.
func (r *Runner) FormatCheck(ctx context.Context) error {
	ok, files, err := r.tf.FormatCheck(ctx, tfexec.Recursive(true))
	if err != nil {
		return tfError("fmt -check", err)
	}
	if !ok {
		return &reason.Error{Code: CodeFormat, Message: "not formatted (run tofu fmt -recursive): " + strings.Join(files, ", ")}
	}
	return nil
}
