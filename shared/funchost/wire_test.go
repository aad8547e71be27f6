package funchost

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// jsonEqual compares two JSON texts as values.
func jsonEqual(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v in %s", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v in %s", what, err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: round trip changed the value\n got %s\nwant %s", what, got, want)
	}
}

func readRequest(t *testing.T, name string) Request {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var req Request
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return req
}

// The recorded payloads (testdata/, in the shapes the real host sends)
// decode into the wire types, read as the functions read them, and encode
// back to the same value.
func TestRecordedPayloadsRoundTrip(t *testing.T) {
	mustTime := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		file, binding string
		check         func(t *testing.T, inv *Invocation) (reencoded []byte)
	}{
		{"http-trigger.json", "req", func(t *testing.T, inv *Invocation) []byte {
			var r HTTPRequest
			if err := inv.Trigger("req", "MALFORMED", &r); err != nil {
				t.Fatal(err)
			}
			if r.Method != "POST" || r.Param("ID") != "c0123456789abcdef0123456789abcdef01234567" || r.Param("action") != "reclassify" ||
				r.QueryValue("Officer") != "AB1234" || r.Header("if-match") != `"00000000-0000-0000-1234-56789abc0000"` ||
				r.Header("x-ms-client-principal-name") != "analyst@force.police.uk" || len(r.Identities) != 1 ||
				string(r.BodyText()) != `{"justification":"CPS advice","categories":["evidential"]}` {
				t.Errorf("decoded %+v", r)
			}
			var id string
			if ok, err := inv.Metadata("id", &id); !ok || err != nil || id != r.Param("id") {
				t.Errorf("Metadata.id = %q, %v, %v", id, ok, err)
			}
			b, _ := json.Marshal(r)
			return b
		}},
		{"timer-zone.json", "timer", func(t *testing.T, inv *Invocation) []byte {
			var ti TimerInfo
			if err := inv.Trigger("timer", "MALFORMED", &ti); err != nil {
				t.Fatal(err)
			}
			last, err1 := HostTime(ti.ScheduleStatus.Last)
			next, err2 := HostTime(ti.ScheduleStatus.Next)
			if err1 != nil || err2 != nil || !last.Equal(mustTime("2026-09-24T12:15:00.0081532Z")) || !next.Equal(mustTime("2026-09-24T13:15:00Z")) ||
				ti.IsPastDue || !ti.Schedule.AdjustForDST {
				t.Errorf("decoded %+v: last %s %v, next %s %v", ti, last, err1, next, err2)
			}
			b, _ := json.Marshal(ti)
			return b
		}},
		{"timer-nozone.json", "timer", func(t *testing.T, inv *Invocation) []byte {
			var ti TimerInfo
			if err := inv.Trigger("timer", "MALFORMED", &ti); err != nil {
				t.Fatal(err)
			}
			last, err1 := HostTime(ti.ScheduleStatus.Last)
			next, err2 := HostTime(ti.ScheduleStatus.Next)
			if err1 != nil || err2 != nil || !last.Equal(mustTime("2026-09-24T12:15:00.0081532Z")) || !next.Equal(mustTime("2026-09-24T13:15:00Z")) || !ti.IsPastDue {
				t.Errorf("decoded %+v: last %s %v, next %s %v", ti, last, err1, next, err2)
			}
			b, _ := json.Marshal(ti)
			return b
		}},
		{"queue-double-encoded.json", "message", func(t *testing.T, inv *Invocation) []byte {
			var msg string
			if err := inv.Trigger("message", "MALFORMED", &msg); err != nil || msg != "hi" {
				t.Errorf("message = %q, %v; want hi", msg, err)
			}
			var n int
			var id string
			if _, err := inv.Metadata("DequeueCount", &n); err != nil || n != 1 {
				t.Errorf("DequeueCount = %d, %v", n, err)
			}
			if _, err := inv.Metadata("Id", &id); err != nil || id != "8f3e2d1c-0b9a-4876-a5f4-e3d2c1b0a998" {
				t.Errorf("Id = %q, %v", id, err)
			}
			// As the host encodes it: JsonConvert.SerializeObject(text), as a string.
			inner, _ := json.Marshal(msg)
			b, _ := json.Marshal(string(inner))
			return b
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			req := readRequest(t, c.file)
			inv := &Invocation{ID: "test", Function: "test", req: req}
			jsonEqual(t, c.file, c.check(t, inv), req.Data[c.binding])
		})
	}

	t.Run("http-output.json", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join("testdata", "http-output.json"))
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Outputs map[string]json.RawMessage }
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		var res HTTPResponse
		if err := json.Unmarshal(out.Outputs["res"], &res); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 409 || res.Headers["ETag"] != `"00000000-0000-0000-1234-56789abc0000"` || res.BodyJSON ||
			res.Body != `{"code":"CONCURRENT_UPDATE","message":"the clip changed since you read it"}` {
			t.Errorf("decoded %+v", res)
		}
		again, _ := json.Marshal(res)
		jsonEqual(t, "http output", again, out.Outputs["res"])
	})
}

