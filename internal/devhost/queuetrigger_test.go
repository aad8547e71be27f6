package devhost

import (
	"encoding/json"
	"strings"
	"testing"
)

// A message that fails every time is retried after visibilityTimeout and
// lands, unchanged, in <queue>-poison after maxDequeueCount attempts.
func TestQueueRetryThenPoison(t *testing.T) {
	th := startTestHost(t, nil)
	th.send(t, "work", "fail")
	eventually(t, "message in work-poison", func() bool { return len(th.peekAll(t, "work-poison")) == 1 })

	if got := th.peekAll(t, "work-poison")[0]; got != "fail" {
		t.Errorf("poison message = %q, want the original text", got)
	}
	if left := th.peekAll(t, "work"); len(left) != 0 {
		t.Errorf("work queue still holds %q", left)
	}
	recs := th.records(t, "EchoQueue")
	if len(recs) != 3 {
		t.Fatalf("handler saw %d attempts, want maxDequeueCount = 3", len(recs))
	}
	for i, r := range recs {
		var req struct{ Metadata map[string]any }
		if err := json.Unmarshal(r.Body, &req); err != nil {
			t.Fatal(err)
		}
		if want := string(rune('1' + i)); req.Metadata["DequeueCount"] != want {
			t.Errorf("attempt %d: DequeueCount = %#v, want the string %q", i+1, req.Metadata["DequeueCount"], want)
		}
	}
	if st := th.Stats()["EchoQueue"]; st.Failed != 3 || st.Poisoned != 1 {
		t.Errorf("stats = %+v", st)
	}
}

// Outputs are enqueued only when the invocation succeeds; an array is several
// messages; a failed invocation's outputs are never written.
func TestQueueOutputOnlyOnSuccess(t *testing.T) {
	th := startTestHost(t, nil)
	th.send(t, "work", `failout:{"never":true}`)
	th.send(t, "work", `out:{"clip":"a"}`)
	th.send(t, "work", `out:["b",{"clip":"c"}]`)
	eventually(t, "failing message poisoned", func() bool { return len(th.peekAll(t, "work-poison")) == 1 })
	eventually(t, "three output messages", func() bool { return len(th.peekAll(t, "out")) >= 3 })
	// Three more dequeues after that and nothing in process: every message
	// has had its outcome, so no further output can appear.
	if _, after := th.afterPolls(t, "EchoQueue", 3); after.Succeeded != 2 || after.Poisoned != 1 {
		t.Fatalf("stats = %+v, want 2 succeeded and 1 poisoned", after)
	}

	got := th.peekAll(t, "out")
	want := map[string]bool{`{"clip":"a"}`: true, `b`: true, `{"clip":"c"}`: true}
	if len(got) != len(want) {
		t.Fatalf("out queue = %q, want exactly %d messages", got, len(want))
	}
	for _, m := range got {
		if !want[m] {
			t.Errorf("unexpected output message %q", m)
		}
		if strings.Contains(m, "never") {
			t.Errorf("a failed invocation's output was written: %q", m)
		}
	}
}

// The queue trigger's payload has the real host's shape: the message text
// JSON-encoded once more, DequeueCount as a string, Id and PopReceipt quoted.
func TestQueuePayloadShape(t *testing.T) {
	th := startTestHost(t, nil)
	th.send(t, "work", `ok:{"officerId":"AB12"}`)
	eventually(t, "one invocation", func() bool { return len(th.records(t, "EchoQueue")) == 1 })
	r := th.records(t, "EchoQueue")[0]
	var req struct {
		Data     map[string]json.RawMessage
		Metadata map[string]json.RawMessage
	}
	if err := json.Unmarshal(r.Body, &req); err != nil {
		t.Fatal(err)
	}
	var once string
	if err := json.Unmarshal(req.Data["msg"], &once); err != nil {
		t.Fatalf("Data.msg is not a JSON string: %s", req.Data["msg"])
	}
	var twice string
	if err := json.Unmarshal([]byte(once), &twice); err != nil || twice != `ok:{"officerId":"AB12"}` {
		t.Errorf("Data.msg = %s; want the message JSON-encoded twice", req.Data["msg"])
	}
	var id string
	_ = json.Unmarshal(req.Metadata["Id"], &id)
	if !strings.HasPrefix(id, `"`) || !strings.HasSuffix(id, `"`) {
		t.Errorf("Metadata.Id = %s; the real host sends it quoted", req.Metadata["Id"])
	}
	var sys sysMetadata
	if err := json.Unmarshal(req.Metadata["sys"], &sys); err != nil || sys.MethodName != "EchoQueue" || sys.RandGuid == "" {
		t.Errorf("Metadata.sys = %s", req.Metadata["sys"])
	}
	if r.InvocationID == "" || r.HostVersion == "" {
		t.Errorf("headers: invocation id %q, host version %q", r.InvocationID, r.HostVersion)
	}
}

// A handler killed mid-invocation fails that invocation; the host restarts
// it and the queue redelivers, so the message is processed, not lost.
func TestHandlerCrashMidInvocationIsRetried(t *testing.T) {
	th := startTestHost(t, nil)
	firstPID := th.HandlerPID()
	th.send(t, "work", "crash-once:x")
	eventually(t, "message processed after restart", func() bool {
		return th.Stats()["EchoQueue"].Succeeded == 1
	})
	if th.HandlerStarts() < 2 || th.HandlerPID() == firstPID {
		t.Errorf("handler not restarted: starts=%d pid %d → %d", th.HandlerStarts(), firstPID, th.HandlerPID())
	}
	if left := th.peekAll(t, "work"); len(left) != 0 {
		t.Errorf("work queue still holds %q", left)
	}
	if p := th.peekAll(t, "work-poison"); len(p) != 0 {
		t.Errorf("poisoned: %q", p)
	}
}
