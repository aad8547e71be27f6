package localrun

import "github.com/bwv-ingest/bwv-ingest/internal/reason"

// Reason codes of the local run and its CLI, shown to the person running it;
// match them with errors.Is(err, &reason.Error{Code: ...}) or reason.CodeOf.
const (
	// CodePortInUse: a port the pipeline needs is taken.
	CodePortInUse reason.Code = "PORT_IN_USE"
	// CodeSettingsInvalid: the settings file cannot be read or lacks a value.
	CodeSettingsInvalid reason.Code = "SETTINGS_INVALID"
	// CodeInputInvalid: a flag or file given to the CLI is wrong.
	CodeInputInvalid reason.Code = "INPUT_INVALID"
	// CodeBlobExists: the blob name is taken; uploads never overwrite
	// (a second version under a recorded name is a tamper signal).
	CodeBlobExists reason.Code = "BLOB_EXISTS"
	// CodeUnreachable: a service of the pipeline does not answer.
	CodeUnreachable reason.Code = "PIPELINE_UNREACHABLE"
	// CodeUploadFailed: storage refused or broke the upload.
	CodeUploadFailed reason.Code = "UPLOAD_FAILED"
	// CodeTimeout: an outcome did not arrive in time.
	CodeTimeout reason.Code = "OUTCOME_TIMEOUT"
	// CodeStartFailed: a part of the pipeline did not start.
	CodeStartFailed reason.Code = "START_FAILED"
)
