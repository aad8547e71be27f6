package clip

import (
	"bytes"
	"fmt"
	"time"
)

// TimeLayout is how every time is stored: UTC, fixed width, millisecond
// precision. Fixed width matters: Cosmos compares strings, so range queries
// such as "retainUntil <= now" are only right when every value has the same
// shape (RFC3339Nano drops trailing zeros and would sort wrongly).
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Time is a time.Time that marshals in TimeLayout.
type Time struct{ time.Time }

// At wraps t, normalised to UTC and truncated to milliseconds.
func At(t time.Time) Time { return Time{t.UTC().Truncate(time.Millisecond)} }

// Ptr returns a pointer to At(t).
func Ptr(t time.Time) *Time { v := At(t); return &v }

// String formats t in TimeLayout.
func (t Time) String() string { return t.UTC().Format(TimeLayout) }

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.String() + `"`), nil
}

// UnmarshalJSON accepts TimeLayout and any RFC 3339 time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*t = Time{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("time %s: not a JSON string", b)
	}
	v, err := time.Parse(time.RFC3339Nano, string(b[1:len(b)-1]))
	if err != nil {
		return err
	}
	*t = At(v)
	return nil
}
