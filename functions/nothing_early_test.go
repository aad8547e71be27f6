package functions_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/config"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// The issue "...nothing is deleted early", on the real local services.

// flaggedClipsQuery is the analysts' query of docs/schema.md for clips whose recorded start is implausible.
const flaggedClipsQuery = `SELECT c.id, c.officerId, c.recordedStart, c.receivedAt, c.retention.review FROM c ` +
	`WHERE c.type = "clip" AND c.retention.review.code = "RECORDED_START_IMPLAUSIBLE"`

// A camera whose clock was reset: a clip uploaded as evidential with a recorded start 20 years before receipt,
// through ClipIngest and ClipVerify on the handler binary, is verified, counts from its receipt (not due for at
// least the evidential period from receipt), carries the review flag, and the documented query finds it; a clip
// recorded an hour ago is not flagged. The sweep keeps it.
func TestClockResetEvidentialClipCountsFromReceipt(t *testing.T) {
	e := newEnv(t, nil)
	reset := time.Now().AddDate(-20, 0, 0).Truncate(time.Second)
	id := e.ingestVerified("reset/evidential.mp4", "ab1234", reset, map[string]string{"category": "evidential"})
	ok := e.ingestVerified("reset/normal.mp4", "ab1234", time.Now().Add(-time.Hour).Truncate(time.Second), map[string]string{"category": "evidential"})

	c := e.clip("AB1234", id)
	r := c.Retention
	if c.Status != clip.StatusVerified || r.Rule != "category:evidential" {
		t.Fatalf("status %s rule %s, want verified under category:evidential", c.Status, r.Rule)
	}
	full := c.ReceivedAt.AddDate(7, 0, 0)
	if r.CountedFrom == nil || !r.CountedFrom.Equal(c.ReceivedAt.Time) || r.RetainUntil == nil || r.RetainUntil.Before(full) {
		t.Fatalf("counted from %v until %v; want from the receipt %s, until at least %s", r.CountedFrom, r.RetainUntil, c.ReceivedAt, full.Format(time.RFC3339))
	}
	if r.Review == nil || r.Review.Code != retention.ReviewRecordedStartImplausible || !r.Review.Since.Equal(c.ReceivedAt.Time) || r.Review.Detail == "" {
		t.Fatalf("record not flagged for review: %+v", r.Review)
	}
	p := retention.Default()
	if d := retention.DecideClip(p, c, full.Add(-time.Second)); d.Delete {
		t.Fatalf("due before the full evidential period from receipt: %+v", d)
	}
	if n := e.clip("AB1234", ok).Retention.Review; n != nil {
		t.Fatalf("a plausible start was flagged: %+v", n)
	}
	if ids := e.queryIDs(flaggedClipsQuery); !slices.Equal(ids, []string{id}) {
		t.Fatalf("the documented query finds %v, want [%s]", ids, id)
	}
	e.h.sweep(t)
	if got := e.clip("AB1234", id); got.Status != clip.StatusVerified || !e.blobExists("uploads", "reset/evidential.mp4") {
		t.Fatalf("the sweep touched the reset camera's evidential clip: %s", got.Status)
	}
}

