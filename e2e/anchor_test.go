package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb/cosmosdbtest"
)

// Audit anchoring end to end: the real AuditAnchor function, fired through
// the local host's admin endpoint as an operator would, anchors the heads
// of a verified clip and of a tombstone the retention sweep left (its
// deletion entries are in the anchored head); a run with nothing new
// writes nothing; a change is anchored by the next run, chained to the
// first anchor. `bwv audit verify` then says ok, a one-clip proof checks
// offline, and a recomputed tail of the tombstone's trail — every hash
// valid, the record's head moved — is named by clip and entry.
func TestAuditAnchorThroughLocalHost(t *testing.T) {
	p := startPipeline(t, pipelineOptions{hostArgs: []string{"--master-key", e2eMasterKey}})
	ctx := context.Background()
	old := time.Now().Add(-32 * 24 * time.Hour).UTC().Truncate(time.Second)
	gone := p.uploadAt(t, "anc/gone.mp4", "ab1234", old, "--category", "non-evidential")
	p.dockedAt(t, "AB1234", gone.ClipID, old.Add(time.Hour))
	kept := p.uploadAt(t, "anc/kept.mp4", "cd5678", time.Now().Add(-time.Hour))
	p.runSweepNow(t)
	tomb := p.record(t, "AB1234", gone.ClipID)
	if tomb.Status != clip.StatusDeleted || tomb.DeletedAt == nil {
		t.Fatalf("the sweep left %s %v; want a confirmed tombstone", tomb.Status, tomb.DeletedAt)
	}

	tg := p.target
	blobs, err := blobstore.New(blobstore.Options{Endpoint: tg.BlobEndpoint + "/", Account: tg.Account, Key: tg.Key})
	if err != nil {
		t.Fatal(err)
	}
	anchors := func() []audit.Anchor {
		t.Helper()
		stored, err := blobs.Anchors(ctx, blobstore.AnchorContainer)
		if err != nil {
			t.Fatal(err)
		}
		var out []audit.Anchor
		for _, sa := range stored {
			out = append(out, sa.Anchor)
		}
		return out
	}

	p.runTimerNow(t, "AuditAnchor")
	as := anchors()
	if len(as) != 1 || as[0].Check(true) != nil || as[0].LeafCount != 2 {
		t.Fatalf("after the first run: %+v", as)
	}
	leaves := map[string]audit.Leaf{}
	for _, l := range as[0].Leaves {
		leaves[l.ClipID] = l
	}
	keptRec := p.record(t, "CD5678", kept.ClipID)
	if leaves[gone.ClipID] != audit.LeafOf(tomb.ID, tomb.Audit.Seq, tomb.Audit.Hash) ||
		leaves[kept.ClipID] != audit.LeafOf(keptRec.ID, keptRec.Audit.Seq, keptRec.Audit.Hash) {
		t.Fatalf("anchored leaves %+v; want the records' heads %+v and %+v", as[0].Leaves, tomb.Audit, keptRec.Audit)
	}
	trail, err := p.clients.Records.ListAudit(ctx, gone.ClipID)
	if err != nil {
		t.Fatal(err)
	}
	if last := trail[len(trail)-1]; last.Seq != tomb.Audit.Seq || last.Action != audit.ActionDeletionConfirmed {
		t.Fatalf("the tombstone's anchored head is entry %d %s; want its deletion-confirmed entry", last.Seq, last.Action)
	}

	// Nothing changed: no new anchor. A hold on kept: the next run anchors it.
	p.runTimerNow(t, "AuditAnchor")
	if n := len(anchors()); n != 1 {
		t.Fatalf("a run with nothing new wrote an anchor: %d anchors", n)
	}
	p.changeClip(t, kept.ClipID, "set-legal-hold", map[string]any{"justification": "civil claim, ref LIT/2026/91", "actor": "DPO Jones"})
	p.runTimerNow(t, "AuditAnchor")
	as = anchors()
	keptRec = p.record(t, "CD5678", kept.ClipID)
	if len(as) != 2 || audit.CheckLink(&as[0], as[1]) != nil || as[1].Check(true) != nil || as[1].LeafCount != 1 ||
		as[1].Leaves[0] != audit.LeafOf(keptRec.ID, keptRec.Audit.Seq, keptRec.Audit.Hash) {
		t.Fatalf("after the hold: %+v", as)
	}

	stdout, stderr, code := p.cli("audit", "verify", "--all")
	if code != 0 || !contains(stdout, "ok      anchor chain", "2 chains checked, 0 broken, 0 with entries not yet anchored") {
		t.Fatalf("bwv audit verify --all: exit %d\nstdout: %q\nstderr: %q", code, stdout, stderr)
	}
	dir := t.TempDir()
	proof, trailFile := filepath.Join(dir, "proof.json"), filepath.Join(dir, "trail.json")
	if stdout, stderr, code = p.cli("audit", "proof", gone.ClipID, "--out", proof, "--trail", trailFile); code != 0 {
		t.Fatalf("bwv audit proof: exit %d\n%s%s", code, stdout, stderr)
	}
	// Offline: no settings, no services needed.
	if stdout, stderr, code = runCLI(t, "audit", "check-proof", proof, "--entries", trailFile); code != 0 || !contains(stdout, "ok      "+trailFile) {
		t.Fatalf("bwv audit check-proof: exit %d\n%s%s", code, stdout, stderr)
	}

	// The tombstone's trail rewritten from its "deleted" entry, each hash
	// recomputed, the record's head moved to the new tail.
	db := cosmosdbtest.Open(t, cosmosdb.Options{Endpoint: tg.CosmosEndpoint, Key: tg.CosmosKey, Database: tg.Database, Clips: tg.ClipsContainer, Audit: tg.AuditContainer})
	from := -1
	for i, e := range trail {
		if e.Action == audit.ActionDeleted {
			from = i
		}
	}
	if from < 1 {
		t.Fatalf("no deleted entry in %+v", trail)
	}
	head := audit.Head(trail[from-1])
	for _, e := range trail[from:] {
		e.Justification = "deleted on request" // what the forger wants the trail to say
		forged := audit.Next(gone.ClipID, head, e)
		b, _ := json.Marshal(forged)
		if err := db.ReplaceAuditDoc(ctx, gone.ClipID, forged.ID, b); err != nil {
			t.Fatal(err)
		}
		head = audit.Head(forged)
	}
	tomb.Audit = head
	if _, err := p.clients.Records.ReplaceClip(ctx, tomb); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = p.cli("audit", "verify", "--all")
	want := "BROKEN  " + gone.ClipID + " (officer AB1234): first broken link is entry " + strconv.Itoa(tomb.Audit.Seq) + " (" + audit.EntryID(gone.ClipID, tomb.Audit.Seq) + ")"
	if code != 3 || !contains(stdout, want, "2 chains checked, 1 broken", "anchor "+as[0].Name) {
		t.Fatalf("after rewriting the tombstone's trail: exit %d, want 3 and %q\n%s%s", code, want, stdout, stderr)
	}
}

// contains reports whether s holds every one of wants.
func contains(s string, wants ...string) bool {
	for _, w := range wants {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}
