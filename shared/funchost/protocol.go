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

// DecodeValue decodes a trigger or metadata value into v. The value may
// arrive as a JSON value, as a JSON string holding JSON, or — what the real
// host does for every value that is not an object — as a JSON string
// holding a JSON string holding the value (a queue message "hello" arrives
// as "\"hello\""): Unwrap peels those. Into a *string it yields the text
// itself (a structured value: its JSON); into anything else, a string's
// content is decoded as JSON (so "1" decodes into an int). Numbers decode
// as json.Number into an interface. An absent or null value is an error.
func DecodeValue(raw json.RawMessage, v any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return fmt.Errorf("value is absent or null")
	}
	raw = Unwrap(raw)
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		if sp, ok := v.(*string); ok {
			*sp = s
			return nil
		}
		raw = bytes.TrimSpace([]byte(s))
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
