package funchost

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Invocation is one call of a function by the host.
type Invocation struct {
	ID       string
	Function string
	req      Request
}

// Trigger decodes the binding value named name (the trigger's "name" in
// function.json) into v. A malformed value is a clip.Invalid error with the
// given code, so it is recorded and not retried.
func (inv *Invocation) Trigger(name string, code clip.Code, v any) error {
	raw, ok := inv.req.Data[name]
	if !ok {
		return clip.Errorf(clip.Invalid, code, "the host sent no value for binding %q", name)
	}
	if err := DecodeValue(raw, v); err != nil {
		return clip.Errorf(clip.Invalid, code, "binding %q: %v", name, err)
	}
	return nil
}

// Metadata decodes the trigger metadata value named name into v; ok is
// false when the host did not send it.
func (inv *Invocation) Metadata(name string, v any) (ok bool, err error) {
	raw, present := inv.req.Metadata[name]
	if !present {
		return false, nil
	}
	return true, DecodeValue(raw, v)
}

// RawData returns the raw JSON of a binding value (for recorded payloads).
func (inv *Invocation) RawData(name string) json.RawMessage { return inv.req.Data[name] }

// Result is what a function returns to the host.
type Result struct {
	Outputs     map[string]any
	ReturnValue any
}

// Func is a function implementation. A returned error is answered by its
// kind: clip.OutcomeOf(err).Retry → 500 (host retries); otherwise 200 and
// the error is only logged (bad input is recorded, not retried).
type Func func(ctx context.Context, inv *Invocation) (Result, error)

type ctxKey struct{}

// logSink collects an invocation's log lines for the host's Logs array.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *logSink) add(line string) {
	s.mu.Lock()
	s.lines = append(s.lines, line)
	s.mu.Unlock()
}

func (s *logSink) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.lines...)
}

type invocationCtx struct {
	id, function string
	logger       *slog.Logger
}

// Logger returns the invocation's logger: JSON on stderr with the
// invocation id and function name on every line, each line also returned to
// the host in Logs. Outside an invocation it returns slog.Default().
func Logger(ctx context.Context) *slog.Logger {
	if ic, ok := ctx.Value(ctxKey{}).(*invocationCtx); ok {
		return ic.logger
	}
	return slog.Default()
}

// InvocationID returns the invocation id carried by ctx, or "".
func InvocationID(ctx context.Context) string {
	if ic, ok := ctx.Value(ctxKey{}).(*invocationCtx); ok {
		return ic.id
	}
	return ""
}

// WithLogger returns a context whose invocation logger is l (typically
// Logger(ctx).With(...) to add attributes for the rest of the invocation).
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	ic, ok := ctx.Value(ctxKey{}).(*invocationCtx)
	if !ok {
		return ctx
	}
	cp := *ic
	cp.logger = l
	return context.WithValue(ctx, ctxKey{}, &cp)
}
