package devhost

import (
	"errors"
	"fmt"
)

// Code is a stable reason code for a host error, for scripts and tests to match.
type Code string

const (
	CodeConfigMissing     Code = "config_missing"     // host.json, settings file or a setting is absent
	CodeConfigInvalid     Code = "config_invalid"     // a file or setting does not parse or makes no sense
	CodeFunctionInvalid   Code = "function_invalid"   // a function.json is unusable
	CodeScheduleInvalid   Code = "schedule_invalid"   // an NCRONTAB expression does not parse
	CodeHandlerStart      Code = "handler_start"      // the handler could not be started or never listened
	CodeHandlerFailed     Code = "handler_failed"     // the handler answered non-2xx or could not be reached
	CodeHandlerBadAnswer  Code = "handler_bad_answer" // the handler's 2xx answer is not the contract's JSON
	CodeOutputFailed      Code = "output_failed"      // an output binding could not be written
	CodeStorageFailed     Code = "storage_failed"     // Azurite (or Azure Storage) refused a call
	CodeFunctionNotFound  Code = "function_not_found" // no function of that name (and trigger)
	CodeTriggerValueBad   Code = "trigger_value_bad"  // a trigger value could not be bound (e.g. bad base64)
	CodeInvocationTimeout Code = "invocation_timeout" // functionTimeout elapsed
)

// Error is the host's error: a code, a sentence, and the cause.
type Error struct {
	Code Code
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error by code, so errors.Is(err, &Error{Code: X}) works.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code
	}
	return false
}

func errorf(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, or "".
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
