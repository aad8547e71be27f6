package tfdriver

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// Validate validates the configuration against the provider schemas (run
// Init first).
func (r *Runner) Validate(ctx context.Context) error {
	out, err := r.tf.Validate(ctx)
	if err != nil {
		return tfError("validate", err)
	}
	if !out.Valid {
		var msgs []string
		for _, d := range out.Diagnostics {
			where := ""
			if d.Range != nil {
				where = fmt.Sprintf("%s:%d: ", d.Range.Filename, d.Range.Start.Line)
			}
			msgs = append(msgs, where+d.Summary+": "+d.Detail)
		}
		return &reason.Error{Code: CodeInvalid, Message: strings.Join(msgs, "; ")}
	}
	return nil
}
