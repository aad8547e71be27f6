package funchost

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// teeHandler sends records to the process log and a copy, as one text
// line, to the invocation's Logs array.
type teeHandler struct {
	base  slog.Handler
	sink  *logSink
	attrs []slog.Attr
}

func (h *teeHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.base.Enabled(ctx, l) }

func (h *teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Level, r.Message)
	write := func(a slog.Attr) bool {
		if a.Key == "invocation_id" || a.Key == "function" {
			return true
		}
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	h.sink.add(b.String())
	return h.base.Handle(ctx, r)
}

func (h *teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &teeHandler{base: h.base.WithAttrs(as), sink: h.sink, attrs: append(append([]slog.Attr{}, h.attrs...), as...)}
}

func (h *teeHandler) WithGroup(name string) slog.Handler {
	return &teeHandler{base: h.base.WithGroup(name), sink: h.sink, attrs: h.attrs}
}
