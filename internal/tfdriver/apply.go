package tfdriver

import (
	"context"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// ApplyPlan applies exactly the saved plan file: no new plan, no variables.
// Terraform refuses a plan file that is stale (state changed since).
// Callers gate the plan first (CheckPlan); the infra command does so itself.
func (r *Runner) ApplyPlan(ctx context.Context, planFile string) error {
	if err := r.tf.Apply(ctx, tfexec.DirOrPlan(planFile)); err != nil {
		return tfError("apply "+planFile, err)
	}
	return nil
}
