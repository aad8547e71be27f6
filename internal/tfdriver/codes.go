package tfdriver

import "github.com/bwv-ingest/bwv-ingest/internal/reason"

// Reason codes of the Terraform driver, shown to the person running it; match
// them with errors.Is(err, &reason.Error{Code: ...}) or reason.CodeOf.
const (
	// CodeToolMissing: no tofu/terraform binary could be found.
	CodeToolMissing reason.Code = "TOOL_MISSING"
	// CodeToolTooOld: the binary cannot run the unit tests (mock_provider).
	CodeToolTooOld reason.Code = "TOOL_TOO_OLD"
	// CodeTerraform: the tofu/terraform command itself failed.
	CodeTerraform reason.Code = "TERRAFORM_FAILED"
	// CodePlanUnreadable: the plan or state JSON could not be read.
	CodePlanUnreadable reason.Code = "PLAN_UNREADABLE"
	// CodeFormat: files are not formatted.
	CodeFormat reason.Code = "FORMAT_CHECK_FAILED"
	// CodeInvalid: the configuration does not validate.
	CodeInvalid reason.Code = "CONFIG_INVALID"
)
