package functions_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// Storage-level protection of footage (docs/retention.md › What Storage
// itself enforces), on real Azurite behind the enforcing immutability
// fake (internal/wormfake) and the local Cosmos server. What only Azure
// can confirm is listed there.

// protectionOf reads a clip's content protection back through the fake
// (Get Blob Properties), as anyone with read access to Storage sees it.
func (e *retEnv) protectionOf(c clip.Clip) clip.Protection {
	e.t.Helper()
	container, name := c.Blob.Container, c.Blob.Name
	if c.Quarantine != nil {
		container, name = c.Quarantine.Container, c.Quarantine.Name
	}
	p, err := e.blobs.Properties(context.Background(), container, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Protection
}

// tamper writes a record straight to the database, as an insider with
// data-plane access (or a bug writing the wrong schedule) would: not held,
// not linked, due yesterday. The sweep's own decision then answers delete.
func (e *retEnv) tamper(c clip.Clip) clip.Clip {
	e.t.Helper()
	c = e.get(c)
	c.Categories, c.IncidentRefs = []string{"non-evidential"}, nil
	c.ReceivedAt = clip.At(e.now.AddDate(0, 0, -60))
	c.Retention.Rule, c.Retention.LegalHold, c.Retention.HeldUntilReleased, c.Retention.PendingRelease = "non-evidential", false, false, nil
	c.Retention.RetainUntil = clip.Ptr(e.now.AddDate(0, 0, -1))
	out, err := e.records.ReplaceClip(context.Background(), c)
	if err != nil {
		e.t.Fatal(err)
	}
	if d := retention.DecideClip(retention.Default(), out, e.now); !d.Delete {
		e.t.Fatalf("the tampered record must be due by the sweep's own decision: %+v", d)
	}
	return out
}

// A record that says "due" while Storage still protects the content: the
// sweep deletes nothing, records the refusal with its code and leaves the
// record as it is. A third clip, tampered the same way but never protected
// in Storage, is deleted by the same run: the decision really said delete.
func TestSweepDeletesNothingStorageProtects(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	ctx := context.Background()
	spec := func(o string) seedSpec {
		return seedSpec{officer: o, start: e.now.AddDate(0, 0, -2), categories: []string{"non-evidential"}, status: clip.StatusVerified}
	}
	// Protected the way the product protects: a reclassification to
	// evidential (policy until the 7-year date) and a legal hold.
	notDue := e.seed(p, "worm/evidential.mp4", spec("WM1"))
	a := e.h.post(t, notDue.ID, functions.ActionReclassify, e.get(notDue).ETag, functions.ManageRequest{Justification: "an offence", Actor: "dc-worm", Categories: []string{"evidential"}})
	if got := e.protectionOf(notDue); got.Until == nil || !got.Until.Equal(a.Clip.Retention.RetainUntil.Time) || got.Locked {
		t.Fatalf("policy after reclassification to evidential: %+v; want Unlocked until %s", got, a.Clip.Retention.RetainUntil)
	}
	held := e.seed(p, "worm/held.mp4", spec("WM2"))
	e.h.post(t, held.ID, functions.ActionSetLegalHold, e.get(held).ETag, functions.ManageRequest{Justification: "court order", Actor: "dc-worm"})
	if got := e.protectionOf(held); !got.LegalHold {
		t.Fatalf("legal hold not mirrored onto the blob: %+v", got)
	}
	control := e.seed(p, "worm/unprotected.mp4", spec("WM3"))

	notDue, held, control = e.tamper(notDue), e.tamper(held), e.tamper(control)
	rep := e.sweep(functions.SweepOptions{RunID: "worm"})

	if rep.Outcomes[functions.SweepRefusedImmutable] != 1 || rep.Outcomes[functions.SweepRefusedLegalHold] != 1 || rep.Deleted() != 1 {
		t.Fatalf("outcomes %v; want one %s, one %s and only the unprotected clip deleted", rep.Outcomes, functions.SweepRefusedImmutable, functions.SweepRefusedLegalHold)
	}
	for _, c := range []clip.Clip{notDue, held} {
		got := e.get(c)
		if got.Status != clip.StatusVerified || got.ETag != c.ETag || !e.exists(c) {
			t.Errorf("%s: status %s, record rewritten %v, blob present %v; want the record and its content untouched", c.Blob.Name, got.Status, got.ETag != c.ETag, e.exists(c))
		}
	}
	if got := e.get(control); got.Status != clip.StatusDeleted || e.exists(control) {
		t.Fatalf("the unprotected control clip was not deleted (status %s): the test would prove nothing", got.Status)
	}
	if rep.Stuck != 2 {
		t.Errorf("stuck %d; refusals need a person and must be counted as such", rep.Stuck)
	}

	// A stolen token that skips the sweep's check meets Storage's refusal.
	for c, want := range map[*clip.Clip]clip.Code{&notDue: clip.CodeBlobImmutable, &held: clip.CodeBlobLegalHold} {
		if _, err := e.blobs.DeleteVersion(ctx, c.Blob.Container, c.Blob.Name, c.Blob.ETag, ""); clip.CodeOf(err) != want || !clip.IsKind(err, clip.Refused) {
			t.Errorf("direct delete of %s: %v; want Refused %s", c.Blob.Name, err, want)
		}
	}
	// A second run refuses again, never an error loop.
	if rep := e.sweep(functions.SweepOptions{RunID: "worm-2"}); rep.Outcomes[functions.SweepError] != 0 || rep.Outcomes[functions.SweepRefusedLegalHold] != 1 {
		t.Errorf("second run: %v", rep.Outcomes)
	}
}

// A tombstone whose content Storage will not delete (a legal hold set on
// the blob after the tombstone was written): the sweep records
// SWEEP_REFUSED_LEGAL_HOLD, keeps the content and tries again next run.
func TestSweepRecordsStoragesRefusalAfterTheTombstone(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "worm/tomb.mp4", seedSpec{officer: "WT1", start: e.now.AddDate(0, 0, -40), categories: []string{"non-evidential"}, status: clip.StatusVerified})
	f := &fault{op: "DeleteVersion", n: 1}
	e.app.Blobs = faultInjectingBlobs{e.blobs, f}
	e.sweep(functions.SweepOptions{RunID: "crash"})
	e.app.Blobs = e.blobs
	if got := e.get(c); !f.fired || got.Status != clip.StatusDeleted || got.DeletedAt != nil {
		t.Fatalf("setup: want a tombstone waiting for its content deletion, got %s (fault fired %v)", got.Status, f.fired)
	}
	if err := e.blobs.SetLegalHold(context.Background(), c.Blob.Container, c.Blob.Name, "", true); err != nil {
		t.Fatal(err)
	}
	rep := e.sweep(functions.SweepOptions{RunID: "refused"})
	if rep.Outcomes[functions.SweepRefusedLegalHold] != 1 || rep.Outcomes[functions.SweepError] != 0 || !e.exists(c) {
		t.Fatalf("outcomes %v, blob present %v; want %s and the content kept", rep.Outcomes, e.exists(c), functions.SweepRefusedLegalHold)
	}
	if got := e.get(c); got.DeletedAt != nil {
		t.Fatal("the deletion was confirmed although Storage refused it")
	}
}

