package disclosure

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// fakeRecords is an in-memory store with AppendAudit's head condition.
type fakeRecords struct {
	c          clip.Clip
	entries    []audit.Entry
	replaceErr error
}

func (f *fakeRecords) FindClip(_ context.Context, id string) (clip.Clip, error) {
	if id != f.c.ID {
		return clip.Clip{}, clip.Errorf(clip.NotFound, clip.CodeClipNotFound, "no clip %s", id)
	}
	return f.c, nil
}
func (f *fakeRecords) GetClip(ctx context.Context, _, id string) (clip.Clip, error) {
	return f.FindClip(ctx, id)
}
func (f *fakeRecords) ListAudit(context.Context, string) ([]audit.Entry, error) {
	return append([]audit.Entry(nil), f.entries...), nil
}
func (f *fakeRecords) AppendAudit(_ context.Context, id string, head clip.AuditHead, e audit.Entry) (audit.Entry, clip.AuditHead, error) {
	if head.Seq != len(f.entries) {
		return audit.Entry{}, head, clip.Errorf(clip.Conflict, clip.CodeConcurrentUpdate, "stale head")
	}
	n := audit.Next(id, head, e)
	f.entries = append(f.entries, n)
	return n, audit.Head(n), nil
}
func (f *fakeRecords) ReplaceClip(_ context.Context, c clip.Clip) (clip.Clip, error) {
	if f.replaceErr != nil {
		return c, f.replaceErr
	}
	f.c = c
	return c, nil
}

type fakeBlobs struct {
	content []byte
	failAt  int // >0: fail after writing this many bytes
}

func (b fakeBlobs) Download(_ context.Context, _, _, _, _ string, w io.Writer) (int64, error) {
	if b.failAt > 0 {
		n, _ := w.Write(b.content[:b.failAt])
		return int64(n), clip.Errorf(clip.Transient, clip.CodeStorageUnavailable, "connection reset")
	}
	n, err := io.Copy(w, bytes.NewReader(b.content))
	return n, err
}

// newFixture is a verified clip whose trail starts with a legacy (form 0)
// entry followed by a form-1 entry, as chains written before forms existed.
func newFixture(t *testing.T) (*fakeRecords, fakeBlobs) {
	t.Helper()
	content := bytes.Repeat([]byte("bwv-footage."), 10_000)
	sum := sha256.Sum256(content)
	id := strings.Repeat("ab", 20)
	at := clip.At(time.Date(2026, 3, 1, 14, 5, 0, 0, time.UTC))
	legacy := audit.Entry{ID: audit.EntryID(id, 1), ClipID: id, Type: audit.DocType, Seq: 1, Action: audit.ActionReceived,
		Key: "ingest", Actor: "system:ClipIngest", At: at}
	legacy.Hash = audit.Hash(legacy)
	verified := audit.Next(id, audit.Head(legacy), audit.Entry{Action: audit.ActionVerified, Key: "verify", Actor: "system:ClipVerify", At: at,
		Details: map[string]string{DetailContentSHA256: hex.EncodeToString(sum[:])}})
	c := clip.Clip{ID: id, Type: clip.DocTypeClip, OfficerID: "AB1234", Status: clip.StatusVerified,
		Blob:   clip.BlobRef{Container: "uploads", Name: "a/b/c.mp4", ETag: "0x1", Size: int64(len(content))},
		SHA256: clip.Hashes{Declared: hex.EncodeToString(sum[:]), Computed: hex.EncodeToString(sum[:])},
		Audit:  audit.Head(verified)}
	return &fakeRecords{c: c, entries: []audit.Entry{legacy, verified}}, fakeBlobs{content: content}
}

func opts(out string) Options {
	return Options{Out: out, Purpose: "CPS", Actor: "DC 1 Test", Destination: "CPS"}
}

func TestExportVerifiesWithLegacyAndV1Entries(t *testing.T) {
	recs, blobs := newFixture(t)
	out := t.TempDir()
	res, err := Export(context.Background(), recs, blobs, recs.c.ID, opts(out))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(res.Dir)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep.Findings)
	}
	if rep.BundleHash != res.BundleHash || rep.Entries != 4 {
		t.Fatalf("report %+v, export %+v", rep, res)
	}
	if got := recs.entries[2]; got.Action != audit.ActionConsulted || got.Details[DetailContent] != ContentRead || got.Actor != "DC 1 Test" {
		t.Fatalf("the read before the download: %+v", got)
	}
	if got := recs.entries[3]; got.Action != ActionDisclosed || got.ActorAuthenticated || got.Details[DetailContentHash] != res.ContentHash {
		t.Fatalf("disclosed entry %+v", got)
	}
	// Editing the legacy entry is named (its form-0 hash is recomputed).
	p := filepath.Join(res.Dir, FileAuditTrail)
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte("system:ClipIngest"), []byte("system:ClipIngesT"), 1), 0o644)
	rep, _ = Verify(res.Dir)
	want := "ENTRY_HASH_MISMATCH audit-trail.json entry 1 (" + recs.c.ID + ":000001) field hash"
	if !hasFinding(rep, want) {
		t.Fatalf("want %q in %v", want, rep.Findings)
	}
}

