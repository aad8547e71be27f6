package reason_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

const (
	codeA reason.Code = "CODE_A"
	codeB reason.Code = "CODE_B"
)

func TestError(t *testing.T) {
	inner := reason.Errorf(codeB, io.EOF, "read %s", "x.json")
	tests := []struct {
		name     string
		err      error
		wantText string
		wantCode reason.Code
		isA      bool // errors.Is(err, &reason.Error{Code: codeA})
		isB      bool
		isEOF    bool
	}{
		{"no cause", reason.Errorf(codeA, nil, "port %d is taken", 7071),
			"CODE_A: port 7071 is taken", codeA, true, false, false},
		{"with cause", reason.Errorf(codeA, io.EOF, "read settings"),
			"CODE_A: read settings: EOF", codeA, true, false, true},
		{"wrapped by fmt.Errorf", fmt.Errorf("bwv run: %w", reason.Errorf(codeB, nil, "no handler")),
			"bwv run: CODE_B: no handler", codeB, false, true, false},
		{"coded error around a coded error: outer code first, both match", reason.Errorf(codeA, inner, "load"),
			"CODE_A: load: CODE_B: read x.json: EOF", codeA, true, true, true},
		{"plain error has no code", errors.New("boom"),
			"boom", "", false, false, false},
		{"literal with empty message", &reason.Error{Code: codeB},
			"CODE_B: ", codeB, false, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.wantText {
				t.Errorf("Error() = %q, want %q", got, tc.wantText)
			}
			if got := reason.CodeOf(tc.err); got != tc.wantCode {
				t.Errorf("CodeOf = %q, want %q", got, tc.wantCode)
			}
			if got := errors.Is(tc.err, &reason.Error{Code: codeA}); got != tc.isA {
				t.Errorf("errors.Is(err, code %s) = %v, want %v", codeA, got, tc.isA)
			}
			if got := errors.Is(tc.err, &reason.Error{Code: codeB}); got != tc.isB {
				t.Errorf("errors.Is(err, code %s) = %v, want %v", codeB, got, tc.isB)
			}
			if got := errors.Is(tc.err, io.EOF); got != tc.isEOF {
				t.Errorf("errors.Is(err, io.EOF) = %v, want %v", got, tc.isEOF)
			}
		})
	}
}

func TestIsIgnoresMessage(t *testing.T) {
	err := reason.Errorf(codeA, nil, "one sentence")
	if !errors.Is(err, &reason.Error{Code: codeA, Message: "another sentence"}) {
		t.Error("errors.Is must match by code alone; the message is for people")
	}
}

func TestCodeOfNil(t *testing.T) {
	if got := reason.CodeOf(nil); got != "" {
		t.Errorf("CodeOf(nil) = %q, want empty", got)
	}
}

func TestAs(t *testing.T) {
	err := fmt.Errorf("ctx: %w", reason.Errorf(codeA, nil, "taken"))
	var e *reason.Error
	if !errors.As(err, &e) || e.Message != "taken" {
		t.Fatalf("errors.As = %v (%+v), want the *reason.Error with its message", errors.As(err, &e), e)
	}
}
