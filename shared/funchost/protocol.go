package funchost

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// InvocationIDHeader carries the host's invocation id.
const InvocationIDHeader = "X-Azure-Functions-InvocationId"

// Request is the body the host POSTs to the handler.
type Request struct {
	Data     map[string]json.RawMessage `json:"Data"`
	Metadata map[string]json.RawMessage `json:"Metadata"`
}

// Response is the body the handler answers with.
type Response struct {
	Outputs     map[string]any `json:"Outputs"`
	Logs        []string       `json:"Logs"`
	ReturnValue any            `json:"ReturnValue"`
}

// decodeValue decodes a trigger or metadata value that may arrive as a JSON
// value, as a JSON string holding JSON, or — what the real host does for
// every value that is not an object — as a JSON string holding a JSON
// string holding the value (e.g. a queue message "hello" arrives as
// "\"hello\""). Strings are unwrapped until what is inside is not itself
// a JSON string literal. Into a *string it yields the text itself.
func decodeValue(raw json.RawMessage, v any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return fmt.Errorf("value is absent or null")
	}
	for len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		inner := bytes.TrimSpace([]byte(s))
		if len(inner) > 1 && inner[0] == '"' && json.Valid(inner) {
			raw = inner // one more level of encoding
			continue
		}
		if sp, ok := v.(*string); ok {
			*sp = s
			return nil
		}
		raw = inner
		break
	}
	if sp, ok := v.(*string); ok {
		// A structured value asked for as text: hand over its JSON.
		*sp = string(raw)
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}
