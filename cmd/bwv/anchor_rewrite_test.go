package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/internal/disclosure"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
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
	if _, err := ls.st.ReplaceClip(ctx, c); err != nil {
		t.Fatal(err)
	}
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
