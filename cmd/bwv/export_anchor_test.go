package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/internal/disclosure"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb/cosmosdbtest"
)

// TestExportCarriesAnchorProof: a bundle of an anchored clip holds
// anchor-proof.json, which bwv export verify and bwv audit check-proof
// check offline; a changed byte of the proof, or an anchored entry edited
// in the bundle, is named; a trail rewritten in the store is not exported.
func TestExportCarriesAnchorProof(t *testing.T) {
	ctx := context.Background()
	ls := startLocalStores(t, ctx)
	az, cs, st, blobs := ls.az, ls.cs, ls.st, ls.blobs
	if err := blobs.EnsureContainers(ctx, blobstore.AnchorContainer); err != nil {
		t.Fatal(err)
	}
	settings := filepath.Join(t.TempDir(), "local.settings.json")
	if err := localrun.WriteSettings(settings, map[string]string{
		"AzureWebJobsStorage": az.ConnectionString, "BWV_COSMOS_ENDPOINT": cs.Endpoint, "BWV_COSMOS_KEY": cs.Key,
	}, 0); err != nil {
		t.Fatal(err)
	}
	seed := func(name string) clip.Clip {
		t.Helper()
		content := make([]byte, 40_000)
		_, _ = rand.Read(content)
		return seedAudited(t, ctx, ls, name, content, audit.ActionReceived, audit.ActionVerified)
	}
	good, forged := seed("2026/03/01/AB1234/good.mp4"), seed("2026/03/01/AB1234/forged.mp4")
	app := &functions.App{Anchoring: functions.Anchoring{Blobs: blobs, Records: st}}
	rep, err := app.RunAnchor(ctx)
	if err != nil || rep.Leaves != 2 {
		t.Fatalf("anchor run: %+v %v", rep, err)
	}

	cmd := cli{t: t, ctx: ctx}
	bwv, expect := cmd.run, cmd.expect
	out := t.TempDir()
	code, text := bwv("export", good.ID, "--out", out, "--purpose", "MG6 disclosure", "--actor", "DC 4471 Smith", "--settings", settings)
	expect(code, text, 0, "exported "+good.ID)
	bundle := filepath.Join(out, good.ID)
	var m disclosure.Manifest
	readBundleJSON(t, bundle, disclosure.FileManifest, &m)
	if m.Anchoring.Status != disclosure.AnchoringAnchored || m.Anchoring.Anchor != rep.Written || m.Anchoring.AnchoredSeq != 2 {
		t.Fatalf("manifest anchoring %+v; want anchored in %s at entry 2", m.Anchoring, rep.Written)
	}
	code, text = bwv("export", "verify", bundle)
	expect(code, text, 0, "ok      clip "+good.ID, "the one entry 2 recorded when the content was verified; an audit anchor holds that entry",
		"WARNING no --bundle-hash given")
	ib, _ := os.ReadFile(filepath.Join(bundle, disclosure.FileIndex))
	handed := sha256.Sum256(ib)
	code, text = bwv("export", "verify", bundle, "--bundle-hash", hex.EncodeToString(handed[:]))
	expect(code, text, 0, "is the --bundle-hash handed over")
	code, text = bwv("export", "verify", "--bundle-hash", strings.Repeat("0", 64), bundle)
	expect(code, text, exitMismatch, "MISMATCH "+disclosure.MismatchBundleHash+" index.json field sha256")
	proofFile := filepath.Join(bundle, disclosure.FileAnchorProof)
	code, text = bwv("audit", "check-proof", proofFile, "--entries", filepath.Join(bundle, disclosure.FileAuditTrail))
	expect(code, text, 0, "entry 2 matches the newest anchor and every earlier one (0); 2 after it not yet anchored") // the read and the disclosed entry

	tampered := func(name string, edit func(dir string)) string {
		t.Helper()
		dir := filepath.Join(t.TempDir(), name)
		copyDir(t, bundle, dir)
		edit(dir)
		reindex(t, dir)
		return dir
	}
	// One byte of the proof's root, the index rewritten to match.
	dir := tampered("root", func(dir string) {
		p := filepath.Join(dir, disclosure.FileAnchorProof)
		b, _ := os.ReadFile(p)
		var pr audit.Proof
		_ = json.Unmarshal(b, &pr)
		root := []byte(pr.Anchor.Root)
		root[0] ^= 1
		_ = os.WriteFile(p, []byte(strings.Replace(string(b), pr.Anchor.Root, string(root), 1)), 0o644)
	})
	code, text = bwv("export", "verify", dir)
	expect(code, text, 3, disclosure.MismatchAnchorProof+" "+disclosure.FileAnchorProof+" field anchor.root")
	// The anchored entry rewritten in the bundle with its hash recomputed and
	// every later link and the record's head fixed: only the anchor tells.
	dir = tampered("trail", func(dir string) {
		var es []audit.Entry
		readBundleJSON(t, dir, disclosure.FileAuditTrail, &es)
		head := audit.Head(es[0])
		for i := 1; i < len(es); i++ {
			if i == 1 {
				es[i].Actor = "someone else"
			}
			es[i] = audit.Next(good.ID, head, es[i])
			head = audit.Head(es[i])
		}
		writeBundleJSON(t, dir, disclosure.FileAuditTrail, es)
		var rec clip.Clip
		readBundleJSON(t, dir, disclosure.FileRecord, &rec)
		rec.Audit = head
		writeBundleJSON(t, dir, disclosure.FileRecord, rec)
		var ver disclosure.Verification
		readBundleJSON(t, dir, disclosure.FileVerification, &ver)
		ver.Head = head
		writeBundleJSON(t, dir, disclosure.FileVerification, ver)
	})
	code, text = bwv("export", "verify", dir)
	expect(code, text, 3, disclosure.MismatchAnchorProof+" "+disclosure.FileAuditTrail+" entry 2 ("+audit.EntryID(good.ID, 2)+")")
	for _, c := range []string{"ENTRY_HASH_MISMATCH", "ENTRY_LINK_BROKEN", "AUDIT_HEAD_MISMATCH"} {
		if strings.Contains(text, c) {
			t.Fatalf("the forged trail is not self-consistent (%s), so the anchor check was not what caught it:\n%s", c, text)
		}
	}

	// In the store: forged's entry 2 recomputed with a new head. Export refuses.
	es, err := st.ListAudit(ctx, forged.ID)
	if err != nil {
		t.Fatal(err)
	}
	es[1].Justification = "rewritten"
	e2 := audit.Next(forged.ID, audit.Head(es[0]), es[1])
	b, _ := json.Marshal(e2)
	if err := cosmosdbtest.Open(t, ls.stOpts).ReplaceAuditDoc(ctx, forged.ID, e2.ID, b); err != nil {
		t.Fatal(err)
	}
	forged.Audit = audit.Head(e2)
	if _, err := st.ReplaceClip(ctx, forged); err != nil {
		t.Fatal(err)
	}
	code, text = bwv("export", forged.ID, "--out", out, "--purpose", "p", "--actor", "a", "--settings", settings)
	expect(code, text, 4, string(disclosure.CodeChainBroken), "disagrees with anchor "+rep.Written)
	if _, err := os.Stat(filepath.Join(out, forged.ID)); !os.IsNotExist(err) {
		t.Fatalf("a refused export left a bundle: %v", err)
	}
}
