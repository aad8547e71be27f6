package cosmosdb_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

// fakeThrottlingTransport is a fake: the real local Cosmos server never
// throttles, so this transport answers 429 with x-ms-retry-after-ms to the
// first n item writes and passes everything else to the real server.
type fakeThrottlingTransport struct {
	n       atomic.Int32
	retryMs string
	seen    atomic.Int32
}

func (f *fakeThrottlingTransport) Do(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && strings.Contains(req.URL.Path, "/docs") && f.n.Add(-1) >= 0 {
		f.seen.Add(1)
		return &http.Response{
			StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests",
			Header:  http.Header{"X-Ms-Retry-After-Ms": []string{f.retryMs}, "Content-Type": []string{"application/json"}},
			Body:    io.NopCloser(strings.NewReader(`{"code":"TooManyRequests","message":"Request rate is large"}`)),
			Request: req,
		}, nil
	}
	return http.DefaultClient.Do(req)
}

func newStore(t *testing.T, tr *fakeThrottlingTransport, budget time.Duration) *cosmosdb.Store {
	t.Helper()
	_, s := newStoreWith(t, tr, budget)
	return s
}

// newStoreAndOptions is a bootstrapped store and the options it was
// opened with (for cosmosdbtest.Open).
func newStoreAndOptions(t *testing.T) (cosmosdb.Options, *cosmosdb.Store) {
	t.Helper()
	return newStoreWith(t, nil, 0)
}

func newStoreWith(t *testing.T, tr *fakeThrottlingTransport, budget time.Duration) (cosmosdb.Options, *cosmosdb.Store) {
	t.Helper()
	cs := localsvctest.Cosmos(t)
	o := cosmosdb.Options{Endpoint: cs.Endpoint, Key: cs.Key, Database: "bwv", Clips: "clips", Audit: "audit", ThrottleBudget: budget}
	boot, err := cosmosdb.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := boot.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := boot.Bootstrap(context.Background()); err != nil {
		t.Fatalf("bootstrap must be idempotent: %v", err)
	}
	if tr != nil {
		o.Transport = tr
	}
	s, err := cosmosdb.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return o, s
}

func testClip(id string) clip.Clip {
	now := clip.At(time.Now())
	return clip.Clip{ID: id, Type: clip.DocTypeClip, OfficerID: "AB1", Status: clip.StatusReceived,
		Categories: []string{"uncategorised"}, IncidentRefs: []string{}, ReceivedAt: now, UpdatedAt: now}
}

func TestThrottlingHonoursRetryAfter(t *testing.T) {
	tr := &fakeThrottlingTransport{retryMs: "300"}
	tr.n.Store(3)
	s := newStore(t, tr, 10*time.Second)
	start := time.Now()
	if _, err := s.CreateClip(context.Background(), testClip("c1")); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Fatalf("3 throttles of 300 ms each, but the call took only %s", waited)
	}
	if tr.seen.Load() != 3 {
		t.Fatalf("throttled %d times", tr.seen.Load())
	}
	if _, err := s.GetClip(context.Background(), "AB1", "c1"); err != nil {
		t.Fatalf("the write did not land after the throttling: %v", err)
	}
}

