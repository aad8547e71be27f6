package tfdriver

import (
	"context"
	"encoding/json"
	"os"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	tfjson "github.com/hashicorp/terraform-json"
)

// ShowPlan reads a saved plan file as JSON (`show -json <plan>`).
func (r *Runner) ShowPlan(ctx context.Context, planFile string) (*tfjson.Plan, error) {
	p, err := r.tf.ShowPlanFile(ctx, planFile)
	if err != nil {
		return nil, &reason.Error{Code: CodePlanUnreadable, Message: "show -json " + planFile, Err: err}
	}
	return p, nil
}

// ShowState reads the current state as JSON (`show -json`).
func (r *Runner) ShowState(ctx context.Context) (*tfjson.State, error) {
	s, err := r.tf.Show(ctx)
	if err != nil {
		return nil, &reason.Error{Code: CodePlanUnreadable, Message: "show -json (state)", Err: err}
	}
	return s, nil
}

// ReadPlanJSON reads plan JSON saved earlier (`show -json plan > file`).
func ReadPlanJSON(path string) (*tfjson.Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &reason.Error{Code: CodePlanUnreadable, Message: path, Err: err}
	}
	var p tfjson.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, &reason.Error{Code: CodePlanUnreadable, Message: path + " is not plan JSON", Err: err}
	}
	return &p, nil
}

// ReadStateJSON reads state JSON saved earlier (`show -json > file`).
func ReadStateJSON(path string) (*tfjson.State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &reason.Error{Code: CodePlanUnreadable, Message: path, Err: err}
	}
	var s tfjson.State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, &reason.Error{Code: CodePlanUnreadable, Message: path + " is not state JSON", Err: err}
	}
	return &s, nil
}
