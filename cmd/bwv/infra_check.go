package main

import (
	"context"
	"fmt"
)

func infraFmt(ctx context.Context, env infraEnv, args []string) int {
	fs := newFlagSet("fmt", env)
	var tf tfFlags
	tf.register(fs, env)
	fs.Lookup("dir").DefValue = "infra/terraform"
	_ = fs.Set("dir", "infra/terraform")
	if code, stop := parse(fs, args); stop {
		return code
	}
	r, err := tf.runner(ctx, env)
	if err != nil {
		return fail(env, err)
	}
	if err := r.FormatCheck(ctx); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.stdout, "fmt: %s is formatted\n", tf.dir)
	return exitOK
}

func infraValidate(ctx context.Context, env infraEnv, args []string) int {
	fs := newFlagSet("validate", env)
	var tf tfFlags
	tf.register(fs, env)
	if code, stop := parse(fs, args); stop {
		return code
	}
	r, err := tf.runner(ctx, env)
	if err != nil {
		return fail(env, err)
	}
	if err := r.Init(ctx, false); err != nil {
		return fail(env, err)
	}
	if err := r.Validate(ctx); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.stdout, "validate: %s is valid (%s)\n", tf.dir, r.Tool)
	return exitOK
}
