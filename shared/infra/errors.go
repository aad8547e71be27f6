package infra

import (
	"errors"
	"fmt"
)

// Code is a stable reason code for an infra command failure.
type Code string

const (
	// CodeToolMissing: no tofu/terraform binary could be found.
	CodeToolMissing Code = "tool-missing"
	// CodeToolTooOld: the binary cannot run the unit tests (mock_provider).
	CodeToolTooOld Code = "tool-too-old"
	// CodeTerraform: the tofu/terraform command itself failed.
	CodeTerraform Code = "terraform-failed"
	// CodePlanUnreadable: the plan or state JSON could not be read.
	CodePlanUnreadable Code = "plan-unreadable"
	// CodeResidencyRefused: the residency gate found offenders.
	CodeResidencyRefused Code = "residency-refused"
	// CodeFormat: files are not formatted.
	CodeFormat Code = "format-check-failed"
	// CodeInvalid: the configuration does not validate.
	CodeInvalid Code = "config-invalid"
)

// Error is the package's error type: a code, a message a person understands,
// and the underlying cause.
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

// Is matches on the code, so errors.Is(err, &Error{Code: CodeToolMissing}) works.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
	}
	return false
}

// ErrorCode returns the code of err, or "" when err is not an *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
