package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb/cosmosdbtest"
)

// TestAuditAnchorsCatchRewrites anchors real trails (Azurite and the local
// Cosmos server), then does what a writer with database access could do
// unseen before anchoring — recompute a tail with a new head, delete a
// whole trail and reset the head, delete a record and its trail — and
// checks that bwv audit verify names the clip and the entry each time,
// while entries written after the anchor are only "not yet anchored".
func TestAuditAnchorsCatchRewrites(t *testing.T) {
	ctx := context.Background()
	ls := startLocalStores(t, ctx)
	st, blobs := ls.st, ls.blobs
	raw := cosmosdbtest.Open(t, ls.stOpts)
	if err := blobs.EnsureContainers(ctx, blobstore.AnchorContainer); err != nil {
		t.Fatal(err)
	}
	seed := func(name string, n int) clip.Clip {
		t.Helper()
		actions := make([]string, n)
		for i := range actions {
			actions[i] = audit.ActionReceived
		}
		return seedAudited(t, ctx, ls, name, nil, actions...)
	}
	a, b, c, d := seed("a.mp4", 3), seed("b.mp4", 4), seed("c.mp4", 2), seed("d.mp4", 2)
	app := &functions.App{Anchoring: functions.Anchoring{Blobs: blobs, Records: st}}
	rep, err := app.RunAnchor(ctx)
	if err != nil || rep.Leaves != 4 || rep.Seq != 1 {
		t.Fatalf("first anchor run: %+v %v", rep, err)
	}
	// Nothing moved: a second run writes nothing (no fork, no empty anchor).
	if again, err := app.RunAnchor(ctx); err != nil || again.Written != "" || again.Previous != rep.Written {
		t.Fatalf("second run: %+v %v", again, err)
	}

	cmd := cli{t: t, ctx: ctx}
	bwv, expect := cmd.run, cmd.expect
	code, out := bwv("audit", "verify", "--all")
	expect(code, out, 0, "ok      anchor chain", "4 chains checked, 0 broken")
	code, out = bwv("audit", "verify", "--clip", a.ID)
	expect(code, out, 0, "ok      "+a.ID, "3 entries, head 3, anchored")

	// One more entry on a: checked as a chain, not yet anchored.
	_, head, err := st.AppendAudit(ctx, a.ID, a.Audit, audit.Entry{Action: audit.ActionHoldSet, Key: "hold", Actor: "DC 1", At: clip.At(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	a.Audit = head
	if a, err = st.ReplaceClip(ctx, a); err != nil {
		t.Fatal(err)
	}
	code, out = bwv("audit", "verify", "--clip", a.ID)
	expect(code, out, 0, "anchored to entry 3, 1 not yet anchored")

	// The proof of a's anchored head, checked offline with its trail.
	dir := t.TempDir()
	proofFile, trailFile := filepath.Join(dir, "proof.json"), filepath.Join(dir, "trail.json")
	code, out = bwv("audit", "proof", a.ID, "--out", proofFile, "--trail", trailFile)
	expect(code, out, 0, "leaf    clip "+a.ID+" seq 3", "anchor  "+rep.Written, "url     http")
	code, out = bwv("audit", "check-proof", proofFile, "--entries", trailFile)
	expect(code, out, 0, "ok      "+proofFile, "entry 3 matches the newest anchor and every earlier one (0); 1 after it not yet anchored")

	// b: the tail from entry 2 recomputed by someone with database access,
	// every hash valid and the record's head moved to the new tail.
	b = rewriteTail(t, ctx, ls, raw, b)
	code, out = bwv("audit", "verify", "--chain-only", "--clip", b.ID)
	expect(code, out, 0, "ok      "+b.ID) // what verify said before anchoring: the rewrite is a valid chain
	code, out = bwv("audit", "verify", "--clip", b.ID)
	expect(code, out, 3, "BROKEN  "+b.ID, "entry 4 ("+audit.EntryID(b.ID, 4)+")", "anchor "+rep.Written)

	// c: every entry deleted and the head reset.
	for seq := 1; seq <= 2; seq++ {
		if err := raw.DeleteAuditDoc(ctx, c.ID, audit.EntryID(c.ID, seq)); err != nil {
			t.Fatal(err)
		}
	}
	c.Audit = clip.AuditHead{}
	if c, err = st.ReplaceClip(ctx, c); err != nil {
		t.Fatal(err)
	}
	// d: the record and its trail deleted.
	for seq := 1; seq <= 2; seq++ {
		if err := raw.DeleteAuditDoc(ctx, d.ID, audit.EntryID(d.ID, seq)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteClip(ctx, d.OfficerID, d.ID, d.ETag); err != nil {
		t.Fatal(err)
	}
	code, out = bwv("audit", "verify", "--all")
	expect(code, out, 3, "4 chains checked, 3 broken",
		"BROKEN  "+b.ID, "BROKEN  "+c.ID+" (officer AB1234): first broken link is entry 1 ("+audit.EntryID(c.ID, 1)+"): entries 1..2 are missing",
		"BROKEN  "+d.ID+" (officer ? (record missing)): first broken link is entry 1")
	if strings.Contains(out, "BROKEN  "+a.ID) {
		t.Fatalf("the intact clip is reported broken:\n%s", out)
	}

	// One changed byte of the proof's leaf, path or root fails the offline check.
	orig, err := os.ReadFile(proofFile)
	if err != nil {
		t.Fatal(err)
	}
	var p audit.Proof
	if err := json.Unmarshal(orig, &p); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, old, code string }{
		{"leaf", p.Leaf.Hash, audit.ProofLeafMismatch},
		{"path", p.Path[0], audit.ProofRootMismatch},
		{"root", p.Anchor.Root, audit.ProofRootMismatch},
	} {
		changed := []byte(tt.old)
		changed[10] ^= 1 // one hex digit, one byte of the file
		edited := strings.Replace(string(orig), tt.old, string(changed), 1)
		f := filepath.Join(dir, tt.name+".json")
		if err := os.WriteFile(f, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out = bwv("audit", "check-proof", f)
		expect(code, out, 3, "BROKEN  "+f+" "+tt.code)
	}
	// The genuine proof against the forged trail of another clip is refused,
	// and against a's own trail with an edited anchored entry too.
	var trail []audit.Entry
	if b, err := os.ReadFile(trailFile); err != nil || json.Unmarshal(b, &trail) != nil {
		t.Fatalf("trail: %v", err)
	}
	trail[2].Justification = "edited"
	edited, _ := json.Marshal(trail)
	if err := os.WriteFile(trailFile+".edited", edited, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out = bwv("audit", "check-proof", proofFile, "--entries", trailFile+".edited")
	expect(code, out, 3, audit.ProofEntriesBroken, "entry 3")
	code, out = bwv("audit", "check-proof", filepath.Join(dir, "absent.json"))
	expect(code, out, 1, codeProofUnreadable)
	code, out = bwv("audit", "proof", strings.Repeat("9", 40), "--out", filepath.Join(dir, "none.json"))
	expect(code, out, 3, codeNotAnchored)

	// The anchor chain itself: an anchor overwritten in place (Azure's
	// locked policy forbids it; Azurite cannot) fails the chain check.
	an, err := blobs.ReadAnchor(ctx, blobstore.AnchorContainer, rep.Written)
	if err != nil {
		t.Fatal(err)
	}
	an.Leaves[0].Seq++
	body, _ := json.Marshal(an)
	if _, err := blobs.Client().UploadBuffer(ctx, blobstore.AnchorContainer, rep.Written, body, nil); err != nil {
		t.Fatal(err)
	}
	code, out = bwv("audit", "verify", "--clip", a.ID)
	expect(code, out, 3, "BROKEN  anchor chain: anchor "+rep.Written+": "+audit.AnchorRootMismatch)
}

// seedAudited writes a verified clip record, updated now, whose trail has
// one entry per action. With content, the clip's blob is uploaded and the
// record holds its ETag, size and SHA-256 (an exportable clip).
func seedAudited(t *testing.T, ctx context.Context, ls localStores, name string, content []byte, actions ...string) clip.Clip {
	t.Helper()
	start := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	c := clip.Clip{Type: clip.DocTypeClip, OfficerID: "AB1234", ReceivedAt: clip.At(start),
		Categories: []string{"evidential"}, IncidentRefs: []string{}, Status: clip.StatusVerified, UpdatedAt: clip.At(time.Now())}
	etag := "0x1"
	if content != nil {
		r, err := ls.blobs.Client().UploadBuffer(ctx, "uploads", name, content, nil)
		if err != nil {
			t.Fatal(err)
		}
		etag = clip.NormalizeETag(string(*r.ETag))
		sum := sha256.Sum256(content)
		c.Blob = clip.BlobRef{Account: ls.az.Account, Container: "uploads", Name: name, ETag: etag, Size: int64(len(content))}
		c.SHA256 = clip.Hashes{Declared: hex.EncodeToString(sum[:]), Computed: hex.EncodeToString(sum[:])}
	}
	c.ID = clip.ID(ls.az.Account, "uploads", name, etag)
	for i, a := range actions {
		var details map[string]string
		if a == audit.ActionVerified && c.SHA256.Computed != "" {
			details = map[string]string{"sha256": c.SHA256.Computed} // as ClipVerify records it
		}
		_, head, err := ls.st.AppendAudit(ctx, c.ID, c.Audit, audit.Entry{Action: a, Key: fmt.Sprint(a, i), Actor: "system:test", At: clip.At(start), Details: details})
		if err != nil {
			t.Fatal(err)
		}
		c.Audit = head
	}
	c, err := ls.st.CreateClip(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