// holdFaultBlobs is a fake: the real adapter (through the enforcing fake)
// with legal-hold calls made to fail once (failSet, failClear: a crash no
// real service can be asked for) or until healed (denySet: a 403 after a
// role change, throttling that outlasts the retries), and reads of the
// protection made to fail (denyRead).
type holdFaultBlobs struct {
	*blobstore.Store
	failSet, failClear, denySet, denyRead bool
}

var errFakeDenied = clip.Errorf(clip.Internal, clip.CodeImmutabilityFailed, "fake: Storage refuses the protection call (403)")

func (b *holdFaultBlobs) SetLegalHold(ctx context.Context, container, name, versionID string, hold bool) error {
	if hold && b.denySet {
		return errFakeDenied
	}
	if (hold && b.failSet) || (!hold && b.failClear) {
		b.failSet, b.failClear = false, false
		return errFakeCrash
	}
	return b.Store.SetLegalHold(ctx, container, name, versionID, hold)
}

func (b *holdFaultBlobs) ProtectionOf(ctx context.Context, container, name, versionID string) (clip.Protection, error) {
	if b.denyRead {
		return clip.Protection{}, errFakeDenied
	}
	return b.Store.ProtectionOf(ctx, container, name, versionID)
}

// Setting and clearing a hold through ClipManage. A hold (a change that
// only raises protection) reaches the record even when Storage refuses to
// set its legal hold: the record is what the sweep obeys, so blocking it
// would turn a failure of the backup layer into early deletion. The
// failure is a coded warning (IMMUTABILITY_FAILED) and the sweep's horizon
// pass later puts the hold on the blob. A clear (a lowering change) is
// blocked when Storage cannot be checked first, and the blob's hold is
// cleared only after the record write that clears it. A failure at each
// step of the clear leaves the clip at least as protected in Storage as
// its record says; repeating the request converges.
func TestManageHoldIsMirroredProtectionFirst(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "worm/hold.mp4", seedSpec{officer: "WH1", start: e.now.AddDate(0, 0, -2), categories: []string{"non-evidential"}, status: clip.StatusVerified})
	call := func(action string) manageAnswer {
		return e.h.manage(t, manageCall{method: "POST", id: c.ID, action: action, headers: map[string]string{"If-Match": `"` + e.get(c).ETag + `"`},
			body: functions.ManageRequest{Justification: "court order 12/2026", Actor: "dc-worm"}})
	}
	held := func() (recordHeld, blobHeld bool) {
		return e.get(c).Retention.LegalHold, e.protectionOf(c).LegalHold
	}
	// Never less protected in Storage than in the record.
	invariant := func(step string) (recordHeld, blobHeld bool) {
		t.Helper()
		recordHeld, blobHeld = held()
		if recordHeld && !blobHeld {
			t.Fatalf("%s: the record says held but Storage has no legal hold: the clip is less protected than its record", step)
		}
		return recordHeld, blobHeld
	}
	faultyRecords := func() { e.app.Records = faultInjectingRecords{e.clocked, &fault{op: "ReplaceClip", n: 1}} }
	hb := &holdFaultBlobs{Store: e.blobs}
	e.app.Blobs = hb
	healthy := func() { e.app.Records = e.clocked; *hb = holdFaultBlobs{Store: e.blobs} }

	// Set while Storage refuses every legal-hold call: the record is held
	// all the same, and the answer carries the coded warning.
	hb.denySet = true
	a := call(functions.ActionSetLegalHold)
	if a.status != 200 || !slices.ContainsFunc(a.ok().Warnings, func(w string) bool { return strings.HasPrefix(w, string(clip.CodeImmutabilityFailed)) }) {
		t.Fatalf("set-legal-hold while Storage refuses the hold: %d %s; want 200 with an %s warning", a.status, a.body, clip.CodeImmutabilityFailed)
	}
	if rec, blob := held(); !rec || blob {
		t.Fatalf("record held %v, blob held %v; want the record held (the sweep obeys it) and Storage's hold still missing", rec, blob)
	}
	if d := retention.DecideClip(p, e.get(c), e.now.AddDate(1, 0, 0)); d.Delete {
		t.Fatalf("the held record would be deleted a year on: %+v", d)
	}
	// Healed, the sweep's horizon pass puts the hold on the blob.
	healthy()
	if rep := e.sweep(functions.SweepOptions{RunID: "hold-catch-up"}); rep.Outcomes[functions.SweepHorizonExtended] != 1 {
		t.Fatalf("sweep outcomes %v; want the missing hold restored", rep.Outcomes)
	}
	if rec, blob := invariant("after the sweep"); !rec || !blob {
		t.Fatalf("after the sweep: record held %v, blob held %v; want both", rec, blob)
	}

	// Clear, but Storage's protection cannot be read: a lowering change
	// is refused, the record stays held.
	hb.denyRead = true
	if a := call(functions.ActionClearLegalHold); a.status == 200 {
		t.Fatalf("clear while Storage cannot be checked answered 200: %s", a.body)
	}
	if rec, _ := invariant("clear, Storage unreadable"); !rec {
		t.Fatal("a lowering change was written although Storage could not be checked first")
	}
	// Clear: the record write fails, so the blob keeps its hold.
	healthy()
	faultyRecords()
	if a := call(functions.ActionClearLegalHold); a.status == 200 {
		t.Fatalf("clear with a failing record write answered 200: %s", a.body)
	}
	if rec, blob := invariant("clear, record write failed"); !rec || !blob {
		t.Fatalf("record held %v, blob held %v; the hold must not be cleared before the record write", rec, blob)
	}
	// Clear: the blob clear fails after the record write: more protected.
	healthy()
	hb.failClear = true
	a = call(functions.ActionClearLegalHold)
	if a.status != 200 || len(a.ok().Warnings) == 0 {
		t.Fatalf("clear with a failing blob clear: %d %s; want 200 with a warning", a.status, a.body)
	}
	if rec, blob := invariant("clear, blob clear failed"); rec || !blob {
		t.Fatalf("record held %v, blob held %v; want the record cleared and the blob still held", rec, blob)
	}
	// Repeating the request (now a no-op on the record) converges.
	healthy()
	if a := call(functions.ActionClearLegalHold); a.status != 200 {
		t.Fatalf("repeat clear: %d %s", a.status, a.body)
	}
	if rec, blob := invariant("cleared"); rec || blob {
		t.Fatalf("after the repeat: record held %v, blob held %v; want neither", rec, blob)
	}

	// Set: the record write fails after the blob hold was set.
	faultyRecords()
	if a := call(functions.ActionSetLegalHold); a.status == 200 {
		t.Fatalf("set-legal-hold with a failing record write answered 200: %s", a.body)
	}
	if rec, blob := invariant("record write failed"); rec || !blob {
		t.Fatalf("record held %v, blob held %v; want the blob held first and the record not", rec, blob)
	}
	// Repeating the request converges.
	healthy()
	if a := call(functions.ActionSetLegalHold); a.status != 200 {
		t.Fatalf("repeat: %d %s", a.status, a.body)
	}
	if rec, blob := invariant("set"); !rec || !blob {
		t.Fatalf("after the repeat: record held %v, blob held %v; want both", rec, blob)
	}
}

