package localrun

import (
	"errors"
	"fmt"
)

// Code is a stable reason code for a failure a person sees.
type Code string

const (
	// CodePortInUse: a port the pipeline needs is taken.
	CodePortInUse Code = "PORT_IN_USE"
	// CodeSettingsInvalid: the settings file cannot be read or lacks a value.
	CodeSettingsInvalid Code = "SETTINGS_INVALID"
	// CodeInputInvalid: a flag or file given to the CLI is wrong.
	CodeInputInvalid Code = "INPUT_INVALID"
	// CodeBlobExists: the blob name is taken; uploads never overwrite
	// (a second version under a recorded name is a tamper signal).
	CodeBlobExists Code = "BLOB_EXISTS"
	// CodeUnreachable: a service of the pipeline does not answer.
	CodeUnreachable Code = "PIPELINE_UNREACHABLE"
	// CodeUploadFailed: storage refused or broke the upload.
	CodeUploadFailed Code = "UPLOAD_FAILED"
	// CodeTimeout: an outcome did not arrive in time.
	CodeTimeout Code = "OUTCOME_TIMEOUT"
	// CodeStartFailed: a part of the pipeline did not start.
	CodeStartFailed Code = "START_FAILED"
)

// Error is a failure with a code and a sentence a person understands.
type Error struct {
	Code    Code
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of err, or "" when it carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