// A quarantined clip reclassified to evidential by an authenticated person gets the evidential schedule (longest of
// it and the quarantine rule); the same request from an unauthenticated actor does not, and clears the mark.
func TestQuarantinedClipReclassifiedByAuthorisedPerson(t *testing.T) {
	e := newEnv(t, map[string]string{"BWV_TRUST_PRINCIPAL_HEADERS": "true"})
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	content := randomBytes(t, 4<<10)
	etag := e.upload("q/evid.mp4", content, clipMeta([]byte("not this content"), "ab1234", start))
	msg := e.ingest(e.blobEvent("devstoreaccount1", "q/evid.mp4", etag, "0000000000000001", int64(len(content))))
	if st := e.verify(e.h, msg, 1); st != 200 {
		t.Fatal(st)
	}
	id := clip.ID("devstoreaccount1", "uploads", "q/evid.mp4", etag)
	c := e.clip("AB1234", id)
	if c.Status != clip.StatusQuarantined || c.Retention.Rule != retention.RuleQuarantine {
		t.Fatalf("setup: %s %s", c.Status, c.Retention.Rule)
	}
	principal := principalHeader("dc4471@force.police.uk", config.DefaultRoleRead, config.DefaultRoleProtect)
	a := e.h.manage(t, manageCall{method: "POST", id: id, action: functions.ActionReclassify,
		headers: map[string]string{"If-Match": c.ETag, "X-MS-CLIENT-PRINCIPAL": principal},
		body:    functions.ManageRequest{Categories: []string{"evidential"}, Justification: "assault captured; integrity under investigation"}})
	if a.status != 200 {
		t.Fatalf("reclassify: %d %s", a.status, a.body)
	}
	got := a.ok().Clip
	want := start.AddDate(7, 0, 0)
	if got.CategoriesSetBy != "dc4471@force.police.uk" || got.Retention.Rule != "category:evidential" || !got.Retention.Quarantined ||
		got.Retention.RetainUntil == nil || !got.Retention.RetainUntil.Equal(want) {
		t.Fatalf("quarantined clip reclassified by an authenticated person: setBy %q retention %+v, want category:evidential until %s",
			got.CategoriesSetBy, got.Retention, want.Format(time.RFC3339))
	}
	if stored := e.clip("AB1234", id); stored.CategoriesSetBy != got.CategoriesSetBy || stored.Retention.Rule != "category:evidential" {
		t.Fatalf("stored %q %s", stored.CategoriesSetBy, stored.Retention.Rule)
	}
	entries := e.auditOf(id)
	if last := entries[len(entries)-1]; last.Details["toCategoriesSetBy"] != "dc4471@force.police.uk" {
		t.Fatalf("audit entry %+v", last.Details)
	}
	// An unauthenticated change no longer exists (ClipManage answers 401
	// AUTHENTICATION_REQUIRED: TestManageTrustsPrincipalHeadersOnlyWhenConfigured).
	// A second authorised person adding a shorter category: the longest of the
	// trusted categories and the quarantine rule still wins, and the record
	// names who set them now.
	r := e.h.post(t, id, functions.ActionReclassify, got.ETag, functions.ManageRequest{Categories: []string{"evidential", "non-evidential"}, Justification: "x", Actor: "someone"})
	if r.Clip.CategoriesSetBy != "someone" || r.Clip.Retention.Rule != "category:evidential" || !r.Clip.Retention.RetainUntil.Equal(want) {
		t.Fatalf("second reclassify: setBy %q rule %s until %v; want someone, category:evidential until %s", r.Clip.CategoriesSetBy, r.Clip.Retention.Rule, r.Clip.Retention.RetainUntil, want)
	}
}

