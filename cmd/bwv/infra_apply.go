package main

import (
	"context"
	"fmt"

	"github.com/bwv-ingest/bwv-ingest/shared/infra"
)

// infraApply applies exactly a saved plan file, after running the residency
// gate on that same file again: a plan that was refused, edited or produced
// outside `bwv infra plan` cannot be applied unchecked.
func infraApply(ctx context.Context, env infraEnv, args []string) int {
	fs := newFlagSet("apply", env)
	var (
		tf           tfFlags
		pol          policyFlags
		planFile     string
		noBackend    bool
		evMD, evJSON string
	)
	tf.register(fs, env)
	pol.register(fs)
	fs.StringVar(&planFile, "plan", "", "saved plan file from bwv infra plan (required)")
	fs.BoolVar(&noBackend, "no-backend", false, "init without the configured backend (local state)")
	fs.StringVar(&evMD, "evidence-md", "", "after apply, write residency evidence from state as Markdown to this file")
	fs.StringVar(&evJSON, "evidence-json", "", "after apply, write residency evidence from state as JSON to this file")
	if code, stop := parse(fs, args); stop {
		return code
	}
	if planFile == "" {
		fmt.Fprintln(env.stderr, "bwv infra apply: -plan is required: apply only ever applies a saved, gated plan")
		return exitUsage
	}
	r, err := tf.runner(ctx, env)
	if err != nil {
		return fail(env, err)
	}
	if err := r.Init(ctx, !noBackend); err != nil {
		return fail(env, err)
	}
	plan, err := r.ShowPlan(ctx, planFile)
	if err != nil {
		return fail(env, err)
	}
	if code := gateVerdict(env, infra.CheckPlan(plan, pol.policy())); code != exitOK {
		fmt.Fprintln(env.stdout, "\nnothing applied")
		return code
	}
	if err := r.ApplyPlan(ctx, planFile); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.stdout, "applied %s\n", planFile)
	if evMD != "" || evJSON != "" {
		state, err := r.ShowState(ctx)
		if err != nil {
			return fail(env, err)
		}
		ev := infra.EvidenceFromState(state, pol.policy())
		if err := writeEvidence(ev, evMD, evJSON); err != nil {
			return fail(env, err)
		}
		if !ev.Passed {
			fmt.Fprintln(env.stdout, "state holds residency offenders:")
			_ = infra.WriteOffenders(env.stdout, ev.Findings)
			return exitRefused
		}
	}
	return exitOK
}
