package devhost

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// writeOutputs writes the queue output bindings of a successful invocation.
// Values follow HttpScriptInvocationResultExtensions.GetBindingValue: a string
// that is valid base64 is decoded to bytes first (a real-host quirk: "dGVzdA=="
// is written as "test", and so is any text that happens to be base64, such as
// "abcd"); a JSON object is written as its JSON text; a JSON array is several
// messages. A failure to write fails the invocation, as a binding flush
// failure does in the real host, so a queue trigger retries it.
func (h *Host) writeOutputs(ctx context.Context, inv *invocation, res invocationResult) error {
	for _, b := range inv.fn.Outputs {
		if !strings.EqualFold(b.Type, "queue") {
			continue
		}
		raw, ok := res.Outputs[b.Name]
		if !ok || len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
		}
		msgs, err := queueOutputMessages(raw)
		if err != nil {
			return reason.Errorf(CodeOutputFailed, err, "output %q", b.Name)
		}
		q, err := h.queues.client(ctx, b.Connection, b.QueueName, true)
		if err != nil {
			return reason.Errorf(CodeOutputFailed, err, "output %q: queue %s", b.Name, b.QueueName)
		}
		for _, m := range msgs {
			if err := q.enqueue(ctx, m); err != nil {
				return reason.Errorf(CodeOutputFailed, err, "output %q: enqueue to %s", b.Name, b.QueueName)
			}
		}
		h.log.Debug("output written", "function", inv.fn.Name, "invocation_id", inv.id, "binding", b.Name, "queue", b.QueueName, "messages", len(msgs))
	}
	return nil
}

// queueOutputMessages turns one Outputs value into message bodies (bytes).
func queueOutputMessages(raw json.RawMessage) ([][]byte, error) {
	raw = bytes.TrimSpace(raw)
	switch raw[0] {
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		var out [][]byte
		for _, it := range items {
			it = bytes.TrimSpace(it)
			if bytes.Equal(it, []byte("null")) {
				continue
			}
			out = append(out, queueItemBytes(it))
		}
		return out, nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if b, ok := dotnetFromBase64(s); ok {
			return [][]byte{b}, nil
		}
		return [][]byte{[]byte(s)}, nil
	default:
		return [][]byte{queueItemBytes(raw)}, nil
	}
}

// queueItemBytes is one array element: a string's text, anything else its JSON.
func queueItemBytes(it json.RawMessage) []byte {
	if it[0] == '"' {
		var s string
		if json.Unmarshal(it, &s) == nil {
			return []byte(s)
		}
	}
	return append([]byte(nil), it...)
}

// dotnetFromBase64 mimics Convert.FromBase64String: whitespace is ignored,
// the rest must be standard base64 with padding to a multiple of four.
func dotnetFromBase64(s string) ([]byte, bool) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
	if clean == "" || len(clean)%4 != 0 {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, false
	}
	return b, true
}
