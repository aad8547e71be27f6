package reason

import (
	"errors"
	"fmt"
)

// Code is a stable reason code in UPPER_SNAKE, e.g. TOOL_MISSING.
type Code string

// Error is a failure with a code, a sentence a person understands, and the
// underlying cause (may be nil).
type Error struct {
	Code    Code
	Message string
	Err     error
}

// Error reads "CODE: message" or "CODE: message: cause".
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error by code alone, so
// errors.Is(err, &reason.Error{Code: X}) asks "did this fail with X?".
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errorf returns an *Error with code, the formatted message and cause.
func Errorf(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// CodeOf returns the code of the first *Error in err's chain, or "" when
// there is none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