// An earlier change (the release role's path) shortens the policy only
// after the record write that brings the date earlier, and never to before
// the date the clip becomes due, release grace included.
func TestEarlierChangeShortensThePolicyLastAndNotBeforeGrace(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "worm/release.mp4", seedSpec{officer: "WR1", start: e.now.AddDate(0, 0, -28), categories: []string{"non-evidential"}, status: clip.StatusVerified})
	reclassify := func(cats ...string) manageAnswer {
		return e.h.manage(t, manageCall{method: "POST", id: c.ID, action: functions.ActionReclassify, headers: map[string]string{"If-Match": `"` + e.get(c).ETag + `"`},
			body: functions.ManageRequest{Justification: "reviewed", Actor: "dc-worm", Categories: cats}})
	}
	if a := reclassify("evidential"); a.status != 200 {
		t.Fatalf("reclassify to evidential: %d %s", a.status, a.body)
	}
	long := e.get(c).Retention.RetainUntil.Time
	if got := e.protectionOf(c); got.Until == nil || !got.Until.Equal(long) {
		t.Fatalf("evidential: policy %+v; want until %s", got, long)
	}

	// The record write of the earlier change fails: the policy is not shortened.
	e.app.Records = faultInjectingRecords{e.clocked, &fault{op: "ReplaceClip", n: 1}}
	if a := reclassify("non-evidential"); a.status == 200 {
		t.Fatalf("a failing record write answered 200: %s", a.body)
	}
	e.app.Records = e.clocked
	if got := e.protectionOf(c); got.Until == nil || !got.Until.Equal(long) {
		t.Fatalf("policy %v after a failed earlier change; want it still until %s", got.Until, long)
	}

	// Written: shortened to the date the sweep may first delete, which the
	// release grace puts at now + 7 days, after the category's date.
	a := reclassify("non-evidential")
	if a.status != 200 {
		t.Fatalf("reclassify to non-evidential: %d %s", a.status, a.body)
	}
	rec := e.get(c)
	pr := rec.Retention.PendingRelease
	if !pr.Active() || !rec.Retention.RetainUntil.Before(pr.EffectiveFrom.Time) {
		t.Fatalf("setup: want a pending release later than the new date, got %+v", rec.Retention)
	}
	got := e.protectionOf(c)
	if got.Until == nil || !got.Until.Equal(pr.EffectiveFrom.Time.Truncate(time.Second)) && !got.Until.Equal(pr.EffectiveFrom.Time.Truncate(time.Second).Add(time.Second)) {
		t.Fatalf("policy until %v; want the end of the release grace %s (not the category's %s, not the old %s)", got.Until, pr.EffectiveFrom, rec.Retention.RetainUntil, long)
	}
	if got.Until.Before(pr.EffectiveFrom.Time) {
		t.Fatalf("policy until %s ends before the release grace %s", got.Until, pr.EffectiveFrom)
	}
	// Due by the sweep's decision exactly when Storage lets it go.
	if d := retention.DecideClip(p, rec, got.Until.Add(-time.Second)); d.Delete {
		t.Errorf("the sweep would delete at %s, before the policy ends", got.Until.Add(-time.Second))
	}
}

