package retention

import (
	"errors"
	"fmt"
)

// Code is a stable reason code for a policy file that cannot be used. Codes are part of the contract with the
// people who write policy files (docs/retention.md lists them); never rename one.
type Code string

const (
	CodeUnreadable        Code = "POLICY_UNREADABLE"         // the file cannot be read
	CodeTooLarge          Code = "POLICY_TOO_LARGE"          // the file is larger than MaxPolicyBytes
	CodeSyntax            Code = "POLICY_SYNTAX"             // not one well-formed JSON object
	CodeDuplicateKey      Code = "POLICY_DUPLICATE_KEY"      // the same key twice in one JSON object
	CodeWrongType         Code = "POLICY_WRONG_TYPE"         // e.g. a number where a string belongs
	CodeUnknownField      Code = "POLICY_UNKNOWN_FIELD"      // a key this format does not define (often a typo)
	CodeMissingField      Code = "POLICY_MISSING_FIELD"      // a required key is absent
	CodeBadFormat         Code = "POLICY_BAD_FORMAT"         // "format" is not a format this code understands
	CodeBadVersion        Code = "POLICY_BAD_VERSION"        // "version" is empty or has characters outside the allowed set
	CodeBadPeriod         Code = "POLICY_BAD_PERIOD"         // a period or review interval is not a valid ISO 8601 date duration
	CodeBadRule           Code = "POLICY_BAD_RULE"           // a rule has both, or neither, of "period" and "holdUntilReleased"
	CodeBadReview         Code = "POLICY_BAD_REVIEW"         // the review would fall after the deletion date
	CodeBadCategoryName   Code = "POLICY_BAD_CATEGORY_NAME"  // a category name is not 1-32 of a-z, 0-9, '-'
	CodeReservedCategory  Code = "POLICY_RESERVED_CATEGORY"  // "uncategorised" is the "default" rule, not a category
	CodeDuplicateCategory Code = "POLICY_DUPLICATE_CATEGORY" // two categories with the same name
	CodeBadDockDelay      Code = "POLICY_BAD_DOCK_DELAY"     // maxDockDelay longer than one year
)

// PolicyError says why a policy file cannot be used: a stable Code, the JSON path of the offending value
// ("$.categories[1].period"; "$" for the whole document) and a sentence a person understands.
type PolicyError struct {
	Code    Code
	File    string // the file name, when loaded by LoadFile
	Path    string // JSON path, e.g. "$.categories[2].period"
	Message string
	Err     error // underlying error, if any
}

func (e *PolicyError) Error() string {
	where := e.Path
	if e.File != "" {
		where = e.File + ": " + e.Path
	}
	return fmt.Sprintf("retention policy %s: %s (%s)", where, e.Message, e.Code)
}

func (e *PolicyError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, &PolicyError{Code: CodeBadPeriod}) match any PolicyError with that code.
func (e *PolicyError) Is(target error) bool {
	var t *PolicyError
	if !errors.As(target, &t) {
		return false
	}
	return t.Code == e.Code
}

// ErrorCode returns the Code of the PolicyError in err's chain, or "" if there is none.
func ErrorCode(err error) Code {
	var pe *PolicyError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func policyErr(code Code, path, format string, args ...any) *PolicyError {
	return &PolicyError{Code: code, Path: path, Message: fmt.Sprintf(format, args...)}
}
