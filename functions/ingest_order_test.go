package functions_test

import (
	"slices"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// An older version's BlobCreated event processed after a newer version's
// is stale for the name, but that version's footage existed: it is
// recorded (quarantined BLOB_CHANGED, linked to the name's first clip),
// once, never silently dropped.
func TestOlderVersionEventAfterNewerIsRecorded(t *testing.T) {
	e := newEnv(t, nil)
	v1 := randomBytes(t, 4<<10)
	etag1 := e.upload("o.mp4", v1, clipMeta(v1, "gh1", time.Now().Add(-time.Hour)))
	v2 := randomBytes(t, 4<<10)
	etag2 := e.upload("o.mp4", v2, clipMeta(v2, "gh1", time.Now().Add(-time.Hour)))
	if msg := e.ingest(e.blobEvent("devstoreaccount1", "o.mp4", etag2, "0000000000000002", int64(len(v2)))); msg != nil {
		e.verify(e.h, msg, 1)
	}
	for range 2 { // and its duplicate
		e.ingest(e.blobEvent("devstoreaccount1", "o.mp4", etag1, "0000000000000001", int64(len(v1))))
	}
	newer := e.clip("GH1", clip.ID("devstoreaccount1", "uploads", "o.mp4", etag2))
	older := e.clip(clip.UnattributedOfficer, clip.ID("devstoreaccount1", "uploads", "o.mp4", etag1))
	if older.Status != clip.StatusQuarantined || !slices.Contains(reasonCodes(older), clip.CodeBlobChanged) || older.Tamper == nil || older.Tamper.FirstClipID != newer.ID {
		t.Fatalf("the older version: status %s reasons %v tamper %+v", older.Status, reasonCodes(older), older.Tamper)
	}
	if n := e.countClips(); n != 2 {
		t.Fatalf("%d records, want one per version", n)
	}
	if newer.Status != clip.StatusVerified {
		t.Fatalf("the newer version: %s", newer.Status)
	}
}

// Three versions written before the first event is handled, events in
// order: the first is recorded as superseded (and claims the name), the
// second — overwritten before it was read, after the claim — is recorded
// too (it used to be ignored), as a second version, and the third is the
// readable tamper version. No version is left unrecorded.
func TestEveryOverwrittenVersionIsRecorded(t *testing.T) {
	e := newEnv(t, nil)
	var etags []string
	var sizes []int64
	for range 3 {
		v := randomBytes(t, 2<<10)
		etags = append(etags, e.upload("t.mp4", v, clipMeta(v, "ij2", time.Now().Add(-time.Hour))))
		sizes = append(sizes, int64(len(v)))
	}
	for i, etag := range etags {
		if msg := e.ingest(e.blobEvent("devstoreaccount1", "t.mp4", etag, "000000000000000"+string(rune('1'+i)), sizes[i])); msg != nil {
			e.verify(e.h, msg, 1)
		}
	}
	if n := e.countClips(); n != 3 {
		t.Fatalf("%d records, want one per version (3)\n%s", n, e.h.log())
	}
	second := e.clip(clip.UnattributedOfficer, clip.ID("devstoreaccount1", "uploads", "t.mp4", etags[1]))
	if !slices.Contains(reasonCodes(second), clip.CodeBlobChanged) || !slices.Contains(reasonCodes(second), clip.CodeTamperOverwrite) {
		t.Fatalf("the second version: %v", reasonCodes(second))
	}
	first := e.clip(clip.UnattributedOfficer, clip.ID("devstoreaccount1", "uploads", "t.mp4", etags[0]))
	if !slices.Contains(first.OverwrittenBy, second.ID) {
		t.Fatalf("the first record must list the second version: %v", first.OverwrittenBy)
	}
	third := e.clip("IJ2", clip.ID("devstoreaccount1", "uploads", "t.mp4", etags[2]))
	if third.Tamper == nil || third.Status != clip.StatusQuarantined {
		t.Fatalf("the third version: %+v", third)
	}
}