// The real handler binary behind the harness: ClipVerify sets the verified
// version's policy until the date it becomes due (read back through Get
// Blob Properties); a reclassification to evidential extends it; a
// quarantined clip's copy gets the quarantine rule's date; and Storage then
// refuses to delete either.
func TestVerifyProtectsTheVerifiedVersionThroughTheHandler(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	protection := func(container, name string) clip.Protection {
		t.Helper()
		p, err := e.blobs.ServiceClient().NewContainerClient(container).NewBlobClient(name).GetProperties(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out clip.Protection
		if p.ImmutabilityPolicyExpiresOn != nil {
			u := p.ImmutabilityPolicyExpiresOn.UTC()
			out.Until = &u
			out.Locked = p.ImmutabilityPolicyMode != nil && *p.ImmutabilityPolicyMode == "locked"
		}
		out.LegalHold = p.LegalHold != nil && *p.LegalHold
		return out
	}
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	id := e.ingestVerified("worm/verified.mp4", "WV1", start, nil)
	c := e.clip("WV1", id)
	due := c.Retention.RetainUntil.Time
	if nb := c.ReceivedAt.Time.Add(14 * 24 * time.Hour); nb.After(due) {
		due = nb
	}
	got := protection("uploads", "worm/verified.mp4")
	if c.Status != clip.StatusVerified || got.Until == nil || got.Locked || got.Until.Before(due) || got.Until.After(due.Add(time.Second)) {
		t.Fatalf("verified clip (due %s): policy %+v; want Unlocked until its due date", due, got)
	}
	if _, err := e.blobs.DeleteBlob(ctx, "uploads", "worm/verified.mp4", nil); err == nil {
		t.Fatal("Storage let a verified clip under its policy be deleted")
	}

	a := e.h.post(t, id, functions.ActionReclassify, c.ETag, functions.ManageRequest{Justification: "an offence", Actor: "dc-worm", Categories: []string{"evidential"}})
	long := a.Clip.Retention.RetainUntil.Time
	if got := protection("uploads", "worm/verified.mp4"); got.Until == nil || got.Until.Before(long) || !long.After(due) {
		t.Fatalf("after reclassification to evidential (until %s): policy %+v; want it extended", long, got)
	}

	// A wrong hash: the quarantined copy is protected until the quarantine rule's date.
	content := randomBytes(t, 4<<10)
	meta := clipMeta(randomBytes(t, 10), "WV2", start)
	etag := e.upload("worm/bad.mp4", content, meta)
	msg := e.ingest(e.blobEvent("devstoreaccount1", "worm/bad.mp4", etag, "0000000000000002", int64(len(content))))
	if st := e.verify(e.h, msg, 1); st != 200 {
		t.Fatalf("verify of a wrong hash: %d\n%s", st, e.h.log())
	}
	q := e.clip("WV2", clip.ID("devstoreaccount1", "uploads", "worm/bad.mp4", etag))
	if q.Status != clip.StatusQuarantined || q.Quarantine == nil {
		t.Fatalf("want a quarantined clip with its copy, got %s %+v", q.Status, q.Quarantine)
	}
	qp := protection(q.Quarantine.Container, q.Quarantine.Name)
	if qp.Until == nil || qp.Until.Before(q.Retention.RetainUntil.Time) {
		t.Fatalf("quarantine copy (until %s): policy %+v; want it protected until the quarantine rule's date", q.Retention.RetainUntil, qp)
	}
}

// A clip verified before Storage protected footage (no policy on its
// content) whose schedule a recompute does not change: the recompute
// still gives its content the policy its record asks for (the backfill
// step after upgrading, docs/runbook.md), extend only.
func TestRecomputeBackfillsProtectionWithoutAChange(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "worm/backfill.mp4", seedSpec{officer: "BF1", start: e.now.AddDate(0, 0, -2), categories: []string{"evidential"}, status: clip.StatusVerified})
	if got := e.protectionOf(c); got.Until != nil {
		t.Fatalf("setup: the seeded clip must start without a policy: %+v", got)
	}
	_, changed, err := e.app.RecomputeRetention(context.Background(), e.get(c), functions.ResolvedActor{Name: "cli:dpo"}, "backfill after upgrade")
	if err != nil || changed {
		t.Fatalf("recompute: changed %v, %v; want no change to the record", changed, err)
	}
	got := e.protectionOf(c)
	if got.Until == nil || got.Until.Before(c.Retention.RetainUntil.Time) {
		t.Fatalf("policy after the recompute: %+v; want it until the record's %s", got, c.Retention.RetainUntil)
	}
}

