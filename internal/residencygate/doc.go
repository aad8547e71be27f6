// Package residencygate is the residency gate: the check, run on the JSON of
// a saved plan, that every byte the plan would place — resources, replicas,
// geo-locations, replication targets, log and dead-letter sinks — stays in the
// allowed (UK) regions, plus the residency evidence report built from a plan
// or from state.
//
// Why a gate on the plan and not only variable validation: validation guards
// the module's own inputs, but the plan is what Azure will actually be asked
// to do, whatever module, override or hand edit produced it. The gate is the
// last point where a non-UK region can be refused before anything exists.
//
// The gate is conservative. A region the plan cannot show yet (unknown until
// apply) is refused unless it can be derived from what the plan does show
// (see Policy and docs/infra.md); a sink whose target cannot be located is
// refused unless the operator names it as trusted.
// The Terraform driver that produces the plan is package tfdriver; the two
// meet only in cmd/bwv (`bwv infra`).
package residencygate