func TestFailedExportLeavesNoBundle(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate  func(*fakeRecords, *fakeBlobs)
		code    reason.Code
		entries int // in the trail afterwards
	}{
		// Footage was read: the consulted entry written before the
		// download stays, so the read is on the record.
		"download cut":    {func(_ *fakeRecords, b *fakeBlobs) { b.failAt = 1000 }, CodeStoreFailed, 3},
		"content changed": {func(_ *fakeRecords, b *fakeBlobs) { b.content = append([]byte("x"), b.content[1:]...) }, CodeContentMismatch, 3},
		"record conflict": {func(r *fakeRecords, _ *fakeBlobs) {
			r.replaceErr = clip.Errorf(clip.Conflict, clip.CodeConcurrentUpdate, "412")
		}, CodeStoreFailed, 3},
		"not exportable": {func(r *fakeRecords, _ *fakeBlobs) { r.c.Status = clip.StatusReceived }, CodeClipNotExportable, 2},
		"chain broken":   {func(r *fakeRecords, _ *fakeBlobs) { r.entries[1].Actor = "edited" }, CodeChainBroken, 2},
		"unknown clip":   {func(r *fakeRecords, _ *fakeBlobs) { r.c.ID = strings.Repeat("cd", 20) }, CodeClipNotFound, 2},
	} {
		t.Run(name, func(t *testing.T) {
			recs, blobs := newFixture(t)
			id := recs.c.ID
			tc.mutate(recs, &blobs)
			out := t.TempDir()
			_, err := Export(context.Background(), recs, blobs, id, opts(out))
			if !errors.Is(err, &reason.Error{Code: tc.code}) {
				t.Fatalf("err %v, want code %s", err, tc.code)
			}
			if ents, _ := os.ReadDir(out); len(ents) != 0 {
				t.Fatalf("left %v", ents)
			}
			if len(recs.entries) != tc.entries {
				t.Fatalf("%d entries, want %d", len(recs.entries), tc.entries)
			}
			if n := len(recs.entries); n == 3 && (recs.entries[2].Action != audit.ActionConsulted || recs.entries[2].Details[DetailContent] != ContentRead) {
				t.Fatalf("entry 3 %+v, want the consulted entry recording the read", recs.entries[2])
			}
		})
	}
}

func TestInputErrors(t *testing.T) {
	recs, blobs := newFixture(t)
	for _, o := range []Options{{Out: t.TempDir(), Actor: "a"}, {Out: t.TempDir(), Purpose: "p"}, {Purpose: "p", Actor: "a"}} {
		if _, err := Export(context.Background(), recs, blobs, recs.c.ID, o); reason.CodeOf(err) != CodeInputInvalid {
			t.Fatalf("%+v: %v", o, err)
		}
	}
	if _, err := Export(context.Background(), recs, blobs, "../x", opts(t.TempDir())); reason.CodeOf(err) != CodeInputInvalid {
		t.Fatalf("path in id: %v", err)
	}
}

func hasFinding(r Report, s string) bool {
	for _, f := range r.Findings {
		if strings.HasPrefix(f.String(), s) {
			return true
		}
	}
	return false
}

// A bundle re-hashed around other content: the clip file swapped, and the
// record, manifest, content.sha256, disclosed entry, head, SHA256SUMS and
// index all recomputed to match (what an export from a record whose
// sha256 was rewritten produces). The verified entry, which keeps the
// SHA-256 ClipVerify computed and which an anchor holds, still names it.
func TestVerifyTiesTheClipToTheVerifiedEntry(t *testing.T) {
	recs, blobs := newFixture(t)
	orig := recs.c.SHA256.Computed
	blobs.content = bytes.Repeat([]byte("other footage"), 9_000)
	sum := sha256.Sum256(blobs.content)
	recs.c.SHA256 = clip.Hashes{Declared: hex.EncodeToString(sum[:]), Computed: hex.EncodeToString(sum[:])}
	recs.c.Blob.Size = int64(len(blobs.content))
	res, err := Export(context.Background(), recs, blobs, recs.c.ID, opts(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "CLIP_HASH_MISMATCH audit-trail.json entry 2 (" + recs.c.ID + ":000002) field details.sha256"
	if !hasFinding(rep, want) || !strings.Contains(rep.Findings[0].Message, orig) || len(rep.Findings) != 1 {
		t.Fatalf("want only %q naming %s, got %v", want, orig, rep.Findings)
	}
	if rep.ContentSeq != 2 || rep.ContentAnchored {
		t.Fatalf("content entry %d anchored %v, want 2, not anchored (no anchors here)", rep.ContentSeq, rep.ContentAnchored)
	}
	// The honest bundle names the same entry and passes.
	recs, blobs = newFixture(t)
	res, err = Export(context.Background(), recs, blobs, recs.c.ID, opts(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if rep, err = Verify(res.Dir); err != nil || !rep.OK() || rep.ContentSeq != 2 {
		t.Fatalf("honest bundle: %v %+v", err, rep)
	}
}
