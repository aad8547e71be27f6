package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// anchorEnv is the harness plus the anchors container and a blob store.
func anchorEnv(t *testing.T) (*env, *blobstore.Store) {
	t.Helper()
	e := newEnv(t, nil)
	bs, err := blobstore.New(blobstore.Options{Endpoint: e.azurite.BlobEndpoint, Account: e.azurite.Account, Key: e.azurite.Key})
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.EnsureContainers(context.Background(), blobstore.AnchorContainer); err != nil {
		t.Fatal(err)
	}
	return e, bs
}

// seedRecord writes a clip record with n audit entries, updated at updated.
func (e *env) seedRecord(name string, n int, updated time.Time) clip.Clip {
	e.t.Helper()
	ctx := context.Background()
	c := clip.Clip{ID: clip.ID(e.azurite.Account, "uploads", name, "0x1"), Type: clip.DocTypeClip, OfficerID: "AB1234",
		Categories: []string{}, IncidentRefs: []string{}, Status: clip.StatusVerified, UpdatedAt: clip.At(updated)}
	for i := range n {
		_, head, err := e.records.AppendAudit(ctx, c.ID, c.Audit, audit.Entry{Action: audit.ActionReceived, Key: fmt.Sprint(name, i), Actor: "system:test", At: clip.At(updated)})
		if err != nil {
			e.t.Fatal(err)
		}
		c.Audit = head
	}
	c, err := e.records.CreateClip(ctx, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func anchorsIn(t *testing.T, bs *blobstore.Store) []audit.Anchor {
	t.Helper()
	stored, err := bs.Anchors(context.Background(), blobstore.AnchorContainer)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Anchor
	for _, sa := range stored {
		out = append(out, sa.Anchor)
	}
	return out
}

var anchorTimer = map[string]any{"timer": map[string]any{"Schedule": map[string]any{"AdjustForDST": true}, "IsPastDue": false}}

// Runs of the real handler's AuditAnchor at the same moment, all reading
// "no anchor yet", write exactly one anchor: they compute the same name,
// and the create-only write lets one win. None fails the invocation.
func TestAuditAnchorConcurrentRunsDoNotFork(t *testing.T) {
	e, bs := anchorEnv(t)
	now := time.Now()
	for i := range 5 {
		e.seedRecord(fmt.Sprintf("c%d.mp4", i), 2, now)
	}
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _ = e.h.invokeNoFail(functions.NameAnchor, anchorTimer, map[string]any{})
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Fatalf("run %d answered %d\n%s", i, s, e.h.log())
		}
	}
	as := anchorsIn(t, bs)
	if len(as) != 1 || as[0].Seq != 1 || as[0].LeafCount != 5 || as[0].Check(true) != nil {
		t.Fatalf("after 4 concurrent runs: %d anchors %+v\n%s", len(as), as, e.h.log())
	}
	// The write is create-only: a second anchor under that name (what a
	// racing run would write) is refused and the first stays as it was.
	other := as[0]
	other.CreatedAt = audit.FormatAnchorTime(time.Now().Add(time.Second))
	other.Hash = other.ComputeHash()
	if err := bs.PutAnchor(context.Background(), blobstore.AnchorContainer, other); !clip.IsKind(err, clip.Conflict) {
		t.Fatalf("writing over anchor %s: %v; want a conflict", other.Name, err)
	}
	if again := anchorsIn(t, bs); again[0].Hash != as[0].Hash {
		t.Fatalf("anchor %s was overwritten: hash %s, was %s", as[0].Name, again[0].Hash, as[0].Hash)
	}
}