func TestThrottlingBudgetIsBounded(t *testing.T) {
	tr := &fakeThrottlingTransport{retryMs: "400"}
	tr.n.Store(1000)
	s := newStore(t, tr, time.Second)
	start := time.Now()
	_, err := s.CreateClip(context.Background(), testClip("c2"))
	if clip.CodeOf(err) != clip.CodeThrottledBudgetSpent || clip.KindOf(err) != clip.Transient {
		t.Fatalf("want a transient THROTTLED_RETRY_BUDGET_SPENT, got %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("budget of 1s took %s", d)
	}
}

func TestConditionalWrites(t *testing.T) {
	s := newStore(t, nil, 0)
	ctx := context.Background()
	c, err := s.CreateClip(ctx, testClip("c3"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateClip(ctx, testClip("c3")); !clip.IsKind(err, clip.Conflict) {
		t.Fatalf("second create must conflict, got %v", err)
	}
	c.Status = clip.StatusVerified
	c2, err := s.ReplaceClip(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	c.Status = clip.StatusQuarantined // stale ETag
	if _, err := s.ReplaceClip(ctx, c); !clip.IsKind(err, clip.Conflict) {
		t.Fatalf("replace with a stale ETag must conflict, got %v", err)
	}
	if got, _ := s.GetClip(ctx, "AB1", "c3"); got.Status != clip.StatusVerified || got.ETag != c2.ETag {
		t.Fatalf("lost update: %+v", got)
	}
	if _, err := s.GetClip(ctx, "AB1", "missing"); !clip.IsKind(err, clip.NotFound) {
		t.Fatalf("missing clip: %v", err)
	}
	if _, err := s.GetClip(ctx, "OTHER", "c3"); !clip.IsKind(err, clip.NotFound) {
		t.Fatalf("wrong partition must be not found: %v", err)
	}
}

func TestAppendAuditIsSingleWriterAndIdempotent(t *testing.T) {
	s := newStore(t, nil, 0)
	ctx := context.Background()
	e1, head, err := s.AppendAudit(ctx, "c4", clip.AuditHead{}, audit.Entry{Action: audit.ActionReceived, Key: "k1", At: clip.At(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	// A retry of the same transition from the same head adopts the entry.
	again, head2, err := s.AppendAudit(ctx, "c4", clip.AuditHead{}, audit.Entry{Action: audit.ActionReceived, Key: "k1", At: clip.At(time.Now().Add(time.Second))})
	if err != nil || again.Hash != e1.Hash || head2 != head {
		t.Fatalf("retry appended instead of adopting: %+v %v", again, err)
	}
	// A detail that names the attempt (the sweep's runId) is not the transition.
	run1, _, err := s.AppendAudit(ctx, "c4r", clip.AuditHead{}, audit.Entry{Action: audit.ActionDeleted, Key: "del", Details: map[string]string{"runId": "r1", "rule": "x"}, At: clip.At(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	if run2, _, err := s.AppendAudit(ctx, "c4r", clip.AuditHead{}, audit.Entry{Action: audit.ActionDeleted, Key: "del", Details: map[string]string{"runId": "r2", "rule": "x"}, At: clip.At(time.Now())}); err != nil || run2.Hash != run1.Hash {
		t.Fatalf("a retry by another run must adopt: %+v %v", run2, err)
	}
	// The same key with another transition (another actor, justification or
	// details) is a concurrent writer from the same state: never adopted.
	for _, other := range []audit.Entry{
		{Action: audit.ActionReceived, Key: "k1", Actor: "someone else"},
		{Action: audit.ActionReceived, Key: "k1", ActorAuthenticated: true},
		{Action: audit.ActionReceived, Key: "k1", Justification: "another reason"},
		{Action: audit.ActionReceived, Key: "k1", Details: map[string]string{"toCategories": "evidential"}},
		{Action: audit.ActionReclassified, Key: "k1"},
	} {
		other.At = clip.At(time.Now())
		if got, _, err := s.AppendAudit(ctx, "c4", clip.AuditHead{}, other); !clip.IsKind(err, clip.Conflict) || clip.CodeOf(err) != clip.CodeConcurrentUpdate {
			t.Fatalf("same key, other transition %+v: adopted %+v, err %v", other, got, err)
		}
	}
	// Concurrent writers of different transitions from the same head: the
	// chain stays linear and complete.
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := head
			for {
				_, nh, err := s.AppendAudit(ctx, "c4", h, audit.Entry{Action: audit.ActionReclassified, Key: "k-" + string(rune('a'+i)), At: clip.At(time.Now())})
				if err == nil {
					return
				}
				if !clip.IsKind(err, clip.Conflict) {
					t.Error(err)
					return
				}
				es, _ := s.ListAudit(ctx, "c4")
				nh = audit.Head(es[len(es)-1])
				h = nh
			}
		}()
	}
	wg.Wait()
	es, err := s.ListAudit(ctx, "c4")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 7 {
		t.Fatalf("%d entries, want 7", len(es))
	}
	if err := audit.Verify("c4", es, audit.Head(es[6])); err != nil {
		t.Fatal(err)
	}
}

func TestAccountRegions(t *testing.T) {
	s := newStore(t, nil, 0)
	regions, err := s.AccountRegions(context.Background())
	if err != nil || len(regions) == 0 || regions[0] != "UK South" {
		t.Fatalf("regions %v %v", regions, err)
	}
}
