package funchost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// MaxRequestBytes bounds a host request body. Trigger payloads are small
// (events, queue messages, HTTP bodies of the management API).
const MaxRequestBytes = 4 << 20

// Server routes host invocations to functions.
type Server struct {
	funcs  map[string]Func
	logger *slog.Logger
}

// NewServer returns a Server that logs through logger.
func NewServer(logger *slog.Logger) *Server {
	return &Server{funcs: map[string]Func{}, logger: logger}
}

// Handle registers f under the function name the host uses in the path.
func (s *Server) Handle(name string, f Func) { s.funcs[name] = f }

// ServeHTTP implements the custom-handler side of the protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.Trim(r.URL.Path, "/")
	f, ok := s.funcs[name]
	if !ok || r.Method != http.MethodPost {
		http.Error(w, "no such function: "+name, http.StatusNotFound)
		return
	}
	id := r.Header.Get(InvocationIDHeader)
	if id == "" {
		id = "local-" + fmt.Sprint(time.Now().UnixNano())
	}
	sink := &logSink{}
	logger := slog.New(&teeHandler{base: s.logger.Handler(), sink: sink}).With("invocation_id", id, "function", name)
	ctx := context.WithValue(r.Context(), ctxKey{}, &invocationCtx{id: id, function: name, logger: logger})

	var req Request
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		// The host itself sent something unreadable: nothing to record.
		logger.Error("unreadable host request", "error", err)
		writeJSON(w, http.StatusBadRequest, Response{Logs: sink.all()})
		return
	}
	inv := &Invocation{ID: id, Function: name, req: req}
	started := time.Now()
	res, err, panicked := s.call(ctx, f, inv)
	status := http.StatusOK
	switch {
	case panicked:
		status = http.StatusInternalServerError
	case err != nil:
		out := clip.OutcomeOf(err)
		level := slog.LevelWarn
		if out.Retry {
			status = http.StatusInternalServerError
			level = slog.LevelError
		}
		logger.Log(ctx, level, "invocation failed", "error", err, "kind", clip.KindOf(err), "code", clip.CodeOf(err), "retry", out.Retry)
	}
	logger.Debug("invocation done", "status", status, "duration_ms", time.Since(started).Milliseconds())
	writeJSON(w, status, Response{Outputs: res.Outputs, Logs: sink.all(), ReturnValue: res.ReturnValue})
}

// call runs f, turning a panic into a logged stack and a failed invocation.
func (s *Server) call(ctx context.Context, f Func, inv *Invocation) (res Result, err error, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			Logger(ctx).Error("panic in function", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res, err, panicked = Result{}, fmt.Errorf("panic: %v", p), true
		}
	}()
	res, err = f(ctx, inv)
	if res.Outputs == nil {
		res.Outputs = map[string]any{}
	}
	return res, err, false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Serve listens on 127.0.0.1:port and serves h until ctx is cancelled, then
// drains in-flight invocations for up to grace. ready, if not nil, is
// called once the listener is open.
func Serve(ctx context.Context, port string, h http.Handler, grace time.Duration, ready func(addr string)) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