// What older hosts and hand-written callers send decodes too.
func TestHTTPRequestLenient(t *testing.T) {
	var r HTTPRequest
	raw := `{"Url":"u","Method":"GET","Query":"{\"officer\":\"AB1\"}","Headers":{"If-Match":"\"e1\"","X-N":5},"Params":{"id":"  c1 ","n":7,"none":null},"Body":{"a":1}}`
	if err := DecodeValue(json.RawMessage(raw), &r); err != nil {
		t.Fatal(err)
	}
	if r.QueryValue("OFFICER") != "AB1" || r.Header("if-match") != `"e1"` || r.Header("x-n") != "5" || r.Param("id") != "c1" ||
		r.Param("n") != "7" || r.Param("none") != "" || string(r.BodyText()) != `{"a":1}` {
		t.Errorf("decoded %+v", r)
	}
	for _, raw := range []string{`{"Method":"GET","Query":"not an object"}`, `{"Method":"GET","Query":null,"Body":null}`, `{"Method":"GET"}`} {
		var r HTTPRequest
		if err := DecodeValue(json.RawMessage(raw), &r); err != nil || r.QueryValue("x") != "" || len(r.BodyText()) != 0 || r.Header("x") != "" {
			t.Errorf("%s: %+v, %v", raw, r, err)
		}
	}
}

func TestHTTPResponseLenient(t *testing.T) {
	cases := []struct {
		raw      string
		status   int
		body     string
		bodyJSON bool
	}{
		{`{"statusCode":201,"body":"x"}`, 201, "x", false},
		{`"{\"StatusCode\":\"202\",\"Body\":\"y\"}"`, 202, "y", false},
		{`{"body":{"a":1}}`, 200, `{"a":1}`, true},
		{`{"statusCode":"abc","body":null}`, 200, "", false},
		{`{"statusCode":0}`, 0, "", false},
	}
	for _, c := range cases {
		var r HTTPResponse
		if err := json.Unmarshal([]byte(c.raw), &r); err != nil || r.StatusCode != c.status || r.Body != c.body || r.BodyJSON != c.bodyJSON {
			t.Errorf("%s: %+v, %v", c.raw, r, err)
		}
	}
	var r HTTPResponse
	if err := json.Unmarshal([]byte(`"plain text"`), &r); err == nil {
		t.Errorf("a plain string decoded as a response: %+v", r)
	}
	if err := json.Unmarshal([]byte(`{"headers":{"A":"x","B":1}}`), &r); err != nil || r.Headers["A"] != "x" || r.Headers["B"] != "1" {
		t.Errorf("headers %+v, %v", r.Headers, err)
	}
}

func TestUnwrap(t *testing.T) {
	cases := map[string]string{
		`"\"hi\""`:               `"hi"`,
		`"\"\\\"hi\\\"\""`:       `"hi"`,
		`"{\"a\":1}"`:            `{"a":1}`,
		`"[1,2]"`:                `[1,2]`,
		`"hi"`:                   `"hi"`,
		`"1"`:                    `"1"`,
		`{"a":"\"x\""}`:          `{"a":"\"x\""}`,
		` 5 `:                    `5`,
		`"{not json"`:            `"{not json"`,
		`"\"{\\\"V\\\":1}\""`:    `{"V":1}`,
		`"  {\"a\": true}  "`:    `{"a": true}`,
		`"\"2026-09-24T13:08\""`: `"2026-09-24T13:08"`,
	}
	for in, want := range cases {
		if got := string(Unwrap([]byte(in))); got != want {
			t.Errorf("Unwrap(%s) = %s, want %s", in, got, want)
		}
	}
	if _, err := HostTime("24/09/2026"); err == nil {
		t.Error("HostTime accepted a date that is not the host's")
	}
}
