package funchost

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

type event struct {
	ID   string `json:"id"`
	Data struct {
		URL string `json:"url"`
	} `json:"data"`
}

func newTestServer(t *testing.T, logs *bytes.Buffer) *httptest.Server {
	s := NewServer(slog.New(slog.NewJSONHandler(logs, nil)))
	s.Handle("Echo", func(ctx context.Context, inv *Invocation) (Result, error) {
		var ev event
		if err := inv.Trigger("event", clip.CodeEventMalformed, &ev); err != nil {
			return Result{}, err
		}
		var count int
		if _, err := inv.Metadata("DequeueCount", &count); err != nil {
			return Result{}, err
		}
		Logger(ctx).Info("seen", "url", ev.Data.URL)
		return Result{Outputs: map[string]any{"out": ev.Data.URL}, ReturnValue: count}, nil
	})
	s.Handle("Panics", func(ctx context.Context, inv *Invocation) (Result, error) { panic("boom") })
	s.Handle("Transient", func(ctx context.Context, inv *Invocation) (Result, error) {
		return Result{}, clip.Errorf(clip.Transient, clip.CodeStorageUnavailable, "storage 503")
	})
	s.Handle("BadInput", func(ctx context.Context, inv *Invocation) (Result, error) {
		return Result{}, clip.Errorf(clip.Invalid, clip.CodeEventMalformed, "nonsense")
	})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func invoke(t *testing.T, srv *httptest.Server, fn, body string) (int, Response) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/"+fn, strings.NewReader(body))
	req.Header.Set(InvocationIDHeader, "inv-123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r Response
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("answer is not JSON: %s", b)
	}
	return resp.StatusCode, r
}

func TestTriggerAsObjectAndAsString(t *testing.T) {
	var logs bytes.Buffer
	srv := newTestServer(t, &logs)
	obj := `{"Data":{"event":{"id":"e1","data":{"url":"http://x/a"}}},"Metadata":{"DequeueCount":2}}`
	str := `{"Data":{"event":"{\"id\":\"e1\",\"data\":{\"url\":\"http://x/a\"}}"},"Metadata":{"DequeueCount":"2"}}`
	// What the real host sends: the event's JSON text, encoded as a JSON
	// string, encoded again (DequeueCount as the string "2").
	evText, _ := json.Marshal(`{"id":"e1","data":{"url":"http://x/a"}}`)
	twice, _ := json.Marshal(string(evText))
	host := `{"Data":{"event":` + string(twice) + `},"Metadata":{"DequeueCount":"2"}}`
	for name, body := range map[string]string{"object": obj, "string": str, "double-encoded as the host does": host} {
		t.Run(name, func(t *testing.T) {
			status, r := invoke(t, srv, "Echo", body)
			if status != 200 || r.Outputs["out"] != "http://x/a" || r.ReturnValue != float64(2) {
				t.Fatalf("status %d response %+v", status, r)
			}
			if len(r.Logs) != 1 || !strings.Contains(r.Logs[0], "url=http://x/a") {
				t.Fatalf("logs %q", r.Logs)
			}
		})
	}
	if !strings.Contains(logs.String(), `"invocation_id":"inv-123"`) || !strings.Contains(logs.String(), `"function":"Echo"`) {
		t.Fatalf("process log lacks invocation id: %s", logs.String())
	}
}

func TestDecodeValueText(t *testing.T) {
	for raw, want := range map[string]string{
		`"\"hello\""`:         "hello",
		`"hello"`:             "hello",
		`"\"{\\\"v\\\":1}\""`: `{"v":1}`,
		`{"v":1}`:             `{"v":1}`,
	} {
		var got string
		if err := DecodeValue([]byte(raw), &got); err != nil || got != want {
			t.Errorf("DecodeValue(%s) = %q, %v; want %q", raw, got, err, want)
		}
	}
	var v struct{ V int }
	if err := DecodeValue([]byte(`"\"{\\\"V\\\":1}\""`), &v); err != nil || v.V != 1 {
		t.Errorf("double-encoded object: %+v %v", v, err)
	}
}

func TestOutcomes(t *testing.T) {
	var logs bytes.Buffer
	srv := newTestServer(t, &logs)
	tests := []struct {
		fn, body string
		want     int
	}{
		{"Panics", `{"Data":{}}`, 500},
		{"Transient", `{"Data":{}}`, 500},
		{"BadInput", `{"Data":{}}`, 200},
		{"Echo", `{"Data":{"event":"not json"}}`, 200}, // malformed trigger: recorded, not retried
		{"Echo", `{"Data":{}}`, 200},
		{"Echo", `{not json`, 400},
	}
	for _, tt := range tests {
		status, r := invoke(t, srv, tt.fn, tt.body)
		if status != tt.want {
			t.Errorf("%s %s: status %d want %d (%+v)", tt.fn, tt.body, status, tt.want, r)
		}
	}
	if !strings.Contains(logs.String(), "panic in function") || !strings.Contains(logs.String(), "stack") {
		t.Error("panic not logged with its stack")
	}
	resp, err := http.Post(srv.URL+"/Nope", "application/json", strings.NewReader("{}"))
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("unknown function: %v %v", resp.StatusCode, err)
	}
}
