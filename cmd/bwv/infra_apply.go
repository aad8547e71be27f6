package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/bwv-ingest/bwv-ingest/internal/residencygate"
)

// infraApply applies exactly a saved plan file, after running the residency
// gate on that same file again: a plan that was refused, edited or produced
// outside `bwv infra plan` cannot be applied unchecked. The plan is read once,
// into a private copy, and that copy is both gated and applied: the file
// named on the command line could change between the two.
// After apply it reports residency evidence from state — by default next to
// the plan file — and exits 3 if state holds anything outside the allowed
// regions (an estate can differ from its plan: values known only after apply).
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
	fs.StringVar(&planFile, "plan", "", "saved plan file from bwv infra plan (required; relative to -dir)")
	fs.BoolVar(&noBackend, "no-backend", false, "init without the configured backend (local state)")
	fs.StringVar(&evMD, "evidence-md", "", "post-apply residency evidence from state, Markdown (default: <plan>.applied.md beside the plan)")
	fs.StringVar(&evJSON, "evidence-json", "", "post-apply residency evidence from state, JSON (default: <plan>.applied.json beside the plan)")
	if code, stop := parse(fs, args); stop {
		return code
	}
	if planFile == "" {
		fmt.Fprintln(env.stderr, "bwv infra apply: -plan is required: apply only ever applies a saved, gated plan")
		return exitUsage
	}
	policy, ok := pol.policy(env)
	if !ok {
		return exitUsage
	}
	planPath := planFile
	if !filepath.IsAbs(planPath) {
		planPath = filepath.Join(tf.dir, planPath)
	}
	if evMD == "" {
		evMD = planPath + ".applied.md"
	}
	if evJSON == "" {
		evJSON = planPath + ".applied.json"
	}

	gated, cleanup, err := privatePlanCopy(planPath)
	if err != nil {
		return fail(env, err)
	}
	defer cleanup()

	r, err := tf.runner(ctx, env)
	if err != nil {
		return fail(env, err)
	}
	if err := r.Init(ctx, !noBackend); err != nil {
		return fail(env, err)
	}
	plan, err := r.ShowPlan(ctx, gated)
	if err != nil {
		return fail(env, err)
	}
	if code := gateVerdict(env, residencygate.CheckPlan(plan, policy)); code != exitOK {
		fmt.Fprintln(env.stdout, "\nnothing applied")
		return code
	}
	if err := r.ApplyPlan(ctx, gated); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.stdout, "applied %s\n", planFile)

	state, err := r.ShowState(ctx)
	if err != nil {
		return fail(env, err)
	}
	ev := residencygate.EvidenceFromState(state, policy)
	if err := writeEvidence(ev, evMD, evJSON); err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.stdout, "post-apply evidence from state: %s, %s\n", evMD, evJSON)
	if !ev.Passed {
		fmt.Fprintf(env.stdout, "\nRESIDENCY REFUSED after apply: state holds %d offender(s); act on them now\n\n", len(ev.Findings))
		_ = residencygate.WriteOffenders(env.stdout, ev.Findings)
		return exitRefused
	}
	return exitOK
}

// privatePlanCopy reads the plan file once into a new private directory
// (0700) as a 0600 file, and returns its path and a cleanup.
func privatePlanCopy(src string) (path string, cleanup func(), err error) {
	in, err := os.Open(src)
	if err != nil {
		return "", nil, fmt.Errorf("reading plan: %w", err)
	}
	defer in.Close()
	dir, err := os.MkdirTemp("", "bwv-apply-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	path = filepath.Join(dir, "gated.tfplan")
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		_, err = io.Copy(out, in)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("copying plan %s: %w", src, err)
	}
	return path, cleanup, nil
}
