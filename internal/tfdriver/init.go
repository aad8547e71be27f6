package tfdriver

import (
	"context"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// Init initialises the working directory. backend=false skips the state
// backend (validate, unit tests). With a PluginDir, providers come only from it.
func (r *Runner) Init(ctx context.Context, backend bool) error {
	opts := []tfexec.InitOption{tfexec.Backend(backend)}
	if r.PluginDir != "" {
		opts = append(opts, tfexec.PluginDir(r.PluginDir))
	}
	if err := r.tf.Init(ctx, opts...); err != nil {
		return tfError("init", err)
	}
	return nil
}
