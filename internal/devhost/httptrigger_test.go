package devhost

import (
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// authLevel "function": 401 without a key or with a wrong one; the function
// key works in x-functions-key and in ?code=; the answer is Outputs.res.
func TestHTTPTriggerAuthAndResponse(t *testing.T) {
	th := startTestHost(t, func(o *Options) { o.MasterKey = "master-key" })
	do := func(method, path, key string) (*http.Response, string) {
		req, _ := http.NewRequest(method, th.base+path, strings.NewReader(`{"x":1}`))
		if key != "" {
			req.Header.Set("x-functions-key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp, readAll(t, resp.Body)
	}
	cases := []struct {
		name, method, path, key string
		want                    int
	}{
		{"no key", "GET", "/api/items/42", "", 401},
		{"wrong key", "GET", "/api/items/42", "nope", 401},
		{"wrong code", "GET", "/api/items/42?code=nope", "", 401},
		{"header key", "GET", "/api/items/42", "fn-key", 201},
		{"code query", "POST", "/api/items/42/hold?code=fn-key", "", 201},
		{"master key", "GET", "/api/items/42", "master-key", 201},
		{"method not allowed", "DELETE", "/api/items/42", "fn-key", 404},
		{"no route", "GET", "/api/other", "fn-key", 404},
		{"too many segments", "GET", "/api/items/1/2/3", "fn-key", 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := do(c.method, c.path, c.key)
			if resp.StatusCode != c.want {
				t.Fatalf("%s %s = %d %s, want %d", c.method, c.path, resp.StatusCode, body, c.want)
			}
			if c.want != 201 {
				return
			}
			if resp.Header.Get("X-Echo") != "yes" {
				t.Errorf("header from Outputs.res missing: %v", resp.Header)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(body), &got); err != nil || got["id"] != "42" || got["method"] != c.method {
				t.Errorf("body = %s", body)
			}
			if strings.Contains(c.path, "hold") && got["action"] != "hold" {
				t.Errorf("optional route value: %s", body)
			}
		})
	}
	// The request value has the real host's shape.
	recs := th.records(t, "EchoHTTP")
	var req struct {
		Data struct {
			Req funchost.HTTPRequest `json:"req"`
		}
	}
	if err := json.Unmarshal(recs[len(recs)-1].Body, &req); err != nil {
		t.Fatal(err)
	}
	r := req.Data.Req
	if r.Method == "" || !strings.Contains(r.URL, "/api/items/42") || r.Params["id"] != "42" || r.Headers["X-Functions-Key"] == nil || r.Body == nil || *r.Body != `{"x":1}` {
		t.Errorf("Data.req = %+v", r)
	}
}

// POST /admin/functions/<Name> runs a timer now: 202, and the handler gets
// a TimerInfo with the schedule status and IsPastDue false.
func TestTimerManualRun(t *testing.T) {
	th := startTestHost(t, nil)
	resp, err := http.Post(th.base+"/admin/functions/EchoTimer", "application/json", strings.NewReader(`{"input":""}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("admin invoke = %d, want 202", resp.StatusCode)
	}
	eventually(t, "timer invocation", func() bool { return len(th.records(t, "EchoTimer")) == 1 })
	var req struct {
		Data struct {
			Timer map[string]json.RawMessage `json:"timer"`
		}
	}
	if err := json.Unmarshal(th.records(t, "EchoTimer")[0].Body, &req); err != nil {
		t.Fatal(err)
	}
	var info funchost.TimerInfo
	raw, _ := json.Marshal(req.Data.Timer)
	if err := json.Unmarshal(raw, &info); err != nil || info.IsPastDue || info.ScheduleStatus == nil || !info.Schedule.AdjustForDST {
		t.Fatalf("timer value = %s", raw)
	}
	if info.ScheduleStatus.Last != "0001-01-01T00:00:00+00:00" || !strings.HasPrefix(info.ScheduleStatus.Next, "20") || !strings.HasSuffix(info.ScheduleStatus.Next, "-01-01T00:00:00+00:00") {
		t.Errorf("schedule status = %+v", info.ScheduleStatus)
	}
	if resp, _ := http.Post(th.base+"/admin/functions/Nope", "application/json", strings.NewReader(`{}`)); resp.StatusCode != 404 {
		t.Errorf("unknown function: %d", resp.StatusCode)
	}
}

// A handler that dies is started again on a new PID, and calls work again.
func TestHandlerRestartAfterKill(t *testing.T) {
	th := startTestHost(t, nil)
	pid := th.HandlerPID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a new handler process", func() bool { return th.HandlerStarts() == 2 && th.HandlerPID() != pid })
	req, _ := http.NewRequest("GET", th.base+"/api/items/7", nil)
	req.Header.Set("x-functions-key", "fn-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("call after restart = %d", resp.StatusCode)
	}
}

// Stopping the host stops the handler: no process is left behind.
func TestShutdownStopsHandler(t *testing.T) {
	th := startTestHost(t, nil)
	pid := th.HandlerPID()
	if err := th.stop(); err != nil {
		t.Fatalf("Run returned %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("handler pid %d still alive after shutdown", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
