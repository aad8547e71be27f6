package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/bwv-ingest/bwv-ingest/internal/residencygate"
	"github.com/bwv-ingest/bwv-ingest/internal/tfdriver"
)

// infraEvidence writes the residency evidence report: every resource and its
// region(s), replicas, sinks and inherited regions, from a plan (before apply)
// or from state (after apply). Exit 3 when the report holds offenders.
func infraEvidence(ctx context.Context, env infraEnv, args []string) int {
	fs := newFlagSet("evidence", env)
	var (
		tf                            tfFlags
		pol                           policyFlags
		planFile, planJSON, stateJSON string
		format, out                   string
	)
	tf.register(fs, env)
	pol.register(fs)
	fs.StringVar(&planFile, "plan", "", "from a saved plan file")
	fs.StringVar(&planJSON, "plan-json", "", "from plan JSON")
	fs.StringVar(&stateJSON, "state-json", "", "from state JSON (show -json)")
	fs.StringVar(&format, "format", "md", "md or json")
	fs.StringVar(&out, "o", "", "output file (default stdout)")
	if code, stop := parse(fs, args); stop {
		return code
	}
	if format != "md" && format != "json" {
		fmt.Fprintf(env.stderr, "bwv infra evidence: -format must be md or json, not %q\n", format)
		return exitUsage
	}
	policy, ok := pol.policy(env)
	if !ok {
		return exitUsage
	}
	var ev *residencygate.Evidence
	switch {
	case planFile != "" || planJSON != "":
		plan, code := loadPlan(ctx, env, &tf, planFile, planJSON)
		if plan == nil {
			return code
		}
		ev = residencygate.CheckPlan(plan, policy)
	case stateJSON != "":
		s, err := tfdriver.ReadStateJSON(stateJSON)
		if err != nil {
			return fail(env, err)
		}
		ev = residencygate.EvidenceFromState(s, policy)
	default: // current state of -dir
		r, err := tf.runner(ctx, env)
		if err != nil {
			return fail(env, err)
		}
		s, err := r.ShowState(ctx)
		if err != nil {
			return fail(env, err)
		}
		ev = residencygate.EvidenceFromState(s, policy)
	}
	var w io.Writer = env.stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return fail(env, err)
		}
		defer f.Close()
		w = f
	}
	write := ev.WriteMarkdown
	if format == "json" {
		write = ev.WriteJSON
	}
	if err := write(w); err != nil {
		return fail(env, err)
	}
	if !ev.Passed {
		return exitRefused
	}
	return exitOK
}
