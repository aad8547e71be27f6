package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/clipview"
	"github.com/bwv-ingest/bwv-ingest/internal/disclosure"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb/cosmosdbtest"
)

// storeSettings writes a local.settings.json that points the CLI at ls.
func storeSettings(t *testing.T, ls localStores) string {
	t.Helper()
	settings := filepath.Join(t.TempDir(), "local.settings.json")
	if err := localrun.WriteSettings(settings, map[string]string{
		"AzureWebJobsStorage": ls.az.ConnectionString, "BWV_COSMOS_ENDPOINT": ls.cs.Endpoint, "BWV_COSMOS_KEY": ls.cs.Key,
	}, 0); err != nil {
		t.Fatal(err)
	}
	return settings
}

// storedClip uploads content to Azurite and records it on the local Cosmos
// server as verified with the given recorded SHA-256 ("" = the content's),
// with a received and a verified entry; quarantined moves the content to
// the quarantine container first, as ClipVerify does.
func storedClip(t *testing.T, ctx context.Context, ls localStores, name string, content []byte, recorded string, quarantined bool) clip.Clip {
	t.Helper()
	sum := sha256.Sum256(content)
	if recorded == "" {
		recorded = hex.EncodeToString(sum[:])
	}
	r, err := ls.blobs.Client().UploadBuffer(ctx, "uploads", name, content, nil)
	if err != nil {
		t.Fatal(err)
	}
	etag := clip.NormalizeETag(string(*r.ETag))
	start := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	c := clip.Clip{ID: clip.ID(ls.az.Account, "uploads", name, etag), Type: clip.DocTypeClip, OfficerID: "AB1234", DeviceID: "CAM-0042", StationID: "STN-07",
		RecordedStart: clip.Ptr(start), RecordedEnd: clip.Ptr(start.Add(5 * time.Minute)), ReceivedAt: clip.At(start.Add(time.Hour)),
		VerifiedAt: clip.Ptr(start.Add(61 * time.Minute)), Categories: []string{"evidential"}, IncidentRefs: []string{"01YX1234526"},
		Status: clip.StatusVerified, Reasons: []clip.Reason{},
		Blob:      clip.BlobRef{Account: ls.az.Account, Container: "uploads", Name: name, ETag: etag, Size: int64(len(content))},
		SHA256:    clip.Hashes{Declared: hex.EncodeToString(sum[:]), Computed: recorded},
		Retention: clip.Retention{PolicyVersion: "2026-01", Rule: "evidential", RetainUntil: clip.Ptr(start.AddDate(7, 0, 0)), LegalHold: true}}
	action := audit.ActionVerified
	if quarantined {
		q, err := ls.blobs.Move(ctx, "uploads", name, etag, "quarantine", blobstore.QuarantineName(c.ID, name))
		if err != nil {
			t.Fatal(err)
		}
		c.Status, c.Quarantine, action = clip.StatusQuarantined, &q, audit.ActionQuarantined
		c.Reasons = []clip.Reason{{Code: "HASH_MISMATCH", Message: "the dock's SHA-256 differs"}}
		c.SHA256.Declared = strings.Repeat("0", 64)
	}
	for _, a := range []string{audit.ActionReceived, action} {
		_, head, err := ls.st.AppendAudit(ctx, c.ID, c.Audit, audit.Entry{Action: a, Key: a, Actor: "system:test", At: clip.At(start)})
		if err != nil {
			t.Fatal(err)
		}
		c.Audit = head
	}
	if c, err = ls.st.CreateClip(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClipShow drives bwv clip show against Azurite and the local Cosmos
// server: every read appends a consulted entry with actor and purpose
// before anything is shown (a refused command line appends nothing);
// --rehash matches for intact content, upload or quarantine copy, and
// exits 3 with its code when the recorded SHA-256 differs or the blob was
// replaced; a broken chain is shown with its first broken link and exits 3.
func TestClipShow(t *testing.T) {
	ctx := context.Background()
	ls := startLocalStores(t, ctx)
	settings := storeSettings(t, ls)
	content := bytes.Repeat([]byte("body-worn video "), 300_000) // 4.8 MB: several progress lines
	good := storedClip(t, ctx, ls, "2026/03/01/AB1234/good.mp4", content, "", false)
	cmd := cli{t: t, ctx: ctx}
	trail := func(id string) []audit.Entry {
		t.Helper()
		es, err := ls.st.ListAudit(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}

	// Refused before any read: no entry appended.
	for _, args := range [][]string{
		{"clip", "show", good.ID, "--actor", "DC 4471 Smith", "--settings", settings},
		{"clip", "show", good.ID, "--purpose", "case 01YX1234526", "--settings", settings},
		{"clip", "show", good.ID, "--actor", "DC 4471 Smith", "--purpose", "tab\there", "--settings", settings},
	} {
		code, out := cmd.run(args...)
		cmd.expect(code, out, exitUsage, string(clipview.CodeInputInvalid))
	}
	if n := len(trail(good.ID)); n != 2 {
		t.Fatalf("%d entries after refused reads, want 2", n)
	}

	code, out := cmd.run("clip", "show", good.ID, "--actor", "DC 4471 Smith", "--purpose", "case 01YX1234526", "--rehash", "--settings", settings)
	cmd.expect(code, out, exitOK, "officer", "AB1234", "STN-07", "CAM-0042", "01YX1234526", clipview.Field("legal hold", "yes"),
		clipview.Field("recorded SHA-256", good.SHA256.Computed), "(matches)", clipview.Field("chain", "verified as a chain: 3 entries, head 3 (not checked against the audit anchors: bwv audit verify --clip "+good.ID+")"),
		"matches the recorded SHA-256: 4800000 bytes of upload uploads/"+good.Blob.Name,
		"DC 4471 Smith (not authenticated)", "case 01YX1234526  ← this consultation", "100%")
	es := trail(good.ID)
	last := es[len(es)-1]
	if len(es) != 3 || last.Action != audit.ActionConsulted || last.Actor != "DC 4471 Smith" || last.ActorAuthenticated ||
		last.Justification != "case 01YX1234526" || last.Details[clipview.ToolDetail] != "bwv clip show" ||
		last.Details[clipview.RehashDetail] != "true" || last.Details[disclosure.DetailContent] != disclosure.ContentRead {
		t.Fatalf("trail after clip show --rehash (the entry must say the footage was read): %+v", es)
	}
	rec, err := ls.st.GetClip(ctx, good.OfficerID, good.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Audit.Seq != 3 || audit.Verify(rec.ID, es, rec.Audit) != nil {
		t.Fatalf("record head %+v after clip show; want it on the consulted entry, chain verifying", rec.Audit)
	}

	// JSON: the same view, a second consulted entry.
	var errb bytes.Buffer
	var jb bytes.Buffer
	if code := run(ctx, []string{"clip", "show", good.ID, "--officer", "ab1234", "--actor", "PS 12 Jones", "--purpose", "FOI 2026/77", "--output", "json", "--settings", settings}, &jb, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var v clipview.View
	if err := json.Unmarshal(jb.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if _, ok := v.Consulted.Details[clipview.RehashDetail]; ok {
		t.Fatalf("a read without --rehash recorded as a rehash: %+v", v.Consulted)
	}
	if !v.Chain.Verified || v.Chain.AnchorsChecked || len(v.Audit) != 4 || v.Consulted.Seq != 4 || v.Consulted.Actor != "PS 12 Jones" || v.Clip.Audit.Seq != 4 {
		t.Fatalf("json view: chain %+v, %d entries, consulted %+v", v.Chain, len(v.Audit), v.Consulted)
	}

	// The quarantine copy is what is re-read for a quarantined clip.
	q := storedClip(t, ctx, ls, "2026/03/01/AB1234/quarantined.mp4", content[:70_001], "", true)
	code, out = cmd.run("clip", "show", q.ID, "--actor", "DC 4471 Smith", "--purpose", "review", "--rehash", "--settings", settings)
	cmd.expect(code, out, exitOK, "HASH_MISMATCH", "(DIFFERS from the recorded SHA-256)", "matches the recorded SHA-256: 70001 bytes of quarantine quarantine/")

	// A recorded SHA-256 the content does not have.
	bad := storedClip(t, ctx, ls, "2026/03/01/AB1234/bad.mp4", content[:1<<20], strings.Repeat("ab", 32), false)
	code, out = cmd.run("clip", "show", bad.ID, "--actor", "DC 4471 Smith", "--purpose", "check", "--rehash", "--settings", settings)
	cmd.expect(code, out, exitIntegrity, string(clipview.CodeHashMismatch), "MISMATCH: 1048576 bytes")

	// The blob replaced after it was recorded (another ETag).
	if _, err := ls.blobs.Client().UploadBuffer(ctx, "uploads", good.Blob.Name, []byte("replaced"), nil); err != nil {
		t.Fatal(err)
	}
	code, out = cmd.run("clip", "show", good.ID, "--actor", "DC 4471 Smith", "--purpose", "check", "--rehash", "--settings", settings)
	cmd.expect(code, out, exitIntegrity, string(clipview.CodeContentChanged))

	// An edited entry: shown, with the first broken link, exit 3.
	victim := trail(q.ID)[0]
	victim.Actor = "someone else"
	b, _ := json.Marshal(victim)
	if err := cosmosdbtest.Open(t, ls.stOpts).ReplaceAuditDoc(ctx, q.ID, victim.ID, b); err != nil {
		t.Fatal(err)
	}
	code, out = cmd.run("clip", "show", q.ID, "--actor", "DC 4471 Smith", "--purpose", "check", "--settings", settings)
	cmd.expect(code, out, exitIntegrity, "BROKEN at entry 1 ("+victim.ID+")", string(clipview.CodeChainBroken))

	code, out = cmd.run("clip", "show", "no-such-clip", "--actor", "DC 4471 Smith", "--purpose", "check", "--settings", settings)
	cmd.expect(code, out, exitNoClip, string(clipview.CodeNotFound))
}

// TestConcurrentConsultationsAreEachRecordedOnce: readers racing on one
// clip (and a writer moving its head) each get exactly one consulted
// entry, and the chain still verifies.
func TestConcurrentConsultationsAreEachRecordedOnce(t *testing.T) {
	ctx := context.Background()
	ls := startLocalStores(t, ctx)
	c := storedClip(t, ctx, ls, "2026/03/01/AB1234/race.mp4", []byte("race"), "", false)
	// Fewer readers than maxAttempts: each lost race means another reader won,
	// so every reader is recorded within its attempts.
	const readers = 4
	errs := make(chan error, readers)
	for i := range readers {
		go func() {
			_, err := clipview.Consult(ctx, ls.st, c.ID, clipview.Options{Actor: "reader", Purpose: "race " + string(rune('a'+i))})
			errs <- err
		}()
	}
	for range readers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	es, err := ls.st.ListAudit(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ls.st.GetClip(ctx, c.OfficerID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	purposes := map[string]int{}
	for _, e := range es {
		if e.Action == audit.ActionConsulted {
			purposes[e.Justification]++
		}
	}
	if len(purposes) != readers || len(es) != 2+readers || rec.Audit.Seq != len(es) || audit.Verify(c.ID, es, rec.Audit) != nil {
		t.Fatalf("after %d concurrent reads: %d entries, consulted %v, head %+v", readers, len(es), purposes, rec.Audit)
	}
	for p, n := range purposes {
		if n != 1 {
			t.Errorf("%q recorded %d times", p, n)
		}
	}
}
