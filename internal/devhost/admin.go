package devhost

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// serveAdminInvoke is POST /admin/functions/<Name> {"input": "..."}: run a
// non-HTTP function now, as Core Tools and the real host allow. It answers
// 202 at once and runs the function in the background; 404 for an unknown
// name. Under Core Tools it needs no key, and neither does it here.
func (h *Host) serveAdminInvoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	fn, ok := h.byName[strings.ToLower(r.PathValue("name"))]
	if !ok || fn.Trigger.Type == TriggerHTTP {
		http.NotFound(w, r)
		return
	}
	var body struct {
		Input string `json:"input"`
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if len(strings.TrimSpace(string(raw))) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			http.Error(w, `body must be {"input": "<string>"}`, http.StatusBadRequest)
			return
		}
	}
	inv := &invocation{fn: fn, id: newUUID()}
	now := time.Now()
	switch fn.Trigger.Type {
	case TriggerTimer:
		inv.data = map[string]any{fn.Trigger.Name: h.timers[fn.Name].manualInfo(now.In(h.opts.TimerLocation))}
	case TriggerQueue:
		inv.data = map[string]any{fn.Trigger.Name: serializedString(body.Input)}
	case TriggerEventGrid:
		ev := json.RawMessage(body.Input)
		if !json.Valid(ev) {
			http.Error(w, "input must be one Event Grid event as JSON", http.StatusBadRequest)
			return
		}
		data, md := h.eventGridPayload(fn, ev, now)
		inv.data, inv.metadata = data, md
	}
	if inv.metadata == nil {
		inv.metadata = map[string]any{"sys": newSys(fn.Name, now)}
	}
	w.Header().Set("X-Azure-Functions-InvocationId", inv.id)
	w.WriteHeader(http.StatusAccepted)
	go func() {
		ctx := context.WithoutCancel(r.Context())
		if _, err := h.invoke(ctx, inv); err == nil && fn.Trigger.Type == TriggerTimer {
			h.timers[fn.Name].ran(now)
		}
	}()
}

// serveStatus is GET /admin/host/status: state, handler and per-function counts.
func (h *Host) serveStatus(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"state":         "Running",
		"version":       HostVersion,
		"handlerPid":    h.HandlerPID(),
		"handlerStarts": h.HandlerStarts(),
		"functions":     h.Stats(),
	})
}