// The release grace, the safety property: a change that brings a clip's deletion earlier (here a hold cleared on
// old footage) never makes it due before now + releaseGrace. The sweep re-reads and decides: at now+grace-1s it
// keeps the clip (KEEP_RELEASE_GRACE), at now+grace it deletes it. A protecting change within the grace (a hold
// set again) cancels the pending release; the record shows it cancelled and the trail has both.
func TestReleaseGraceKeepsUntilItEnds(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	old := e.now.AddDate(0, 0, -100)
	spec := seedSpec{officer: "RG01", start: old, categories: []string{"non-evidential"}, refs: []string{}, status: clip.StatusVerified, hold: true}
	held := e.seed(p, "grace/held.mp4", spec)
	cancel := e.seed(p, "grace/cancel.mp4", spec)
	spec.hold = false
	spec.categories = []string{"evidential"}
	shorter := e.seed(p, "grace/shorter.mp4", spec)

	asked := e.now
	graceEnd := asked.AddDate(0, 0, 7)
	for _, k := range []struct {
		c      clip.Clip
		action string
		body   functions.ManageRequest
	}{
		{held, functions.ActionClearLegalHold, functions.ManageRequest{Justification: "claim withdrawn", Actor: "DPO"}},
		{cancel, functions.ActionClearLegalHold, functions.ManageRequest{Justification: "claim withdrawn", Actor: "DPO"}},
		{shorter, functions.ActionReclassify, functions.ManageRequest{Categories: []string{"non-evidential"}, Justification: "no offence", Actor: "PS 12"}},
	} {
		r := e.h.post(t, k.c.ID, k.action, k.c.ETag, k.body)
		pr := r.Clip.Retention.PendingRelease
		if !r.Changed || r.DueNow || !pr.Active() || !pr.EffectiveFrom.Equal(graceEnd) || pr.RequestedBy != k.body.Actor || !pr.RequestedAt.Equal(asked) {
			t.Fatalf("%s on %s: dueNow %v pending release %+v; want effective at %s, requested by %s", k.action, k.c.Blob.Name, r.DueNow, pr, graceEnd.Format(time.RFC3339), k.body.Actor)
		}
		if d := retention.DecideClip(p, r.Clip, graceEnd.Add(-time.Second)); d.Code != retention.DecisionReleaseGrace {
			t.Fatalf("decision a second before the grace ends: %+v", d)
		}
		// Nor may the lifecycle backstop (which counts from the blob's creation, 100 days ago) take it.
		if tags, err := e.blobs.Tags(context.Background(), "uploads", k.c.Blob.Name); err != nil || tags[clip.TagBackstop] != clip.BackstopKeep {
			t.Fatalf("%s: backstop tags %v %v, want %s during the release grace", k.c.Blob.Name, tags, err, clip.BackstopKeep)
		}
	}
	// Within the grace, the hold is set again on one: the release is cancelled.
	e.setClock(asked.Add(time.Hour))
	c := e.get(cancel)
	r := e.h.post(t, c.ID, functions.ActionSetLegalHold, c.ETag, functions.ManageRequest{Justification: "new claim", Actor: "DPO 2"})
	if pr := r.Clip.Retention.PendingRelease; pr == nil || pr.Active() || pr.CancelledBy != "DPO 2" || pr.CancelledAt == nil || !r.Clip.Retention.LegalHold {
		t.Fatalf("protecting change within the grace: %+v", pr)
	}
	es, err := e.records.ListAudit(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if acts := actionsOf(es); !slices.Equal(acts, []string{audit.ActionReceived, audit.ActionHoldCleared, audit.ActionHoldSet}) ||
		es[1].Details["releaseGrace"] != "requested" || es[2].Details["releaseGrace"] != "cancelled" {
		t.Fatalf("trail %v %v %v", acts, es[1].Details, es[2].Details)
	}

	e.setClock(graceEnd.Add(-time.Second))
	rep := e.sweep(functions.SweepOptions{RunID: "grace-1", PageSize: 50, MaxClips: 1000})
	for _, k := range []clip.Clip{held, cancel, shorter} {
		if got := e.get(k); got.Status == clip.StatusDeleted || !e.exists(k) {
			t.Fatalf("a sweep a second before the grace ends deleted %s (outcomes %v)", k.Blob.Name, rep.Outcomes)
		}
	}
	// Clips in their grace are not even candidates (the query skips them, so they do not use up the run's
	// budget); DecideClip keeps them too (TestDecideHonoursPendingRelease, and the dueNow answers above).
	if rep.Examined != 0 || rep.Deleted() != 0 {
		t.Fatalf("outcomes %v, examined %d: want clips in their release grace not examined", rep.Outcomes, rep.Examined)
	}
	e.setClock(graceEnd)
	rep = e.sweep(functions.SweepOptions{RunID: "grace-2", PageSize: 50, MaxClips: 1000})
	for _, k := range []clip.Clip{held, shorter} {
		if got := e.get(k); got.Status != clip.StatusDeleted || e.exists(k) {
			t.Fatalf("at the end of the grace %s was kept: %s (outcomes %v)", k.Blob.Name, got.Status, rep.Outcomes)
		}
	}
	if got := e.get(cancel); got.Status == clip.StatusDeleted {
		t.Fatal("the clip on hold again was deleted")
	}
}

// A change that makes the date later but still leaves the clip due before a pending release takes effect does not
// cancel the release: cancelling would make it due sooner. A second earlier change never shortens the grace.
func TestReleaseGraceNotCancelledByAPartialProtection(t *testing.T) {
	p, err := retention.Parse([]byte(`{"format": "bwv-retention-policy/1", "version": "grace-1", "default": {"period": "P31D"},
		"quarantine": {"period": "P1Y"}, "incidentLinked": {"holdUntilReleased": true},
		"categories": [{"name": "non-evidential", "period": "P31D"}, {"name": "sixty", "period": "P60D"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e := newRetEnv(t, p)
	c := e.seed(p, "grace/partial.mp4", seedSpec{officer: "RG02", start: e.now.AddDate(0, 0, -100), categories: []string{"non-evidential"},
		refs: []string{}, status: clip.StatusVerified, hold: true})
	r := e.h.post(t, c.ID, functions.ActionClearLegalHold, c.ETag, functions.ManageRequest{Justification: "released", Actor: "DPO"})
	eff := r.Clip.Retention.PendingRelease.EffectiveFrom
	base := e.clock()
	e.setClock(base.Add(time.Hour))
	r = e.h.post(t, c.ID, functions.ActionReclassify, r.ETag, functions.ManageRequest{Categories: []string{"sixty"}, Justification: "longer", Actor: "PS 1"})
	if pr := r.Clip.Retention.PendingRelease; !pr.Active() || !pr.EffectiveFrom.Equal(eff.Time) || r.DueNow {
		t.Fatalf("a longer but still past date cancelled the release: %+v dueNow %v", pr, r.DueNow)
	}
	e.setClock(base.Add(2 * time.Hour))
	r = e.h.post(t, c.ID, functions.ActionReclassify, r.ETag, functions.ManageRequest{Categories: []string{"non-evidential"}, Justification: "shorter again", Actor: "PS 2"})
	if pr := r.Clip.Retention.PendingRelease; !pr.Active() || pr.EffectiveFrom.Before(eff.Time) || pr.RequestedBy != "PS 2" ||
		!pr.EffectiveFrom.Equal(base.Add(2*time.Hour).AddDate(0, 0, 7)) {
		t.Fatalf("a second earlier change: %+v, want a new grace from now, never shorter than %s", pr, eff)
	}
	e.setClock(eff.Add(time.Hour)) // the first grace is over, the second is not
	if rep := e.sweep(functions.SweepOptions{RunID: "partial", PageSize: 10, MaxClips: 100}); rep.Deleted() != 0 {
		t.Fatalf("deleted within the second grace: %v", rep.Outcomes)
	}
}
