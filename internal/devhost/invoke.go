package devhost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// HostVersion is what the local host reports in X-Azure-Functions-HostVersion.
const HostVersion = "4.1037.0-bwv-local"

// invocation is one call of one function.
type invocation struct {
	fn       *Function
	id       string
	data     map[string]any
	metadata map[string]any
}

// outcome of an invocation, after output bindings were written.
type outcome struct {
	result   invocationResult
	status   int // the handler's HTTP status (0 when it could not be reached)
	duration time.Duration
}

// invoke POSTs {Data, Metadata} to the handler and, on a 2xx answer, writes
// the queue output bindings. As in DefaultHttpWorkerService, a non-2xx answer
// fails the invocation before any output is processed
// (EnsureSuccessStatusCode), so nothing is enqueued for a failed invocation.
func (h *Host) invoke(ctx context.Context, inv *invocation) (outcome, error) {
	start := time.Now()
	if inv.id == "" {
		inv.id = newUUID()
	}
	out, err := h.call(ctx, inv)
	if err == nil {
		err = h.writeOutputs(ctx, inv, out.result)
	}
	out.duration = time.Since(start)
	h.summarise(inv, out, err)
	return out, err
}

func (h *Host) call(ctx context.Context, inv *invocation) (outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.FunctionTimeout)
	defer cancel()
	base, err := h.handler.endpoint(ctx)
	if err != nil {
		return outcome{}, err
	}
	body, err := json.Marshal(invocationRequest{Data: inv.data, Metadata: inv.metadata})
	if err != nil {
		return outcome{}, reason.Errorf(CodeHandlerFailed, err, "encode invocation")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/"+inv.fn.Name, bytes.NewReader(body))
	if err != nil {
		return outcome{}, reason.Errorf(CodeHandlerFailed, err, "build request")
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Azure-Functions-HostVersion", HostVersion)
	req.Header.Set("X-Azure-Functions-InvocationId", inv.id)
	req.Header.Set("User-Agent", "Azure-Functions-Host/"+HostVersion)
	resp, err := h.client.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return outcome{}, reason.Errorf(CodeInvocationTimeout, err, "%s did not answer within functionTimeout %s", inv.fn.Name, h.cfg.FunctionTimeout)
		}
		return outcome{}, reason.Errorf(CodeHandlerFailed, err, "call handler")
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return outcome{status: resp.StatusCode}, reason.Errorf(CodeHandlerFailed, err, "read handler answer")
	}
	out := outcome{status: resp.StatusCode}
	var perr error
	if len(bytes.TrimSpace(raw)) > 0 {
		perr = json.Unmarshal(raw, &out.result)
	}
	h.printLogs(inv, out.result.Logs) // printed whatever the status, when the body carries them
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return out, reason.Errorf(CodeHandlerFailed, nil, "handler answered %d: %s", resp.StatusCode, snippet(raw))
	}
	if perr != nil {
		return out, reason.Errorf(CodeHandlerBadAnswer, perr, "handler's 2xx answer is not {Outputs, Logs, ReturnValue} JSON: %s", snippet(raw))
	}
	return out, nil
}

func (h *Host) printLogs(inv *invocation, logs []string) {
	for _, line := range logs {
		h.log.Info(line, "function", inv.fn.Name, "invocation_id", inv.id, "source", "handler")
	}
}

// summarise prints the one-line outcome of an invocation.
func (h *Host) summarise(inv *invocation, out outcome, err error) {
	attrs := []any{
		"function", inv.fn.Name, "trigger", inv.fn.Trigger.Type, "invocation_id", inv.id,
		"duration_ms", out.duration.Milliseconds(),
	}
	if err != nil {
		attrs = append(attrs, "outcome", "failed", "code", string(reason.CodeOf(err)), "err", err.Error())
		h.log.Warn("executed", attrs...)
	} else {
		attrs = append(attrs, "outcome", "succeeded", "status", out.status)
		h.log.Info("executed", attrs...)
	}
	h.stats.record(inv.fn.Name, err == nil)
}

func snippet(b []byte) string {
	const max = 300
	b = bytes.TrimSpace(b)
	if len(b) > max {
		return fmt.Sprintf("%s… (%d bytes)", b[:max], len(b))
	}
	return string(b)
}
