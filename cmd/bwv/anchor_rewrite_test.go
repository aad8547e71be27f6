package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/internal/clipview"
	"github.com/bwv-ingest/bwv-ingest/internal/disclosure"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb/cosmosdbtest"
)

// A trail rewritten after it was anchored, whose forged head a later
// anchor then holds, is refused by every tool, not only by audit verify:
// audit proof --trail, check-proof --entries (the proof carries every
// anchor that held the clip) and export.
func TestLaterAnchorDoesNotVouchForARewrite(t *testing.T) {
	ctx := context.Background()
	ls := startLocalStores(t, ctx)
	raw := cosmosdbtest.Open(t, ls.stOpts)
	if err := ls.blobs.EnsureContainers(ctx, blobstore.AnchorContainer); err != nil {
		t.Fatal(err)
	}
	settings := filepath.Join(t.TempDir(), "local.settings.json")
	if err := localrun.WriteSettings(settings, map[string]string{
		"AzureWebJobsStorage": ls.az.ConnectionString, "BWV_COSMOS_ENDPOINT": ls.cs.Endpoint, "BWV_COSMOS_KEY": ls.cs.Key,
	}, 0); err != nil {
		t.Fatal(err)
	}
	content := make([]byte, 4000)
	_, _ = rand.Read(content)
	c := seedAudited(t, ctx, ls, "2026/03/01/AB1234/r.mp4", content, audit.ActionReceived, audit.ActionVerified, audit.ActionHoldSet)
	app := &functions.App{Anchoring: functions.Anchoring{Blobs: ls.blobs, Records: ls.st}}
	first, err := app.RunAnchor(ctx)
	if err != nil || first.Leaves != 1 {
		t.Fatal(first, err)
	}
	// Entries 2..3 recomputed with another actor, the head moved.
	rewriteTail(t, ctx, ls, raw, c)
	// The next run anchors the forged head.
	second, err := app.RunAnchor(ctx)
	if err != nil || second.Leaves != 1 || second.Previous != first.Written {
		t.Fatal(second, err)
	}

	cmd := cli{t: t, ctx: ctx}
	bwv, expect := cmd.run, cmd.expect
	code, out := bwv("audit", "verify", "--clip", c.ID)
	expect(code, out, exitBroken, "BROKEN  "+c.ID, first.Written)

	dir := t.TempDir()
	proofFile, trailFile := filepath.Join(dir, "p.json"), filepath.Join(dir, "t.json")
	code, out = bwv("audit", "proof", c.ID, "--out", proofFile, "--trail", trailFile)
	expect(code, out, exitBroken, "BROKEN  clip "+c.ID, audit.ProofEntriesMismatch, first.Written, "no proof written")
	if _, err := os.Stat(proofFile); !os.IsNotExist(err) {
		t.Fatalf("a proof was written for a rewritten trail: %v", err)
	}
	// The proof alone (no trail read) still carries both anchors; checked
	// against the store's trail offline, the earlier one refuses it.
	code, out = bwv("audit", "proof", c.ID, "--out", proofFile)
	expect(code, out, exitOK, "earlier anchor "+first.Written, "anchor  "+second.Written)
	cur, err := ls.st.ListAudit(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeNewJSON(trailFile, cur); err != nil {
		t.Fatal(err)
	}
	code, out = bwv("audit", "check-proof", proofFile, "--entries", trailFile)
	expect(code, out, exitBroken, "BROKEN  "+trailFile, audit.ProofEntriesMismatch, first.Written)

	outDir := t.TempDir()
	code, out = bwv("export", c.ID, "--out", outDir, "--purpose", "MG6", "--actor", "DC 1", "--settings", settings)
	expect(code, out, exitDeclined, string(disclosure.CodeChainBroken))
	if _, err := os.Stat(filepath.Join(outDir, c.ID)); !os.IsNotExist(err) {
		t.Fatalf("a bundle was written for a rewritten trail: %v", err)
	}
}

// A recorded read is anchored like a change, so erasing it shows: the
// entry deleted and the head reset, or the head moved back with the entry
// left. An entry after the head that outlived an anchor run is SUSPECT.
func TestErasedConsultationShows(t *testing.T) {
	ctx := context.Background()
	ls := startLocalStores(t, ctx)
	raw := cosmosdbtest.Open(t, ls.stOpts)
	if err := ls.blobs.EnsureContainers(ctx, blobstore.AnchorContainer); err != nil {
		t.Fatal(err)
	}
	c := seedAudited(t, ctx, ls, "x.mp4", nil, audit.ActionReceived, audit.ActionVerified)
	app := &functions.App{Anchoring: functions.Anchoring{Blobs: ls.blobs, Records: ls.st}}
	if rep, err := app.RunAnchor(ctx); err != nil || rep.Leaves != 1 {
		t.Fatal(rep, err)
	}
	v, err := clipview.Consult(ctx, ls.st, c.ID, clipview.Options{Actor: "DC 1", Purpose: "look"})
	if err != nil || v.Consulted.Seq != 3 {
		t.Fatal(v.Consulted, err)
	}
	second, err := app.RunAnchor(ctx)
	if err != nil || second.Leaves != 1 {
		t.Fatalf("the run after a recorded read anchored nothing: %+v %v", second, err)
	}
	cmd := cli{t: t, ctx: ctx}
	bwv, expect := cmd.run, cmd.expect
	code, out := bwv("audit", "verify", "--clip", c.ID)
	expect(code, out, exitOK, "3 entries, head 3, anchored")

	// The head moved back to 2, entry 3 left in place.
	cur := v.Clip
	cur.Audit = audit.Head(v.Audit[1])
	if cur, err = ls.st.ReplaceClip(ctx, cur); err != nil {
		t.Fatal(err)
	}
	code, out = bwv("audit", "verify", "--clip", c.ID)
	expect(code, out, exitBroken, "BROKEN  "+c.ID, "the head was moved back", second.Written)
	// And the read's entry deleted too.
	if err := raw.DeleteAuditDoc(ctx, c.ID, v.Consulted.ID); err != nil {
		t.Fatal(err)
	}
	code, out = bwv("audit", "verify", "--clip", c.ID)
	expect(code, out, exitBroken, "BROKEN  "+c.ID, "entries 3..3 are missing")

	// An entry after the head that no anchor holds: reported; SUSPECT when
	// it was written before the newest anchor's window closed.
	d := seedAudited(t, ctx, ls, "y.mp4", nil, audit.ActionReceived)
	if _, _, err := ls.st.AppendAudit(ctx, d.ID, d.Audit, audit.Entry{Action: audit.ActionHoldSet, Key: "interrupted", Actor: "DC 2",
		At: clip.At(time.Now().Add(-time.Hour))}); err != nil {
		t.Fatal(err)
	}
	code, out = bwv("audit", "verify", "--clip", d.ID)
	expect(code, out, exitOK, "1 entries after the head (from entry 2", "SUSPECT, written before anchor "+second.Written+" closed")
}

// A record Cosmos wrote before the newest anchor's window closed whose head
// no anchor holds was read by an anchor run and left out: verify flags it
// (here the omitting anchor is written by hand, as a faulty or subverted
// run would). Its _ts, not its updatedAt, is what counts.
func TestVerifyFlagsAHeadAnAnchorLeftOut(t *testing.T) {
	ctx := context.Background()
	ls := startLocalStores(t, ctx)
	if err := ls.blobs.EnsureContainers(ctx, blobstore.AnchorContainer); err != nil {
		t.Fatal(err)
	}
	left := seedAudited(t, ctx, ls, "left.mp4", nil, audit.ActionReceived, audit.ActionVerified)
	kept := seedAudited(t, ctx, ls, "kept.mp4", nil, audit.ActionReceived)
	// An anchor whose window closes an hour from now holds only kept.
	now := time.Now()
	a, err := audit.NewAnchor(nil, []audit.Leaf{audit.LeafOf(kept.ID, kept.Audit.Seq, kept.Audit.Hash)}, now.Add(time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if err := ls.blobs.PutAnchor(ctx, blobstore.AnchorContainer, a); err != nil {
		t.Fatal(err)
	}
	cmd := cli{t: t, ctx: ctx}
	code, out := cmd.run("audit", "verify", "--clip", left.ID)
	cmd.expect(code, out, exitBroken, "BROKEN  "+left.ID, "is in no anchor, but Cosmos wrote the record at", a.Name)
	code, out = cmd.run("audit", "verify", "--all")
	cmd.expect(code, out, exitBroken, "2 chains checked, 1 broken", "BROKEN  "+left.ID)
	code, out = cmd.run("audit", "verify", "--clip", kept.ID)
	cmd.expect(code, out, exitOK, "ok      "+kept.ID)
}

// A proof of an older anchor is tied to a hash published later through
// the headers in between (bwv audit proof --headers).
func TestCheckProofAgainstAPublishedHash(t *testing.T) {
	ctx := context.Background()
	ls := startLocalStores(t, ctx)
	if err := ls.blobs.EnsureContainers(ctx, blobstore.AnchorContainer); err != nil {
		t.Fatal(err)
	}
	a := seedAudited(t, ctx, ls, "a.mp4", nil, audit.ActionReceived)
	app := &functions.App{Anchoring: functions.Anchoring{Blobs: ls.blobs, Records: ls.st}}
	first, err := app.RunAnchor(ctx)
	if err != nil || first.Written == "" {
		t.Fatal(first, err)
	}
	seedAudited(t, ctx, ls, "b.mp4", nil, audit.ActionReceived)
	second, err := app.RunAnchor(ctx)
	if err != nil || second.Written == "" {
		t.Fatal(second, err)
	}
	newest, err := ls.blobs.ReadAnchor(ctx, blobstore.AnchorContainer, second.Written)
	if err != nil {
		t.Fatal(err)
	}
	cmd := cli{t: t, ctx: ctx}
	dir := t.TempDir()
	proof, headers := filepath.Join(dir, "p.json"), filepath.Join(dir, "h.json")
	code, out := cmd.run("audit", "proof", a.ID, "--out", proof, "--headers", headers)
	cmd.expect(code, out, exitOK, "headers "+headers+": 1 anchors after "+first.Written)
	code, out = cmd.run("audit", "check-proof", proof, "--published", newest.Hash, "--headers", headers)
	cmd.expect(code, out, exitOK, "is in the chain of the published hash "+newest.Hash)
	code, out = cmd.run("audit", "check-proof", proof, "--published", newest.Hash)
	cmd.expect(code, out, exitBroken, audit.ProofNotPublished)
	code, out = cmd.run("audit", "check-proof", proof, "--published", strings.Repeat("0", 64), "--headers", headers)
	cmd.expect(code, out, exitBroken, audit.ProofNotPublished)
}

// rewriteTail plays someone with database access: the entries from 2 on
// recomputed with another actor, every hash valid, and the record's head
// moved to the new tail. It returns the record as written.
func rewriteTail(t *testing.T, ctx context.Context, ls localStores, raw *cosmosdbtest.DB, c clip.Clip) clip.Clip {
	t.Helper()
	es, err := ls.st.ListAudit(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	h := audit.Head(es[0])
	for _, e := range es[1:] {
		e.Actor = "someone else"
		f := audit.Next(c.ID, h, e)
		body, _ := json.Marshal(f)
		if err := raw.ReplaceAuditDoc(ctx, c.ID, f.ID, body); err != nil {
			t.Fatal(err)
		}
		h = audit.Head(f)
	}
	c.Audit = h
	if c, err = ls.st.ReplaceClip(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}