// Protection follows the sweep's decision: a record the sweep keeps past
// its date (here its receipt time is unknown, KEEP_MIN_DWELL, so the sweep
// never deletes it by date) gets the rolling horizon, not a policy that
// lapses at a date the sweep does not act on.
func TestProtectionFollowsTheSweepsDecisionNotTheSchedule(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "worm/nodwell.mp4", seedSpec{officer: "ND1", start: e.now.AddDate(0, 0, -2), noReceipt: true, categories: []string{"non-evidential"}, status: clip.StatusVerified})
	date := c.Retention.RetainUntil.Time
	if d := retention.DecideClip(p, c, date.AddDate(1, 0, 0)); d.Delete {
		t.Fatalf("setup: the sweep must keep this record past its date: %+v", d)
	}
	if _, _, err := e.app.RecomputeRetention(context.Background(), e.get(c), functions.ResolvedActor{Name: "cli:dpo"}, "backfill"); err != nil {
		t.Fatal(err)
	}
	horizon := e.now.Add(90 * 24 * time.Hour)
	if got := e.protectionOf(c); got.Until == nil || got.Until.Before(horizon) {
		t.Fatalf("policy %+v (record's date %s); want the rolling horizon %s", got, date, horizon)
	}
}

// slowClockRecords is a fake: the database's clock two days ahead of the
// function's (an instance whose clock is slow), which no local server can
// be made to do.
type slowClockRecords struct{ fakeServerClockRecords }

