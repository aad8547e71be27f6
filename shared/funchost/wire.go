package funchost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The values the host puts in Data and reads from Outputs for the trigger
// and output types this project uses. The local Functions host
// (internal/devhost) builds and reads them, the functions decode and
// answer them: one definition, in the shapes the real host sends
// (testdata/ holds recorded payloads). The real host builds them in
// azure-functions-host (src/WebJobs.Script/Workers/Http): the HTTP request
// with HttpRequestExtensions.GetRequestAsJObject, a timer's TimerInfo as an
// object, and every value that is not an object as its JSON text in a
// string (Unwrap).

// HTTPRequest is an httpTrigger's value in Data: Headers values are
// arrays, Query and Params objects of strings, Identities the caller's
// ClaimsIdentity objects, Body the body as text (base64 for
// application/octet-stream and multipart bodies). Decoding also accepts
// what older hosts and hand-written callers send: Query as a JSON string
// holding the object, a header as one string, a param or body that is not
// a string (kept as its JSON text).
type HTTPRequest struct {
	URL        string              `json:"Url"`
	Method     string              `json:"Method"`
	Query      map[string]string   `json:"Query"`
	Headers    map[string][]string `json:"Headers"`
	Params     map[string]string   `json:"Params,omitempty"`
	Identities []json.RawMessage   `json:"Identities"`
	Body       *string             `json:"Body,omitempty"`
}

// UnmarshalJSON decodes the request leniently (see HTTPRequest).
func (r *HTTPRequest) UnmarshalJSON(b []byte) error {
	var raw struct {
		URL        string                     `json:"Url"`
		Method     string                     `json:"Method"`
		Query      json.RawMessage            `json:"Query"`
		Headers    map[string]json.RawMessage `json:"Headers"`
		Params     map[string]json.RawMessage `json:"Params"`
		Identities []json.RawMessage          `json:"Identities"`
		Body       json.RawMessage            `json:"Body"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*r = HTTPRequest{URL: raw.URL, Method: raw.Method, Identities: raw.Identities}
	var query map[string]json.RawMessage
	if json.Unmarshal(Unwrap(raw.Query), &query) == nil && query != nil { // an unreadable Query is no query
		r.Query = textValues(query)
	}
	if raw.Headers != nil {
		r.Headers = make(map[string][]string, len(raw.Headers))
		for k, v := range raw.Headers {
			var vs []string
			if json.Unmarshal(v, &vs) != nil {
				vs = []string{text(v)}
			}
			r.Headers[k] = vs
		}
	}
	if raw.Params != nil {
		r.Params = textValues(raw.Params)
	}
	if body := bytes.TrimSpace(raw.Body); len(body) > 0 && !isNull(body) {
		s := text(body)
		r.Body = &s
	}
	return nil
}

// Header returns the first value of the header name, compared without
// case, or "".
func (r HTTPRequest) Header(name string) string {
	for k, vs := range r.Headers {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// QueryValue returns the query parameter name, compared without case, or "".
func (r HTTPRequest) QueryValue(name string) string { return lookupFold(r.Query, name) }

// Param returns the route parameter name, compared without case and
// trimmed, or "".
func (r HTTPRequest) Param(name string) string { return strings.TrimSpace(lookupFold(r.Params, name)) }

// BodyText is the body as sent ("" when there is none).
func (r HTTPRequest) BodyText() []byte {
	if r.Body == nil {
		return nil
	}
	return []byte(*r.Body)
}

// HTTPResponse is an http output binding's value in Outputs (or
// ReturnValue for $return). The host answers with StatusCode, Headers and
// Body. Decoding follows the host: property names without case, the whole
// object possibly sent as a JSON string holding it, statusCode as a number
// or a numeric string (absent or unreadable = 200), a header that is not a
// string as its JSON text, a body that is not a string as its JSON text
// (BodyJSON).
type HTTPResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
	// BodyJSON reports, after decoding, that the body was a JSON value
	// rather than a string: the host then answers it as application/json.
	BodyJSON bool `json:"-"`
}

// UnmarshalJSON decodes the response leniently (see HTTPResponse).
func (r *HTTPResponse) UnmarshalJSON(b []byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(Unwrap(b), &obj); err != nil {
		return fmt.Errorf("http output is not an object: %w", err)
	}
	*r = HTTPResponse{StatusCode: 200}
	for k, v := range obj {
		switch strings.ToLower(k) {
		case "statuscode":
			var n json.Number
			var s string
			switch {
			case json.Unmarshal(v, &n) == nil:
				if i, err := n.Int64(); err == nil {
					r.StatusCode = int(i)
				}
			case json.Unmarshal(v, &s) == nil:
				if i, err := strconv.Atoi(s); err == nil {
					r.StatusCode = i
				}
			}
		case "headers":
			var hs map[string]json.RawMessage
			if json.Unmarshal(v, &hs) == nil && hs != nil {
				r.Headers = textValues(hs)
			}
		case "body":
			if v = bytes.TrimSpace(v); len(v) == 0 || isNull(v) {
				continue
			}
			var s string
			if json.Unmarshal(v, &s) == nil {
				r.Body = s
			} else {
				r.Body, r.BodyJSON = string(v), true
			}
		}
	}
	return nil
}

// TimerInfo is a timerTrigger's value in Data (the host's TimerInfo,
// sent as an object).
type TimerInfo struct {
	Schedule       TimerSchedule   `json:"Schedule"`
	ScheduleStatus *ScheduleStatus `json:"ScheduleStatus"`
	IsPastDue      bool            `json:"IsPastDue"`
}

// TimerSchedule is TimerInfo.Schedule.
type TimerSchedule struct {
	AdjustForDST bool `json:"AdjustForDST"`
}

// ScheduleStatus is TimerInfo.ScheduleStatus: the last and next
// occurrences and when the status was last updated, as the host formats
// them (a .NET DateTime: with an offset, 2026-09-24T13:08:00.0096035+00:00,
// or without a zone, 2026-09-24T13:08:00, when the host wrote a DateTime of
// unspecified kind). Kept as sent; HostTime reads one.
type ScheduleStatus struct {
	Last        string `json:"Last"`
	Next        string `json:"Next"`
	LastUpdated string `json:"LastUpdated"`
}

// HostTime parses a time as the host formats it: RFC 3339 with any
// fraction, or the same without a zone, which is read as UTC (the zone of
// every Azure Functions host).
func HostTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.9999999", s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a host time (RFC 3339, with or without a zone)", s)
	}
	return t, nil
}

// Unwrap peels what the real host does to every value that is not an
// object: JsonConvert.SerializeObject(value), its JSON text, sent as a JSON
// string (a queue message hi arrives as "\"hi\"", a number 1 as "1", an
// object some callers send as a string holding it). While raw is a JSON
// string whose content is itself JSON (a string literal, an object, an
// array), the content replaces it. A string of plain text stays the JSON
// string it is, so a caller decoding into a string gets the text.
func Unwrap(raw []byte) []byte {
	raw = bytes.TrimSpace(raw)
	for len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return raw
		}
		inner := bytes.TrimSpace([]byte(s))
		if len(inner) == 0 || (inner[0] != '"' && inner[0] != '{' && inner[0] != '[') || !json.Valid(inner) {
			return raw
		}
		raw = inner
	}
	return raw
}

func isNull(b []byte) bool { return bytes.Equal(bytes.TrimSpace(b), []byte("null")) }

// text is a JSON value as text: a string's content, anything else its
// JSON.
func text(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(v))
}

func textValues(m map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !isNull(v) {
			out[k] = text(v)
		}
	}
	return out
}

func lookupFold(m map[string]string, name string) string {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
