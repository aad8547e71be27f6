package functions_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// versionRecordingBlobs is a fake: Azurite has no blob versions, so this
// wrapper records the version id the sweep asks DeleteVersion to delete,
// deletes the current blob on Azurite for real, and reports the version
// deleted, as Azure would.
type versionRecordingBlobs struct {
	*blobstore.Store
	mu    sync.Mutex
	asked map[string]string // blob name → version id asked for
}

func (b *versionRecordingBlobs) DeleteVersion(ctx context.Context, container, name, etag, versionID string) (clip.BlobDeleted, error) {
	b.mu.Lock()
	b.asked[name] = versionID
	b.mu.Unlock()
	d, err := b.Store.DeleteVersion(ctx, container, name, etag, "")
	d.VersionDeleted = versionID != ""
	return d, err
}

// TestSweepDeletesTheRecordedVersion: where the account keeps versions,
// deleting the current blob leaves it as a previous version kept forever,
// so the sweep deletes the recorded version by id: the quarantine copy's
// version, and the upload's version also when the current upload was
// already gone.
func TestSweepDeletesTheRecordedVersion(t *testing.T) {
	p := shortPolicy(t, "test-2026.1", 31)
	e := newRetEnv(t, p)
	ctx := context.Background()
	fake := &versionRecordingBlobs{Store: e.blobs, asked: map[string]string{}}
	e.app.Blobs = fake
	start := e.now.Add(-3 * 365 * 24 * time.Hour)

	q := e.seed(p, "ver/quarantined.mp4", seedSpec{officer: "VR1", start: start, categories: []string{"non-evidential"}, refs: []string{}, status: clip.StatusQuarantined, quarantined: true})
	q.Quarantine.VersionID = "2026-01-01T00:00:00.0000001Z"
	if _, err := e.records.ReplaceClip(ctx, q); err != nil {
		t.Fatal(err)
	}
	g := e.seed(p, "ver/gone.mp4", seedSpec{officer: "VR1", start: start, categories: []string{"non-evidential"}, refs: []string{}, status: clip.StatusVerified})
	g.Blob.VersionID = "2026-01-01T00:00:00.0000002Z"
	if _, err := e.records.ReplaceClip(ctx, g); err != nil {
		t.Fatal(err)
	}
	if _, err := e.blobs.DeleteVersion(ctx, "uploads", "ver/gone.mp4", g.Blob.ETag, ""); err != nil {
		t.Fatal(err) // the current upload is gone (lifecycle rule, a person); its version is not
	}

	rep := e.sweep(functions.SweepOptions{RunID: "run-version"})
	for _, k := range []struct {
		c    clip.Clip
		name string
		want string
	}{{q, "ver/quarantined.mp4", q.Quarantine.VersionID}, {g, "ver/gone.mp4", g.Blob.VersionID}} {
		got := e.get(k.c)
		if got.Status != clip.StatusDeleted || got.DeletedAt == nil {
			t.Fatalf("%s: status %s deletedAt %v (report %+v)", k.name, got.Status, got.DeletedAt, rep)
		}
		fake.mu.Lock()
		v, ok := fake.asked[k.name]
		fake.mu.Unlock()
		if !ok || v != k.want {
			t.Fatalf("%s: DeleteVersion asked for version %q (called %v), want %q", k.name, v, ok, k.want)
		}
	}
	if e.exists(q) {
		t.Fatal("the quarantine copy is still there")
	}
}

// heldVersionBlobs is a fake: Azurite has no blob versions, so this
// wrapper reports a legal hold on one recorded version id, as Azure would
// for a previous version kept by versioning after the current blob went.
type heldVersionBlobs struct {
	*blobstore.Store
	versionID string
}

func (b heldVersionBlobs) ProtectionOf(ctx context.Context, container, name, versionID string) (clip.Protection, error) {
	if versionID == b.versionID {
		return clip.Protection{LegalHold: true}, nil
	}
	return b.Store.ProtectionOf(ctx, container, name, versionID)
}

// A due clip whose current blob is gone while its recorded version is
// still held by Storage: the sweep consults Storage before the tombstone,
// refuses (SWEEP_REFUSED_LEGAL_HOLD) and leaves the record as it is.
func TestSweepConsultsTheRecordedVersionWhenTheBlobIsGone(t *testing.T) {
	p := shortPolicy(t, "test-2026.1", 31)
	e := newRetEnv(t, p)
	ctx := context.Background()
	c := e.seed(p, "versions/gone-held.mp4", seedSpec{officer: "VG1", start: e.now.AddDate(0, 0, -40), categories: []string{"non-evidential"}, status: clip.StatusVerified})
	c.Blob.VersionID = "2026-06-01T00:00:00.0000000Z"
	c, err := e.records.ReplaceClip(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.blobs.Client().DeleteBlob(ctx, c.Blob.Container, c.Blob.Name, nil); err != nil {
		t.Fatal(err)
	}
	e.app.Blobs = heldVersionBlobs{e.blobs, c.Blob.VersionID}
	rep := e.sweep(functions.SweepOptions{RunID: "gone-held"})
	if got := e.get(c); rep.Outcomes[functions.SweepRefusedLegalHold] != 1 || got.Status != clip.StatusVerified || got.ETag != c.ETag {
		t.Fatalf("outcomes %v, status %s; want %s and the record untouched", rep.Outcomes, got.Status, functions.SweepRefusedLegalHold)
	}
}
