package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/bwv-ingest/bwv-ingest/internal/residencygate"
	"github.com/bwv-ingest/bwv-ingest/internal/tfdriver"
)

func infraPlan(ctx context.Context, env infraEnv, args []string) int {
	fs := newFlagSet("plan", env)
	var (
		tf             tfFlags
		pol            policyFlags
		vars, varFiles listFlag
		out            string
		noBackend      bool
		evMD, evJSON   string
	)
	tf.register(fs, env)
	pol.register(fs)
	fs.StringVar(&out, "out", "bwv.tfplan", "plan file to write (relative to -dir unless absolute)")
	fs.Var(&vars, "var", "input variable name=value (repeatable)")
	fs.Var(&varFiles, "var-file", "variables file (repeatable)")
	fs.BoolVar(&noBackend, "no-backend", false, "init without the configured backend (local state)")
	evidenceFlags(fs, &evMD, &evJSON)
	if code, stop := parse(fs, args); stop {
		return code
	}
	policy, ok := pol.policy(env)
	if !ok {
		return exitUsage
	}
	r, err := tf.runner(ctx, env)
	if err != nil {
		return fail(env, err)
	}
	if err := r.Init(ctx, !noBackend); err != nil {
		return fail(env, err)
	}
	changes, err := r.Plan(ctx, out, tfdriver.PlanInput{Vars: vars, VarFiles: varFiles})
	if err != nil {
		return fail(env, err)
	}
	plan, err := r.ShowPlan(ctx, out)
	if err != nil {
		return fail(env, err)
	}
	ev := residencygate.CheckPlan(plan, policy)
	if err := writeEvidence(ev, evMD, evJSON); err != nil {
		return fail(env, err)
	}
	code := gateVerdict(env, ev)
	switch {
	case code != exitOK:
		fmt.Fprintf(env.stdout, "\nplan file %s was NOT approved: bwv infra apply will refuse it\n", out)
	case !changes:
		fmt.Fprintln(env.stdout, "no changes")
	default:
		fmt.Fprintf(env.stdout, "apply exactly this plan with: bwv infra apply -dir %s -plan %s\n", tf.dir, out)
	}
	return code
}

func evidenceFlags(fs *flag.FlagSet, md, js *string) {
	fs.StringVar(md, "evidence-md", "", "also write the residency evidence report as Markdown to this file")
	fs.StringVar(js, "evidence-json", "", "also write the residency evidence report as JSON to this file")
}
