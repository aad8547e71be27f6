package devhost

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// The queue metadata matches a payload captured from the real host
// (Functions 4.x, custom handler): DequeueCount a string, times unquoted,
// Id and PopReceipt quoted, JSON message properties added.
func TestQueueMessageMetadataShape(t *testing.T) {
	m := queueMessage{
		ID: "52d53c5f-e212-487e-998b-abbe3b9d51e4", PopReceipt: "MThGZWIyMDI1MDM6MDY6MjA3NjM1", DequeueCount: 1,
		InsertionTime:   time.Date(2025, 2, 18, 3, 6, 19, 0, time.UTC),
		ExpirationTime:  time.Date(2025, 2, 25, 3, 6, 19, 0, time.UTC),
		NextVisibleTime: time.Date(2025, 2, 18, 3, 16, 20, 0, time.UTC),
	}
	md := queueMessageMetadata("queue", time.Now(), m, []byte(`{"clipId":"c1","size":5,"nested":{"a":1},"QueueTrigger":"x"}`))
	b, _ := json.Marshal(md)
	var got map[string]json.RawMessage
	_ = json.Unmarshal(b, &got)
	want := map[string]string{
		"DequeueCount":    `"1"`,
		"ExpirationTime":  `"2025-02-25T03:06:19+00:00"`,
		"Id":              `"\"52d53c5f-e212-487e-998b-abbe3b9d51e4\""`,
		"InsertionTime":   `"2025-02-18T03:06:19+00:00"`,
		"NextVisibleTime": `"2025-02-18T03:16:20+00:00"`,
		"PopReceipt":      `"\"MThGZWIyMDI1MDM6MDY6MjA3NjM1\""`,
		"clipId":          `"\"c1\""`,
		"size":            `"5"`,
		"nested":          `{"a":1}`,
	}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("Metadata.%s = %s, want %s", k, got[k], v)
		}
	}
	if _, ok := got["QueueTrigger"]; ok {
		t.Error("keys ending in 'trigger' must be left out, as the real host does")
	}
}

func TestDotnetTimeFormats(t *testing.T) {
	ts := time.Date(2026, 9, 24, 13, 8, 0, 9603500, time.UTC)
	if got := dotnetOffset(ts); got != "2026-09-24T13:08:00.0096035+00:00" {
		t.Errorf("dotnetOffset = %s", got)
	}
	if got := dotnetOffset(time.Date(2026, 9, 24, 13, 9, 0, 0, time.UTC)); got != "2026-09-24T13:09:00+00:00" {
		t.Errorf("dotnetOffset whole second = %s", got)
	}
	if got := dotnetOffset(time.Time{}.UTC()); got != "0001-01-01T00:00:00+00:00" {
		t.Errorf("zero = %s", got)
	}
	if got := dotnetUTC(ts); got != "2026-09-24T13:08:00.0096035Z" {
		t.Errorf("dotnetUTC = %s", got)
	}
}

// Output values as the real host converts them (GetBindingValue).
func TestQueueOutputMessages(t *testing.T) {
	cases := []struct {
		raw  string
		want []string
	}{
		{`{"clipId":"c1"}`, []string{`{"clipId":"c1"}`}},
		{`"plain text!"`, []string{"plain text!"}},
		{`"aGVsbG8="`, []string{"hello"}}, // valid base64 is decoded first: a real-host quirk
		{`["a",{"b":1},null,2]`, []string{"a", `{"b":1}`, "2"}},
		{`42`, []string{"42"}},
	}
	for _, c := range cases {
		msgs, err := queueOutputMessages(json.RawMessage(c.raw))
		if err != nil {
			t.Fatalf("%s: %v", c.raw, err)
		}
		if len(msgs) != len(c.want) {
			t.Fatalf("%s: got %q, want %q", c.raw, msgs, c.want)
		}
		for i := range msgs {
			if string(msgs[i]) != c.want[i] {
				t.Errorf("%s: message %d = %q, want %q", c.raw, i, msgs[i], c.want[i])
			}
		}
	}
}

func TestRouteMatch(t *testing.T) {
	r, err := parseRoute("clips/{id}/{action?}")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]map[string]string{
		"clips/abc":        {"id": "abc"},
		"CLIPS/abc/hold":   {"id": "abc", "action": "hold"},
		"clips/abc/hold/x": nil,
		"clips":            nil,
		"other/abc":        nil,
	}
	for path, want := range cases {
		got, ok := r.match(path)
		if (want != nil) != ok || (ok && (got["id"] != want["id"] || got["action"] != want["action"])) {
			t.Errorf("match(%q) = %v %v, want %v", path, got, ok, want)
		}
	}
	c, _ := parseRoute("files/{*rest}")
	if got, ok := c.match("files/a/b/c"); !ok || got["rest"] != "a/b/c" {
		t.Errorf("catch-all = %v %v", got, ok)
	}
	for _, bad := range []string{"a/{id?}/b", "a//b", "a/{}", "a/x{id}"} {
		if _, err := parseRoute(bad); reason.CodeOf(err) != CodeFunctionInvalid {
			t.Errorf("parseRoute(%q) err = %v", bad, err)
		}
	}
}

func TestValidationCode(t *testing.T) {
	cases := map[string]string{
		`[{"data":{"validationCode":"abc"}}]`:                 "abc",
		`{"specversion":"1.0","data":{"validationCode":"c"}}`: "c",
		`{"data":"{\"validationCode\":\"dbl\"}"}`:             "dbl", // CloudEvent with double-encoded data
	}
	for body, want := range cases {
		if got, ok := validationCode([]byte(body)); !ok || got != want {
			t.Errorf("validationCode(%s) = %q %v, want %q", body, got, ok, want)
		}
	}
	for _, bad := range []string{`[]`, `[{"data":{}}]`, `"x"`, `{}`} {
		if _, ok := validationCode([]byte(bad)); ok {
			t.Errorf("validationCode(%s) accepted", bad)
		}
	}
}
