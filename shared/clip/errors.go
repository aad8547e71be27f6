package clip

import (
	"errors"
	"fmt"
	"net/http"
)

// Kind classifies an error by what the caller should do about it.
type Kind string

const (
	// Invalid input: recording it is the answer; retrying cannot help.
	Invalid Kind = "invalid"
	// NotFound: the thing asked for does not exist.
	NotFound Kind = "not_found"
	// Conflict: a conditional write lost a race (ETag, create-if-absent).
	Conflict Kind = "conflict"
	// Transient: a dependency failed in a way a retry may fix.
	Transient Kind = "transient"
	// Refused: a policy (residency, retention) forbids the action.
	Refused Kind = "refused"
	// Internal: a bug or an unexpected state.
	Internal Kind = "internal"
)

// Outcome is what a Kind means at the edge of the system.
type Outcome struct {
	HTTPStatus int  // status for HTTP-triggered functions
	Retry      bool // true: answer non-2xx so the host retries the invocation
}

// outcomes is the one table that maps an error kind to its outcome.
var outcomes = map[Kind]Outcome{
	Invalid:   {HTTPStatus: http.StatusBadRequest, Retry: false},
	NotFound:  {HTTPStatus: http.StatusNotFound, Retry: false},
	Conflict:  {HTTPStatus: http.StatusPreconditionFailed, Retry: true},
	Transient: {HTTPStatus: http.StatusServiceUnavailable, Retry: true},
	Refused:   {HTTPStatus: http.StatusForbidden, Retry: false},
	Internal:  {HTTPStatus: http.StatusInternalServerError, Retry: true},
}

// OutcomeOf returns the outcome for err; errors that are not *Error are
// treated as Internal (retry: the safe default for an unknown failure).
func OutcomeOf(err error) Outcome {
	return outcomes[KindOf(err)]
}

// Error is the project's error type: a kind for the machine, a stable
// reason code and a sentence for a person.
type Error struct {
	Kind    Kind
	Code    Code
	Message string
	Err     error
}

func (e *Error) Error() string {
	s := string(e.Kind)
	if e.Code != "" {
		s += " " + string(e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind.
func Errorf(kind Kind, code Code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error of the given kind around err.
func Wrap(kind Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// CodeOf returns the reason code of the first *Error in err's chain.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsKind reports whether err carries the given kind.
func IsKind(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }
