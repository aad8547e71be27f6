package main

import (
	"context"
	"fmt"

	"github.com/bwv-ingest/bwv-ingest/internal/residencygate"
	"github.com/bwv-ingest/bwv-ingest/internal/tfdriver"
	tfjson "github.com/hashicorp/terraform-json"
)

func infraGate(ctx context.Context, env infraEnv, args []string) int {
	fs := newFlagSet("gate", env)
	var (
		tf                 tfFlags
		pol                policyFlags
		planFile, planJSON string
		evMD, evJSON       string
	)
	tf.register(fs, env)
	pol.register(fs)
	fs.StringVar(&planFile, "plan", "", "saved plan file (read with show -json in -dir)")
	fs.StringVar(&planJSON, "plan-json", "", "plan JSON written earlier by show -json (no binary needed)")
	evidenceFlags(fs, &evMD, &evJSON)
	if code, stop := parse(fs, args); stop {
		return code
	}
	policy, ok := pol.policy(env)
	if !ok {
		return exitUsage
	}
	plan, code := loadPlan(ctx, env, &tf, planFile, planJSON)
	if plan == nil {
		return code
	}
	ev := residencygate.CheckPlan(plan, policy)
	if err := writeEvidence(ev, evMD, evJSON); err != nil {
		return fail(env, err)
	}
	return gateVerdict(env, ev)
}

// loadPlan reads a plan from JSON or from a saved plan file; on failure it
// returns nil and the exit code.
func loadPlan(ctx context.Context, env infraEnv, tf *tfFlags, planFile, planJSON string) (*tfjson.Plan, int) {
	switch {
	case (planFile == "") == (planJSON == ""):
		fmt.Fprintln(env.stderr, "bwv infra: give exactly one of -plan or -plan-json")
		return nil, exitUsage
	case planJSON != "":
		p, err := tfdriver.ReadPlanJSON(planJSON)
		if err != nil {
			return nil, fail(env, err)
		}
		return p, exitOK
	}
	r, err := tf.runner(ctx, env)
	if err != nil {
		return nil, fail(env, err)
	}
	p, err := r.ShowPlan(ctx, planFile)
	if err != nil {
		return nil, fail(env, err)
	}
	return p, exitOK
}
