package tfdriver

import (
	"context"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// PlanInput is what a plan takes: variables and files.
type PlanInput struct {
	Vars     []string // "name=value"
	VarFiles []string
}

// Plan writes a plan to out and reports whether it has changes.
func (r *Runner) Plan(ctx context.Context, out string, in PlanInput) (bool, error) {
	opts := []tfexec.PlanOption{tfexec.Out(out)}
	for _, v := range in.Vars {
		opts = append(opts, tfexec.Var(v))
	}
	for _, f := range in.VarFiles {
		opts = append(opts, tfexec.VarFile(f))
	}
	changes, err := r.tf.Plan(ctx, opts...)
	if err != nil {
		return false, tfError("plan", err)
	}
	return changes, nil
}