func (r slowClockRecords) ServerTime(ctx context.Context) (time.Time, error) {
	t, err := r.fakeServerClockRecords.ServerTime(ctx)
	return t.Add(48 * time.Hour), err
}

// A change that lowers protection on an instance whose clock is two days
// slow would store a release grace that ends two days early: it is
// refused with MANAGE_CLOCK_SKEW and nothing is written. A change that
// raises protection goes through.
func TestLoweringChangeRefusedOnASkewedClock(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "worm/skew.mp4", seedSpec{officer: "SK1", start: e.now.AddDate(0, 0, -2), categories: []string{"non-evidential"}, status: clip.StatusVerified, hold: true})
	e.app.Records = slowClockRecords{e.clocked}
	call := func(action string, cats ...string) manageAnswer {
		return e.h.manage(t, manageCall{method: "POST", id: c.ID, action: action, headers: map[string]string{"If-Match": `"` + e.get(c).ETag + `"`},
			body: functions.ManageRequest{Justification: "reviewed", Actor: "dc-worm", Categories: cats}})
	}
	a := call(functions.ActionClearLegalHold)
	if a.status == 200 || a.problem().Code != functions.ManageClockSkew {
		t.Fatalf("clear-legal-hold on a slow clock: %d %s; want it refused with %s", a.status, a.body, functions.ManageClockSkew)
	}
	if !e.get(c).Retention.LegalHold {
		t.Fatal("the hold was cleared on a skewed clock")
	}
	if a := call(functions.ActionReclassify, "evidential"); a.status != 200 {
		t.Fatalf("a raising change on a slow clock: %d %s; want it written", a.status, a.body)
	}
}

// moveWatchingBlobs is a fake: the real adapter, with a look at the
// quarantine copy's protection at the last moment before Move deletes the
// source (after every step the caller asked to run there).
type moveWatchingBlobs struct {
	*blobstore.Store
	seen *clip.Protection
}

