package residencygate

import "github.com/bwv-ingest/bwv-ingest/internal/reason"

// Reason codes of the residency gate, shown to the person running it; match
// them with errors.Is(err, &reason.Error{Code: ...}) or reason.CodeOf.
const (
	// CodeResidencyRefused: the residency gate found offenders.
	CodeResidencyRefused reason.Code = "RESIDENCY_REFUSED"
	// CodePolicyInvalid: the gate's policy would widen the UK set or trust a
	// sink too broadly (-allowed-regions, -trusted-sink).
	CodePolicyInvalid reason.Code = "POLICY_INVALID"
)
