package devhost

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// serveWebhook is POST /runtime/webhooks/eventgrid?functionName=<Name>, the
// endpoint Core Tools exposes for Event Grid, handled as the extension's
// HttpRequestProcessor does: aeg-event-type SubscriptionValidation answers
// {"validationResponse": code}; Notification runs the function once per event
// (a JSON array or a single object) and answers 202, or 500 if any failed;
// Unsubscribe answers 202; anything else 400. An unknown function is 404.
func (h *Host) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.PathValue("ext"), "eventgrid") {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := r.URL.Query().Get("functionName")
	fn, ok := h.byName[strings.ToLower(name)]
	if !ok || fn.Name != name || fn.Trigger.Type != TriggerEventGrid || fn.Disabled {
		http.Error(w, "cannot find function: '"+name+"'", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	kind := r.Header.Get("aeg-event-type")
	switch {
	case strings.EqualFold(kind, "SubscriptionValidation"):
		code, ok := validationCode(body)
		if !ok {
			http.Error(w, "SubscriptionValidation needs data.validationCode", http.StatusBadRequest)
			return
		}
		h.log.Info("event grid subscription validated", "function", fn.Name)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(map[string]string{"validationResponse": code})
	case strings.EqualFold(kind, "Notification"):
		events, ok := splitEvents(body)
		if !ok {
			http.Error(w, "the request content should be a JSON object or array of events", http.StatusBadRequest)
			return
		}
		var wg sync.WaitGroup
		errs := make([]error, len(events))
		for i, ev := range events {
			wg.Add(1)
			go func(i int, ev json.RawMessage) {
				defer wg.Done()
				inv := &invocation{fn: fn, id: newUUID()}
				inv.data, inv.metadata = h.eventGridPayload(fn, ev, time.Now())
				_, errs[i] = h.invoke(r.Context(), inv)
			}(i, ev)
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		w.WriteHeader(http.StatusAccepted)
	case strings.EqualFold(kind, "Unsubscribe"):
		w.WriteHeader(http.StatusAccepted)
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

// validationCode reads data.validationCode from an Event Grid array, or from
// a CloudEvent object whose data may itself be a JSON string.
func validationCode(body []byte) (string, bool) {
	var arr []struct {
		Data struct {
			ValidationCode string `json:"validationCode"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &arr) == nil {
		if len(arr) > 0 && arr[0].Data.ValidationCode != "" {
			return arr[0].Data.ValidationCode, true
		}
		return "", false
	}
	var obj struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &obj) != nil || len(obj.Data) == 0 {
		return "", false
	}
	data := funchost.Unwrap(obj.Data) // double-encoded in the CloudEvent validation event
	var v struct {
		ValidationCode string `json:"validationCode"`
	}
	if json.Unmarshal(data, &v) != nil || v.ValidationCode == "" {
		return "", false
	}
	return v.ValidationCode, true
}

func splitEvents(body []byte) ([]json.RawMessage, bool) {
	var arr []json.RawMessage
	if json.Unmarshal(body, &arr) == nil {
		return arr, true
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil {
		return []json.RawMessage{json.RawMessage(body)}, true
	}
	return nil, false
}
