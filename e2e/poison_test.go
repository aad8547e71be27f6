package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/bwv-ingest/bwv-ingest/internal/devhost"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// faultyBlobProxy is a FAKE storage outage: a reverse proxy in front of
// the real Azurite blob service that answers 503 ServerBusy (as Azure
// Storage does under load) to content reads (GET without ?comp=) of blobs
// whose name contains marker, and passes everything else through. It
// exists because no local part can fail the reads of one blob on purpose:
// Azurite with a lost extent file hangs ~6 s per read before a broken
// response, and stopping Azurite stops the queue service the host needs.
type faultyBlobProxy struct {
	*httptest.Server
	marker string
	failed atomic.Int64
	fixed  atomic.Bool // the outage is over: pass everything through
}

func newFaultyBlobProxy(t testing.TB, upstream, marker string) *faultyBlobProxy {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	target.Path = ""
	rp := httputil.NewSingleHostReverseProxy(target)
	f := &faultyBlobProxy{marker: marker}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.fixed.Load() && r.Method == http.MethodGet && strings.Contains(r.URL.Path, marker) && r.URL.Query().Get("comp") == "" {
			f.failed.Add(1)
			w.Header().Set("x-ms-error-code", "ServerBusy")
			http.Error(w, "fake outage: the server is busy", http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// A clip-verify message that fails every time: its clip's content cannot
// be read (storage answers 503 on every try). The host must retry it
// maxDequeueCount times (host.json), then move it to clip-verify-poison; the
// record must stay honestly "received" — never verified, never hashed —
// with only its ingest entry in the audit trail. A clip beside it, read
// through the same proxy, is verified: the fault is the clip's, not the run's.
func TestMessageFailingEveryTimeLandsInPoisonQueue(t *testing.T) {
	t.Parallel()
	var proxy *faultyBlobProxy
	p := startPipeline(t, pipelineOptions{blobEndpoint: func(az *localsvc.Azurite, upstream string) string {
		proxy = newFaultyBlobProxy(t, upstream, "/poison-")
		return proxy.URL + "/" + az.Account
	}})
	cfg, err := devhost.LoadHostConfig(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	maxDequeue := cfg.Queues.MaxDequeueCount

	file := writeFile(t, "clip.mp4", 64<<10)
	var ids = map[string]string{}
	for _, name := range []string{"poison-clip.mp4", "healthy-clip.mp4"} {
		stdout, stderr, code := p.cli("upload", file, "--officer", "PC9", "--device", "CAM-P", "--start", "2026-01-02T10:00:00Z", "--name", name, "--json")
		if code != 0 {
			t.Fatalf("bwv upload %s: exit %d\n%s\n%s", name, code, stdout, stderr)
		}
		var res uploadResult
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatal(err)
		}
		ids[name] = res.ClipID
	}

	poison := p.clients.Queues.NewQueueClient(p.target.PoisonQueue())
	waitFor(t, "the failing message in "+p.target.PoisonQueue(), 4*time.Minute, func() (bool, string) {
		props, err := poison.GetProperties(context.Background(), nil)
		if err != nil {
			return false, err.Error()
		}
		st, _ := p.hostStatus()
		return props.ApproximateMessagesCount != nil && *props.ApproximateMessagesCount > 0, jsonText(st.Functions["ClipVerify"])
	})

	peek, err := poison.PeekMessages(context.Background(), &azqueue.PeekMessagesOptions{NumberOfMessages: to.Ptr(int32(32))})
	if err != nil {
		t.Fatal(err)
	}
	if len(peek.Messages) != 1 {
		t.Fatalf("%d messages in the poison queue, want 1", len(peek.Messages))
	}
	text, err := base64.StdEncoding.DecodeString(*peek.Messages[0].MessageText)
	if err != nil {
		t.Fatalf("poison message is not the base64 the host writes: %v", err)
	}
	var msg struct {
		ClipID    string `json:"clipId"`
		OfficerID string `json:"officerId"`
	}
	if err := json.Unmarshal(text, &msg); err != nil || msg.ClipID != ids["poison-clip.mp4"] {
		t.Fatalf("poison message %s does not name clip %s", text, ids["poison-clip.mp4"])
	}

	st, err := p.hostStatus()
	if err != nil {
		t.Fatal(err)
	}
	if f := st.Functions["ClipVerify"]; f.Failed != maxDequeue || f.Poisoned != 1 {
		t.Errorf("ClipVerify %+v; want exactly %d failed attempts (maxDequeueCount) and 1 poisoned", f, maxDequeue)
	}
	if proxy.failed.Load() < int64(maxDequeue) {
		t.Errorf("the proxy refused %d reads; each of %d attempts should have tried at least once", proxy.failed.Load(), maxDequeue)
	}

	rec, err := p.clients.Records.GetClip(context.Background(), "PC9", msg.ClipID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != clip.StatusReceived || rec.SHA256.Computed != "" || rec.VerifiedAt != nil {
		t.Errorf("poisoned clip's record: status %s, computed %q, verifiedAt %v; want received, never hashed", rec.Status, rec.SHA256.Computed, rec.VerifiedAt)
	}
	// The record says so: one failure per delivery, the last at maxDequeueCount.
	if n := len(rec.VerifyFailures); n != maxDequeue || rec.VerifyFailures[n-1].DequeueCount != maxDequeue ||
		rec.VerifyFailures[0].Code != clip.CodeStorageUnavailable {
		t.Errorf("poisoned clip's record lists verify failures %+v; want %d, the last at dequeue count %d, code %s",
			rec.VerifyFailures, maxDequeue, maxDequeue, clip.CodeStorageUnavailable)
	}
	entries, err := p.clients.Records.ListAudit(context.Background(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != "received" {
		t.Errorf("poisoned clip's audit trail %+v; want only its ingest entry", entries)
	}
	healthy, err := p.clients.Records.GetClip(context.Background(), "PC9", ids["healthy-clip.mp4"])
	if err != nil || healthy.Status != clip.StatusVerified {
		t.Errorf("healthy clip beside it: %v %v; want verified", healthy.Status, err)
	}
	// The operator's view names the stuck clip.
	stdout, _, _ := p.cli("status")
	if !strings.Contains(stdout, msg.ClipID) || !strings.Contains(stdout, "clip-verify-poison   1") {
		t.Errorf("bwv status does not show the poisoned clip:\n%s", stdout)
	}

	// The outage is over: the operator replays the poison queue. The dry run
	// names the clip and changes nothing; the replay sends it back once; the
	// clip ends verified; a second replay finds nothing.
	proxy.fixed.Store(true)
	out, errOut, code := p.cli("replay", "poison", "--dry-run", "--json")
	var dry localrun.ReplayReport
	if code != 0 || json.Unmarshal([]byte(out), &dry) != nil || len(dry.Items) != 1 || dry.Items[0].Outcome != localrun.OutcomeWouldReplay ||
		!strings.Contains(dry.Items[0].About, msg.ClipID) {
		t.Fatalf("bwv replay poison --dry-run: exit %d\n%s\n%s", code, out, errOut)
	}
	if props, err := poison.GetProperties(context.Background(), nil); err != nil || props.ApproximateMessagesCount == nil || *props.ApproximateMessagesCount != 1 {
		t.Fatalf("after the dry run the poison queue holds %v (%v), want the 1 message still", props.ApproximateMessagesCount, err)
	}
	out, errOut, code = p.cli("replay", "poison", "--json")
	var rep localrun.ReplayReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Items) != 1 || rep.Items[0].Outcome != localrun.OutcomeReplayed {
		t.Fatalf("bwv replay poison: exit %d\n%s\n%s", code, out, errOut)
	}
	waitFor(t, "the replayed clip verified", 2*time.Minute, func() (bool, string) {
		c, err := p.clients.Records.GetClip(context.Background(), "PC9", msg.ClipID)
		if err != nil {
			return false, err.Error()
		}
		return c.Status == clip.StatusVerified, string(c.Status)
	})
	out, errOut, code = p.cli("replay", "poison", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Items) != 0 {
		t.Fatalf("second bwv replay poison: exit %d, want nothing to replay\n%s\n%s", code, out, errOut)
	}
}