// A record written after the previous anchor is anchored by the next run
// whatever its updatedAt says (a writer's clock, or a writer who sets
// 2000-01-01 to keep a clip out of every anchor): the run selects records
// by Cosmos DB's system timestamp _ts. A head the previous anchor holds
// is not anchored again.
func TestAuditAnchorIgnoresUpdatedAt(t *testing.T) {
	e, bs := anchorEnv(t)
	early := e.seedRecord("early.mp4", 1, time.Now())
	if status, r := e.h.invoke(t, functions.NameAnchor, anchorTimer, map[string]any{}); status != 200 {
		t.Fatalf("first run: %d %+v", status, r)
	}
	late := e.seedRecord("late.mp4", 3, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	if status, r := e.h.invoke(t, functions.NameAnchor, anchorTimer, map[string]any{}); status != 200 {
		t.Fatalf("second run: %d %+v", status, r)
	}
	as := anchorsIn(t, bs)
	if len(as) != 2 || audit.CheckLink(&as[0], as[1]) != nil || as[1].LeafCount != 1 ||
		as[1].Leaves[0] != audit.LeafOf(late.ID, 3, late.Audit.Hash) {
		t.Fatalf("anchors %+v; want the second to hold only %s (early %s is in the first)", as, late.ID, early.ID)
	}
}

// A recorded read moves the audit head without touching updatedAt (a read
// changes nothing about the clip); the next anchor run still holds the
// consulted entry, so erasing the read shows in bwv audit verify.
func TestAuditAnchorHoldsConsultations(t *testing.T) {
	e, bs := anchorEnv(t)
	c := e.seedRecord("read.mp4", 2, time.Now().Add(-2*time.Hour)) // last changed two hours ago
	if status, r := e.h.invoke(t, functions.NameAnchor, anchorTimer, map[string]any{}); status != 200 {
		t.Fatalf("first run: %d %+v", status, r)
	}
	a := e.h.manage(t, manageCall{method: "GET", id: c.ID, query: map[string]string{"purpose": "case 12"}})
	if a.status != 200 {
		t.Fatalf("GET: %d %s", a.status, a.body)
	}
	read := a.ok().Audit[len(a.ok().Audit)-1]
	if read.Action != audit.ActionConsulted || read.Seq != 3 {
		t.Fatalf("last entry %+v, want the consultation at seq 3", read)
	}
	if status, r := e.h.invoke(t, functions.NameAnchor, anchorTimer, map[string]any{}); status != 200 {
		t.Fatalf("second run: %d %+v", status, r)
	}
	as := anchorsIn(t, bs)
	if len(as) != 2 || as[1].LeafCount != 1 || as[1].Leaves[0] != audit.LeafOf(c.ID, 3, read.Hash) {
		t.Fatalf("anchors %+v; want the second to hold %s at the consulted entry 3", as, c.ID)
	}
}

// A newest anchor that does not check (overwritten: Azure's locked policy
// forbids it, Azurite does not) stops the run before anything is written,
// with ANCHOR_CHAIN_INVALID: extending a damaged chain would hide it.
func TestAuditAnchorRefusesToExtendADamagedChain(t *testing.T) {
	e, bs := anchorEnv(t)
	e.seedRecord("a.mp4", 2, time.Now())
	if status, _ := e.h.invoke(t, functions.NameAnchor, anchorTimer, map[string]any{}); status != 200 {
		t.Fatal("first run failed")
	}
	a := anchorsIn(t, bs)[0]
	a.Leaves[0].Hash = strings.Repeat("0", 64)
	body, _ := json.Marshal(a)
	if _, err := bs.Client().UploadBuffer(context.Background(), blobstore.AnchorContainer, a.Name, body, nil); err != nil {
		t.Fatal(err)
	}
	e.seedRecord("b.mp4", 1, time.Now())
	status, _ := e.h.invokeNoFail(functions.NameAnchor, anchorTimer, map[string]any{})
	// The answer comes over HTTP, the log line through the handler's stderr
	// pipe: wait (up to 10 s) for the line rather than race it.
	for i := 0; i < 100 && !strings.Contains(e.h.log(), string(functions.AnchorChainInvalid)); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if status == 200 || !strings.Contains(e.h.log(), string(functions.AnchorChainInvalid)) {
		t.Fatalf("run on a damaged chain answered %d; want a failure logged with %s\n%s", status, functions.AnchorChainInvalid, e.h.log())
	}
	if n := len(anchorsIn(t, bs)); n != 1 {
		t.Fatalf("%d anchors after the refused run, want 1", n)
	}
}
