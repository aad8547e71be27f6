package functions_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

func (e *env) queryIDs(q string) []string {
	e.t.Helper()
	items, err := e.raw().QueryClips(context.Background(), "", q, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		var v struct{ ID string }
		_ = json.Unmarshal(it, &v)
		ids = append(ids, v.ID)
	}
	return ids
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func reasonCodes(c clip.Clip) []clip.Code {
	var out []clip.Code
	for _, r := range c.Reasons {
		out = append(out, r.Code)
	}
	return out
}

func (e *env) download(container, name string) []byte {
	e.t.Helper()
	r, err := e.blobs.DownloadStream(context.Background(), container, name, nil)
	if err != nil {
		e.t.Fatalf("download %s/%s: %v", container, name, err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return b
}

func TestValidClipIsVerified(t *testing.T) {
	e := newEnv(t, nil)
	content := randomBytes(t, 3<<20)
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	etag := e.upload("2026/AB1234/a.mp4", content, clipMeta(content, "ab1234", start))
	msg := e.ingest(e.blobEvent("devstoreaccount1", "2026/AB1234/a.mp4", etag, "0000000000000001", int64(len(content))))
	if msg == nil {
		t.Fatalf("no verify message\n%s", e.h.log())
	}
	id := clip.ID("devstoreaccount1", "uploads", "2026/AB1234/a.mp4", etag)
	if c := e.clip("AB1234", id); c.Status != clip.StatusReceived {
		t.Fatalf("after ingest: %s", c.Status)
	}
	if st := e.verify(e.h, msg, 1); st != 200 {
		t.Fatalf("verify %d\n%s", st, e.h.log())
	}
	c := e.clip("AB1234", id)
	if c.Status != clip.StatusVerified || c.SHA256.Computed != c.SHA256.Declared || c.SHA256.Computed == "" {
		t.Fatalf("record %+v", c)
	}
	want := start.UTC().Add(31 * 24 * time.Hour)
	if c.Retention.RetainUntil == nil || !c.Retention.RetainUntil.Equal(want) {
		t.Fatalf("retainUntil %v, want recorded start + 31 days = %v", c.Retention.RetainUntil, want)
	}
	if c.Blob.Region != "uksouth" || c.Blob.Size != int64(len(content)) || c.StationID != "ST-01" {
		t.Fatalf("blob fields %+v", c.Blob)
	}
	tags, err := e.blobs.ServiceClient().NewContainerClient("uploads").NewBlobClient("2026/AB1234/a.mp4").GetTags(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tg := range tags.BlobTagSet {
		got[*tg.Key] = *tg.Value
	}
	if got[clip.TagStatus] != "verified" || got[clip.TagRetainUntil] != c.Retention.RetainUntil.String() || got[clip.TagBackstop] != clip.BackstopShort {
		t.Fatalf("index tags %v", got)
	}
	es := e.auditOf(id)
	if len(es) != 2 || es[0].Action != audit.ActionReceived || es[1].Action != audit.ActionVerified {
		t.Fatalf("audit %+v", es)
	}
	if err := audit.Verify(id, es, c.Audit); err != nil {
		t.Fatal(err)
	}
	// A second delivery of the same message changes nothing.
	if st := e.verify(e.h, msg, 2); st != 200 {
		t.Fatal(st)
	}
	if es2 := e.auditOf(id); len(es2) != 2 {
		t.Fatalf("redelivery appended audit entries: %d", len(es2))
	}
}

func TestWrongHashIsQuarantinedWithContentIntact(t *testing.T) {
	e := newEnv(t, nil)
	content := randomBytes(t, 1<<20)
	meta := clipMeta([]byte("something else"), "ab1234", time.Now().Add(-time.Hour))
	etag := e.upload("b.mp4", content, meta)
	msg := e.ingest(e.blobEvent("devstoreaccount1", "b.mp4", etag, "0000000000000001", int64(len(content))))
	if st := e.verify(e.h, msg, 1); st != 200 {
		t.Fatal(st)
	}
	id := clip.ID("devstoreaccount1", "uploads", "b.mp4", etag)
	c := e.clip("AB1234", id)
	if c.Status != clip.StatusQuarantined || !slices.Contains(reasonCodes(c), clip.CodeHashMismatch) {
		t.Fatalf("record %+v", c)
	}
	if c.Quarantine == nil || !c.Quarantine.SourceDeleted {
		t.Fatalf("quarantine ref %+v", c.Quarantine)
	}
	if got := e.download("quarantine", c.Quarantine.Name); !bytes.Equal(got, content) {
		t.Fatalf("quarantined content differs (%d bytes)", len(got))
	}
	if _, err := e.blobs.ServiceClient().NewContainerClient("uploads").NewBlobClient("b.mp4").GetProperties(context.Background(), nil); err == nil {
		t.Fatal("source still in uploads after quarantine")
	}
	if c.Retention.Rule != "quarantine" {
		t.Errorf("retention rule %q, want the quarantine rule", c.Retention.Rule)
	}
}

func TestInvalidMetadataIsQuarantinedWithAllReasons(t *testing.T) {
	e := newEnv(t, nil)
	content := []byte("clip with bad metadata")
	meta := map[string]*string{
		"officerid":     to.Ptr("AB-12"),
		"recordedstart": to.Ptr("yesterday"),
		"sha256":        to.Ptr("abc"),
		"latitude":      to.Ptr("52.1"),
	}
	etag := e.upload("c.mp4", content, meta)
	msg := e.ingest(e.blobEvent("devstoreaccount1", "c.mp4", etag, "0000000000000001", int64(len(content))))
	if msg == nil {
		t.Fatal("a quarantined clip still needs its content moved: expected a verify message")
	}
	id := clip.ID("devstoreaccount1", "uploads", "c.mp4", etag)
	c := e.clip(clip.UnattributedOfficer, id)
	want := []clip.Code{clip.CodeDeviceIDMissing, clip.CodeLocationIncomplete, clip.CodeOfficerIDInvalid,
		clip.CodeRecordedEndMissing, clip.CodeRecordedStartInvalid, clip.CodeSHA256Invalid}
	if c.Status != clip.StatusQuarantined || !slices.Equal(reasonCodes(c), want) {
		t.Fatalf("status %s reasons %v, want %v", c.Status, reasonCodes(c), want)
	}
	if st := e.verify(e.h, msg, 1); st != 200 {
		t.Fatal(st)
	}
	c = e.clip(clip.UnattributedOfficer, id)
	if c.Quarantine == nil || !bytes.Equal(e.download("quarantine", c.Quarantine.Name), content) {
		t.Fatalf("content not moved intact to quarantine: %+v", c.Quarantine)
	}
	if err := audit.Verify(id, e.auditOf(id), c.Audit); err != nil {
		t.Fatal(err)
	}
}

func TestDuplicatesAndStaleEventsGiveOneRecord(t *testing.T) {
	e := newEnv(t, nil)
	content := randomBytes(t, 64<<10)
	etag := e.upload("d.mp4", content, clipMeta(content, "cd5678", time.Now().Add(-time.Hour)))
	ev := e.blobEvent("devstoreaccount1", "d.mp4", etag, "0000000000000010", int64(len(content)))
	stale := e.blobEvent("devstoreaccount1", "d.mp4", "0x8D0000000000001", "0000000000000005", int64(len(content)))
	var msgs []json.RawMessage
	for _, x := range []map[string]any{ev, stale, ev, stale, ev} {
		if m := e.ingest(x); m != nil {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) != 3 {
		t.Fatalf("each delivery of the received clip's event should ask for verification (idempotent): got %d", len(msgs))
	}
	for i, m := range msgs {
		if st := e.verify(e.h, m, i+1); st != 200 {
			t.Fatal(st)
		}
	}
	// One record per version: the stale event is for another (older)
	// version, overwritten before it was read, which is recorded once
	// (UNATTRIBUTED, BLOB_CHANGED) however often its event comes.
	if n := e.countClips(); n != 2 {
		t.Fatalf("%d records, want exactly 2 (the clip, and the older version of the stale event)\n%s", n, e.h.log())
	}
	older := e.clip(clip.UnattributedOfficer, clip.ID("devstoreaccount1", "uploads", "d.mp4", "0x8D0000000000001"))
	if older.Status != clip.StatusQuarantined || !slices.Equal(reasonCodes(older), []clip.Code{clip.CodeBlobChanged}) {
		t.Fatalf("the stale event's version: status %s reasons %v", older.Status, reasonCodes(older))
	}
	id := clip.ID("devstoreaccount1", "uploads", "d.mp4", etag)
	es := e.auditOf(id)
	if len(es) != 2 {
		t.Fatalf("%d audit entries, want received+verified once each: %+v", len(es), es)
	}
	if c := e.clip("CD5678", id); c.Status != clip.StatusVerified {
		t.Fatal(c.Status)
	}
}

func TestSecondVersionIsATamperSignal(t *testing.T) {
	e := newEnv(t, nil)
	v1 := randomBytes(t, 32<<10)
	etag1 := e.upload("e.mp4", v1, clipMeta(v1, "ef1", time.Now().Add(-time.Hour)))
	msg := e.ingest(e.blobEvent("devstoreaccount1", "e.mp4", etag1, "0000000000000001", int64(len(v1))))
	e.verify(e.h, msg, 1)
	v2 := randomBytes(t, 32<<10)
	etag2 := e.upload("e.mp4", v2, clipMeta(v2, "ef1", time.Now().Add(-time.Hour)))
	msg2 := e.ingest(e.blobEvent("devstoreaccount1", "e.mp4", etag2, "0000000000000002", int64(len(v2))))
	e.verify(e.h, msg2, 1)
	// The first version's event again, late: stale, changes nothing.
	e.ingest(e.blobEvent("devstoreaccount1", "e.mp4", etag1, "0000000000000001", int64(len(v1))))

	first := e.clip("EF1", clip.ID("devstoreaccount1", "uploads", "e.mp4", etag1))
	second := e.clip("EF1", clip.ID("devstoreaccount1", "uploads", "e.mp4", etag2))
	if first.Status != clip.StatusVerified || len(first.OverwrittenBy) != 1 || first.OverwrittenBy[0] != second.ID {
		t.Fatalf("first record must be kept and flagged: %+v", first)
	}
	if second.Status != clip.StatusQuarantined || second.Tamper == nil || !slices.Contains(reasonCodes(second), clip.CodeTamperOverwrite) {
		t.Fatalf("second record %+v", second)
	}
	if second.Quarantine == nil || !bytes.Equal(e.download("quarantine", second.Quarantine.Name), v2) {
		t.Fatal("second version not kept in quarantine")
	}
	if n := e.countClips(); n != 2 {
		t.Fatalf("%d records", n)
	}
	if err := audit.Verify(first.ID, e.auditOf(first.ID), first.Audit); err != nil {
		t.Fatal(err)
	}
}

func TestNonUKAccountIsRefusedAndBlobUntouched(t *testing.T) {
	e := newEnv(t, nil)
	content := []byte("footage")
	etag := e.upload("f.mp4", content, clipMeta(content, "gh1", time.Now().Add(-time.Hour)))
	ev := e.blobEvent("stbwvnortheurope", "f.mp4", etag, "0000000000000001", int64(len(content)))
	if msg := e.ingest(ev); msg != nil {
		t.Fatal("a refused event must not ask for verification")
	}
	id := clip.ID("stbwvnortheurope", "uploads", "f.mp4", etag)
	c := e.clip(clip.UnattributedOfficer, id)
	if c.Status != clip.StatusRefused || !slices.Contains(reasonCodes(c), clip.CodeResidencyAccount) {
		t.Fatalf("record %+v", c)
	}
	p, err := e.blobs.ServiceClient().NewContainerClient("uploads").NewBlobClient("f.mp4").GetProperties(context.Background(), nil)
	if err != nil || clip.NormalizeETag(string(*p.ETag)) != etag {
		t.Fatalf("blob changed or gone: %v", err)
	}
	tags, _ := e.blobs.ServiceClient().NewContainerClient("uploads").NewBlobClient("f.mp4").GetTags(context.Background(), nil)
	if len(tags.BlobTagSet) != 0 {
		t.Fatalf("refused blob was tagged: %v", tags.BlobTagSet)
	}
	// A URL that points at another account under the configured name.
	ev2 := e.blobEvent("devstoreaccount1", "f.mp4", etag, "0000000000000002", int64(len(content)))
	ev2["data"].(map[string]any)["url"] = "https://evil.blob.core.windows.net/uploads/f.mp4"
	e.ingest(ev2)
	c2 := e.clip(clip.UnattributedOfficer, clip.ID("devstoreaccount1", "uploads", "f.mp4", etag))
	if c2.Status != clip.StatusRefused || !slices.Contains(reasonCodes(c2), clip.CodeResidencyURL) {
		t.Fatalf("record %+v", c2)
	}
}

func TestIgnoredAndValidationEvents(t *testing.T) {
	e := newEnv(t, nil)
	content := []byte("x")
	etag := e.upload("g.mp4", content, clipMeta(content, "ij1", time.Now()))
	other := e.blobEvent("devstoreaccount1", "g.mp4", etag, "1", 1)
	other["subject"] = "/blobServices/default/containers/quarantine/blobs/g.mp4"
	block := e.blobEvent("devstoreaccount1", "g.mp4", etag, "1", 1)
	block["data"].(map[string]any)["api"] = "PutBlock"
	deleted := e.blobEvent("devstoreaccount1", "g.mp4", etag, "1", 1)
	deleted["eventType"] = "Microsoft.Storage.BlobDeleted"
	for _, ev := range []map[string]any{other, block, deleted} {
		if m := e.ingest(ev); m != nil {
			t.Fatal("ignored event produced a message")
		}
	}
	if n := e.countClips(); n != 0 {
		t.Fatalf("ignored events recorded %d clips", n)
	}
	status, r := e.h.invoke(t, "ClipIngest", map[string]any{"event": map[string]any{
		"id": "v1", "topic": "/subscriptions/x", "subject": "", "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
		"eventTime": time.Now().UTC().Format(time.RFC3339), "dataVersion": "1", "metadataVersion": "1",
		"data": map[string]any{"validationCode": "CODE-123"},
	}}, nil)
	if status != 200 || !strings.Contains(mustJSON(r.ReturnValue), "CODE-123") {
		t.Fatalf("validation: %d %+v", status, r)
	}
	status, r = e.h.invoke(t, "ClipIngest", map[string]any{"event": "not an event"}, nil)
	if status != 200 || !strings.Contains(strings.Join(r.Logs, "\n"), string(clip.CodeEventMalformed)) {
		t.Fatalf("malformed event: %d %+v", status, r)
	}
	status, r = e.h.invoke(t, "ClipVerify", map[string]any{"message": `{"v":1}`}, nil)
	if status != 200 || !strings.Contains(strings.Join(r.Logs, "\n"), string(clip.CodeMessageMalformed)) {
		t.Fatalf("malformed message: %d %+v", status, r)
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestTransientCosmosFaultIsRetried(t *testing.T) {
	e := newEnv(t, nil)
	content := []byte("y")
	etag := e.upload("h.mp4", content, clipMeta(content, "kl1", time.Now()))
	ev := e.blobEvent("devstoreaccount1", "h.mp4", etag, "1", 1)
	if err := e.cosmos.Stop(); err != nil {
		t.Fatal(err)
	}
	status, _ := e.h.invoke(t, "ClipIngest", map[string]any{"event": ev}, nil)
	if status < 500 {
		t.Fatalf("Cosmos down: ClipIngest answered %d; a transient fault must fail the invocation so Event Grid redelivers", status)
	}
}

func TestHandlerKilledMidVerifyFinishesOnRedelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 256 MiB")
	}
	e := newEnv(t, nil)
	content := randomBytes(t, 256<<20)
	etag := e.upload("big.mp4", content, clipMeta(content, "mn1", time.Now().Add(-time.Hour)))
	msg := e.ingest(e.blobEvent("devstoreaccount1", "big.mp4", etag, "1", int64(len(content))))
	content = nil

	// The verifying handler reads the blob through a counting proxy, which
	// holds every ranged GET after the first killAfter have been served: the
	// kill lands after exactly that many ranges were read, never by timing.
	const killAfter = 3
	proxy := newRangeCountingProxy(t, e.azurite.BlobEndpoint, killAfter)
	settings := maps.Clone(e.settings)
	settings["BWV_BLOB_ENDPOINT"] = proxy.endpoint
	hk, err := startHandlerProcess(handlerBinary(t), settings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hk.kill)

	done := make(chan int, 1)
	go func() {
		status, _ := hk.invokeNoFail("ClipVerify", map[string]any{"message": hostEncoded(string(msg))}, map[string]any{"DequeueCount": "1"})
		done <- status
	}()
	select {
	case <-proxy.reached:
	case st := <-done:
		t.Fatalf("verification answered %d before %d ranges were read\n%s", st, killAfter, hk.log())
	case <-time.After(60 * time.Second):
		t.Fatalf("%d ranges never read (served %d)\n%s", killAfter, proxy.served.Load(), hk.log())
	}
	if err := hk.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if st := <-done; st == 200 {
		t.Fatal("the handler finished 256 MiB before it was killed; the test proves nothing")
	}
	if n := proxy.served.Load(); n != killAfter {
		t.Fatalf("%d ranges served before the kill, want exactly %d", n, killAfter)
	}
	proxy.release()
	id := clip.ID("devstoreaccount1", "uploads", "big.mp4", etag)
	if c := e.clip("MN1", id); c.Status != clip.StatusReceived {
		t.Fatalf("after the crash: %s", c.Status)
	}
	h2 := e.startHandler()
	if st := e.verify(h2, msg, 2); st != 200 {
		t.Fatalf("redelivery: %d\n%s", st, h2.log())
	}
	c := e.clip("MN1", id)
	if c.Status != clip.StatusVerified || c.SHA256.Computed != c.SHA256.Declared {
		t.Fatalf("record %+v", c)
	}
	if es := e.auditOf(id); len(es) != 2 {
		t.Fatalf("audit %d entries", len(es))
	}
}

func TestHandlerRefusesToStartOnBadResidency(t *testing.T) {
	e := newEnv(t, nil)
	for name, over := range map[string]map[string]string{
		"storage region": {"BWV_STORAGE_REGION": "westeurope"},
		"allowed list":   {"BWV_ALLOWED_REGIONS": "uksouth,francecentral"},
	} {
		t.Run(name, func(t *testing.T) {
			s := map[string]string{}
			for k, v := range e.settings {
				s[k] = v
			}
			for k, v := range over {
				s[k] = v
			}
			_, err := startHandlerProcess(handlerBinary(t), s)
			if err == nil || !strings.Contains(err.Error(), "refusing to start") {
				t.Fatalf("want a refusal, got %v", err)
			}
			for k := range over {
				if !strings.Contains(err.Error(), k) {
					t.Fatalf("refusal does not name %s: %v", k, err)
				}
			}
		})
	}
}

func TestSIGTERMDrainsInFlightInvocations(t *testing.T) {
	e := newEnv(t, nil)
	content := randomBytes(t, 64<<20)
	etag := e.upload("drain.mp4", content, clipMeta(content, "op1", time.Now().Add(-time.Hour)))
	msg := e.ingest(e.blobEvent("devstoreaccount1", "drain.mp4", etag, "1", int64(len(content))))
	done := make(chan int, 1)
	go func() {
		status, _ := e.h.invokeNoFail("ClipVerify", map[string]any{"message": hostEncoded(string(msg))}, map[string]any{"DequeueCount": "1"})
		done <- status
	}()
	for started := false; !started; {
		select {
		case line := <-e.h.lines:
			started = strings.Contains(line, "hashing started")
		case <-time.After(30 * time.Second):
			t.Fatalf("verification never started\n%s", e.h.log())
		}
	}
	if err := e.h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if st := <-done; st != 200 {
		t.Fatalf("the in-flight invocation was cut off by SIGTERM: %d\n%s", st, e.h.log())
	}
	select {
	case <-e.h.done:
	case <-time.After(30 * time.Second):
		t.Fatal("handler did not exit after SIGTERM")
	}
	if code := e.h.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
	if c := e.clip("OP1", clip.ID("devstoreaccount1", "uploads", "drain.mp4", etag)); c.Status != clip.StatusVerified {
		t.Fatalf("status %s", c.Status)
	}
}

// rangeCountingProxy is a loopback reverse proxy in front of Azurite that
// counts ranged GETs whose whole response reached the client; once limit
// have been served it signals reached and holds further ranged GETs until
// release (or until their client goes away).
type rangeCountingProxy struct {
	endpoint string
	admitted atomic.Int64
	served   atomic.Int64
	reached  chan struct{}
	hold     chan struct{}
	release  func()
}

func newRangeCountingProxy(t *testing.T, target string, limit int64) *rangeCountingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &rangeCountingProxy{reached: make(chan struct{}), hold: make(chan struct{})}
	var reachedOnce, releaseOnce sync.Once
	p.release = func() { releaseOnce.Do(func() { close(p.hold) }) }
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ranged := r.Method == http.MethodGet && (r.Header.Get("x-ms-range") != "" || r.Header.Get("Range") != "")
		if !ranged {
			rp.ServeHTTP(w, r)
			return
		}
		if p.admitted.Add(1) > limit {
			select {
			case <-p.hold:
			case <-r.Context().Done():
				return
			}
		}
		rp.ServeHTTP(w, r)
		if r.Context().Err() == nil && p.served.Add(1) == limit {
			reachedOnce.Do(func() { close(p.reached) })
		}
	}))
	t.Cleanup(func() { p.release(); srv.Close() })
	p.endpoint = srv.URL + u.Path
	return p
}