func (b *moveWatchingBlobs) Move(ctx context.Context, srcContainer, name, etag, dstContainer, dstName string, copied ...func(clip.QuarantineRef) error) (clip.QuarantineRef, error) {
	watch := func(ref clip.QuarantineRef) error {
		p, err := b.Store.ProtectionOf(ctx, ref.Container, ref.Name, ref.VersionID)
		b.seen = &p
		return err
	}
	return b.Store.Move(ctx, srcContainer, name, etag, dstContainer, dstName, append(copied, watch)...)
}

// A wrong hash: ClipVerify moves the content to quarantine, and the copy
// is protected before the source is deleted, so the content is never
// without a policy between the two.
func TestQuarantineCopyIsProtectedBeforeTheSourceGoes(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "worm/mismatch.mp4", seedSpec{officer: "QM1", start: e.now.AddDate(0, 0, -1), status: clip.StatusReceived})
	mb := &moveWatchingBlobs{Store: e.blobs}
	e.app.Blobs = mb
	msg, _ := json.Marshal(functions.VerifyMessage{V: 1, ClipID: c.ID, OfficerID: c.OfficerID, Container: c.Blob.Container, Name: c.Blob.Name, ETag: c.Blob.ETag, Size: c.Blob.Size})
	if status, r := e.h.invoke(t, "ClipVerify", map[string]any{"message": hostEncoded(string(msg))}, map[string]any{"DequeueCount": "1", "Id": `"m1"`}); status != 200 {
		t.Fatalf("ClipVerify: %d %q", status, r.Logs)
	}
	rec := e.get(c)
	if rec.Status != clip.StatusQuarantined || rec.Quarantine == nil || !rec.Quarantine.SourceDeleted {
		t.Fatalf("setup: want a quarantined clip whose source was deleted, got %s %+v", rec.Status, rec.Quarantine)
	}
	if mb.seen == nil || mb.seen.Until == nil || mb.seen.Until.Before(rec.Retention.RetainUntil.Time) {
		t.Fatalf("the copy's protection just before the source was deleted: %+v; want a policy until the quarantine rule's %s", mb.seen, rec.Retention.RetainUntil)
	}
}

// A re-verification after a metadata correction can bring deletion earlier
// (the quarantine rule's year gives way to the categories' 31 days), with
// a release grace counted from this instance's clock. On a clock two days
// slow it must not run: ClipVerify fails (the message is retried) and the
// clip stays quarantined; with the clock right, the same message verifies.
func TestReverifyThatLowersWaitsForTheClock(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	name := "worm/reverify-skew.mp4"
	c := e.seed(p, name, seedSpec{officer: "RV1", start: e.now.AddDate(0, 0, -1), categories: []string{"non-evidential"}, status: clip.StatusQuarantined, quarantined: true})
	sum := sha256.Sum256([]byte("clip " + name)) // the content seed uploads
	c.SHA256 = clip.Hashes{Declared: hex.EncodeToString(sum[:])}
	c.Reasons = []clip.Reason{{Code: clip.CodeVerificationPending, Field: "content", Message: "metadata corrected"}}
	c.Retention = p.RecordFor(c)
	c, err := e.records.ReplaceClip(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Retention.Quarantined {
		t.Fatalf("setup: want the quarantine rule, got %+v", c.Retention)
	}
	msg, _ := json.Marshal(functions.VerifyMessage{V: 1, ClipID: c.ID, OfficerID: c.OfficerID, Container: c.Blob.Container, Name: c.Blob.Name, ETag: c.Blob.ETag, Size: c.Blob.Size})
	verify := func(id string) (int, funchost.Response) {
		return e.h.invokeNoFail("ClipVerify", map[string]any{"message": hostEncoded(string(msg))}, map[string]any{"DequeueCount": "1", "Id": `"` + id + `"`})
	}
	e.app.Records = slowClockRecords{e.clocked}
	if status, _ := verify("m1"); status == 200 {
		t.Fatalf("re-verification that lowers protection ran on a clock two days slow")
	}
	if got := e.get(c); got.Status != clip.StatusQuarantined || !got.Retention.Quarantined {
		t.Fatalf("after the refused run: %s %+v; want still quarantined under the quarantine rule", got.Status, got.Retention)
	}
	e.app.Records = e.clocked
	if status, r := verify("m2"); status != 200 {
		t.Fatalf("re-verification with the clock right: %d %q", status, r.Logs)
	}
	if got := e.get(c); got.Status != clip.StatusVerified {
		t.Fatalf("after the retry: %s %v; want verified", got.Status, got.Reasons)
	}
}
