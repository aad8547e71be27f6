package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Issue 4's end-to-end scenario through the local host, driven as people
// drive it: clips uploaded with `bwv upload`, changed through ClipManage
// over HTTP with the function key and If-Match, the sweep run now through
// the host's admin endpoint, chains checked with `bwv audit verify`; the
// truth is read back from Cosmos and Azurite.
//
//   - a clip recorded 32 days ago and uploaded now is kept for the minimum
//     dwell after receipt (14 days); docked an hour after recording, a
//     non-evidential one is deleted by a manual run: tombstone with
//     certificate, blob gone, deletion confirmed in the trail;
//   - one just as old, reclassified as evidential, is kept with its blob;
//   - a held clip is kept by a run, and deleted by the next run after the
//     hold is cleared;
//   - every chain verifies; editing one audit entry in Cosmos makes
//     verification fail at exactly that entry.
func TestRetentionThroughLocalHost(t *testing.T) {
	p := startPipeline(t, pipelineOptions{hostArgs: []string{"--master-key", e2eMasterKey}})
	old := time.Now().Add(-32 * 24 * time.Hour).UTC().Truncate(time.Second)

	plain := p.uploadAt(t, "ret/plain.mp4", "ab1234", old, "--category", "non-evidential")
	kept := p.uploadAt(t, "ret/kept.mp4", "ab1234", old, "--category", "non-evidential")
	held := p.uploadAt(t, "ret/held.mp4", "cd5678", old) // uncategorised: the default 31 days
	fresh := p.uploadAt(t, "ret/fresh.mp4", "cd5678", time.Now().Add(-48*time.Hour))

	// Uploaded now, 32-day-old footage is kept 14 days after its receipt.
	if c := p.record(t, "AB1234", plain.ClipID); c.Retention.RetainUntil == nil || !c.Retention.RetainUntil.Equal(c.ReceivedAt.AddDate(0, 0, 14)) {
		t.Fatalf("32-day-old clip received now: schedule %+v, received %s; want kept until 14 days after receipt", c.Retention, c.ReceivedAt)
	}
	// As if the cameras had been docked an hour after recording.
	plainBefore := p.dockedAt(t, "AB1234", plain.ClipID, old.Add(time.Hour))
	p.dockedAt(t, "CD5678", held.ClipID, old.Add(time.Hour))
	if plainBefore.Retention.Rule != "category:non-evidential" || plainBefore.Retention.RetainUntil == nil ||
		!plainBefore.Retention.RetainUntil.Equal(old.Add(31*24*time.Hour)) {
		t.Fatalf("non-evidential clip's schedule %+v; want category:non-evidential until %s", plainBefore.Retention, old.Add(31*24*time.Hour))
	}

	// Reclassify one as evidential through ClipManage; a stale ETag is refused.
	g := p.getClip(t, kept.ClipID)
	if g.Clip.Status != clip.StatusVerified || g.AuditChain == nil || !g.AuditChain.Verified {
		t.Fatalf("GET kept clip: %s", g.Raw)
	}
	r := p.manageCall(t, http.MethodPost, kept.ClipID, "reclassify", g.ETagHeader, map[string]any{
		"categories": []string{"evidential"}, "justification": "assault captured; CPS file requested", "actor": "DC 4471 Smith"})
	if r.Status != http.StatusOK || !r.Changed || r.Clip.Retention.Rule != "category:evidential" || r.DueNow ||
		r.Actor == nil || r.Actor.Name != "DC 4471 Smith" || !r.Actor.Authenticated {
		t.Fatalf("reclassify: %d %s", r.Status, r.Raw)
	}
	if u := r.Clip.Retention.RetainUntil; u == nil || u.Before(time.Now().AddDate(6, 0, 0)) {
		t.Fatalf("evidential clip retained until %v; want about 7 years from its start", u)
	}
	stale := p.manageCall(t, http.MethodPost, kept.ClipID, "set-legal-hold", g.ETagHeader, map[string]any{"justification": "x", "actor": "y"})
	if stale.Status != http.StatusPreconditionFailed || stale.Code != string(clip.CodeConcurrentUpdate) {
		t.Fatalf("POST with the ETag from before the reclassification: %d %s; want 412 %s", stale.Status, stale.Raw, clip.CodeConcurrentUpdate)
	}

	// Legal hold on another.
	h := p.changeClip(t, held.ClipID, "set-legal-hold", map[string]any{"justification": "civil claim notified, ref LIT/2026/88", "actor": "DPO Jones"})
	if !h.Changed || !h.Clip.Retention.LegalHold {
		t.Fatalf("set legal hold: %s", h.Raw)
	}

	// First manual run.
	run1 := p.runSweepNow(t)

	pc := p.record(t, "AB1234", plain.ClipID)
	if pc.Status != clip.StatusDeleted || pc.Deletion == nil || pc.DeletedAt == nil {
		t.Fatalf("non-evidential clip recorded 32 days ago, after a sweep run: status %s, deletion %+v, deletedAt %v; want deleted with a certificate",
			pc.Status, pc.Deletion, pc.DeletedAt)
	}
	d := pc.Deletion
	if d.SweepRunID != "sweep-"+run1 || d.PolicyVersion == "" || d.PolicyVersion != plainBefore.Retention.PolicyVersion ||
		d.Rule != "category:non-evidential" || d.DueAt == nil || !d.DueAt.Equal(old.Add(31*24*time.Hour)) ||
		d.SHA256 != plain.SHA256 || pc.SHA256.Computed != plain.SHA256 || d.BlobETag != plainBefore.Blob.ETag ||
		d.BlobAlreadyGone || d.Actor != "system:RetentionSweep" {
		t.Fatalf("deletion certificate %+v; want run sweep-%s, policy %s, rule category:non-evidential, due %s, sha256 %s, blob etag %s",
			d, run1, plainBefore.Retention.PolicyVersion, old.Add(31*24*time.Hour), plain.SHA256, plainBefore.Blob.ETag)
	}
	if p.blobExists(t, plain.Name) {
		t.Fatal("the deleted clip's blob is still in storage")
	}
	for _, k := range []struct {
		officer string
		up      uploadResult
	}{{"AB1234", kept}, {"CD5678", held}, {"CD5678", fresh}} {
		if c := p.record(t, k.officer, k.up.ClipID); c.Status != clip.StatusVerified || c.Deletion != nil || !p.blobExists(t, k.up.Name) {
			t.Fatalf("%s must be kept by the first run: status %s, deletion %+v, blob there %v", k.up.Name, c.Status, c.Deletion, p.blobExists(t, k.up.Name))
		}
	}
	// The tombstone cannot change any more.
	if a := p.manageCall(t, http.MethodPost, plain.ClipID, "set-legal-hold", p.getClip(t, plain.ClipID).ETagHeader,
		map[string]any{"justification": "too late", "actor": "x"}); a.Status != http.StatusConflict || a.Code != string(clip.CodeClipDeleted) {
		t.Fatalf("hold on a tombstone: %d %s; want 409 %s", a.Status, a.Raw, clip.CodeClipDeleted)
	}
	// That read was logged on the tombstone (a consulted entry moves its
	// ETag); the second run must leave it as it is now.
	pc = p.record(t, "AB1234", plain.ClipID)

	// Clear the hold: due at once; the next run deletes it, and only it.
	cleared := p.changeClip(t, held.ClipID, "clear-legal-hold", map[string]any{"justification": "claim withdrawn", "actor": "DPO Jones"})
	if !cleared.Changed || cleared.Clip.Retention.LegalHold || !cleared.DueNow {
		t.Fatalf("clear legal hold: %s; want changed, no hold, dueNow", cleared.Raw)
	}
	run2 := p.runSweepNow(t)
	hc := p.record(t, "CD5678", held.ClipID)
	if hc.Status != clip.StatusDeleted || hc.Deletion == nil || hc.Deletion.SweepRunID != "sweep-"+run2 ||
		hc.Deletion.Rule != cleared.Clip.Retention.Rule || hc.Deletion.DueAt == nil || !hc.Deletion.DueAt.Equal(old.Add(31*24*time.Hour)) {
		t.Fatalf("hold cleared, then a sweep run: status %s, deletion %+v; want deleted by run sweep-%s under rule %s", hc.Status, hc.Deletion, run2, cleared.Clip.Retention.Rule)
	}
	if p.blobExists(t, held.Name) {
		t.Fatal("the formerly held clip's blob is still in storage")
	}
	for _, k := range []struct {
		officer string
		up      uploadResult
	}{{"AB1234", kept}, {"CD5678", fresh}} {
		if c := p.record(t, k.officer, k.up.ClipID); c.Status != clip.StatusVerified || !p.blobExists(t, k.up.Name) {
			t.Fatalf("%s must be kept by the second run: status %s", k.up.Name, c.Status)
		}
	}
	if again := p.record(t, "AB1234", plain.ClipID); again.Deletion == nil || again.Deletion.SweepRunID != "sweep-"+run1 || again.ETag != pc.ETag {
		t.Fatalf("the second run changed the first tombstone: %+v", again.Deletion)
	}

	// The trails say what happened, in order, and who did it (changes():
	// without the consulted entries of the reads above).
	trails := map[string][]string{
		plain.ClipID: {"received", "verified", "deleted", "deletion-confirmed"},
		kept.ClipID:  {"received", "verified", "reclassified"},
		held.ClipID:  {"received", "verified", "legal-hold-set", "legal-hold-cleared", "deleted", "deletion-confirmed"},
		fresh.ClipID: {"received", "verified"},
	}
	for id, want := range trails {
		if got := p.getClip(t, id); !slices.Equal(got.changes(), want) || got.AuditChain == nil || !got.AuditChain.Verified {
			t.Fatalf("clip %s: trail %v (chain %+v); want %v, verified", id, got.actions(), got.AuditChain, want)
		}
	}
	hold := p.getClip(t, held.ClipID).entry(t, "legal-hold-set")
	if hold.Actor != "DPO Jones" || !hold.ActorAuthenticated || hold.Justification != "civil claim notified, ref LIT/2026/88" {
		t.Fatalf("legal-hold-set entry %+v", hold)
	}

	// Every chain verifies with the CLI, one by one and all at once.
	for id := range trails {
		if out, errOut, code := p.auditVerify(t, "--clip", id); code != 0 || !strings.HasPrefix(out, "ok") {
			t.Fatalf("bwv audit verify --clip %s: exit %d\n%s%s", id, code, out, errOut)
		}
	}
	if out, errOut, code := p.auditVerify(t, "--all"); code != 0 || !strings.Contains(out, "4 chains checked, 0 broken") {
		t.Fatalf("bwv audit verify --all: exit %d\n%s%s", code, out, errOut)
	}

	// The attacker rewrites why the hold was set, in the middle of the
	// chain: verification fails at exactly that entry, not at a later one.
	p.tamperAuditEntry(t, held.ClipID, hold.ID, "justification", "no reason")
	want := fmt.Sprintf("first broken link is entry %d (%s)", hold.Seq, hold.ID)
	out, errOut, code := p.auditVerify(t, "--clip", held.ClipID)
	if code != 3 || !strings.Contains(out, "BROKEN  "+held.ClipID) || !strings.Contains(out, want) {
		t.Fatalf("bwv audit verify --clip after the edit: exit %d\n%s%s\nwant exit 3 and %q", code, out, errOut, want)
	}
	out, errOut, code = p.auditVerify(t, "--all")
	if code != 3 || !strings.Contains(out, "4 chains checked, 1 broken") || !strings.Contains(out, want) || strings.Count(out, "BROKEN") != 1 {
		t.Fatalf("bwv audit verify --all after the edit: exit %d\n%s%s\nwant exit 3, one broken chain, %q", code, out, errOut, want)
	}
	if st := p.getClip(t, held.ClipID).AuditChain; st == nil || st.Verified || st.BrokenAt != hold.Seq || st.EntryID != hold.ID {
		t.Fatalf("GET reports chain %+v after the edit; want broken at %d (%s)", st, hold.Seq, hold.ID)
	}
}
