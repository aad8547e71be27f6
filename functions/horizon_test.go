package functions_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// The rolling horizon: a held clip's policy reaches now + the horizon (90
// days by default); each sweep moves it on once less than half is left, and
// restores a legal hold Storage lacks for a held record (here: a record
// written without its protection, as by a writer that crashed after its
// record write). The fake's clock is the test's, so policies age with it.
func TestSweepRollsTheHoldHorizonOn(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "worm/horizon.mp4", seedSpec{officer: "HZ1", start: e.now.AddDate(0, 0, -2), categories: []string{"non-evidential"}, status: clip.StatusVerified, hold: true})
	if got := e.protectionOf(c); got.LegalHold || got.Until != nil {
		t.Fatalf("setup: the seeded clip must start unprotected: %+v", got)
	}
	horizon := 90 * 24 * time.Hour

	rep := e.sweep(functions.SweepOptions{RunID: "hz-1"})
	got := e.protectionOf(c)
	if rep.Outcomes[functions.SweepHorizonExtended] != 1 || !got.LegalHold || got.Until == nil || !got.Until.Equal(e.now.Add(horizon)) {
		t.Fatalf("first run: outcomes %v, protection %+v; want the hold restored and a policy until now + 90 days", rep.Outcomes, got)
	}
	first := *got.Until

	// Half the horizon not yet used: nothing to do.
	e.setClock(e.now.AddDate(0, 0, 30))
	if rep := e.sweep(functions.SweepOptions{RunID: "hz-2"}); rep.Outcomes[functions.SweepHorizonExtended] != 0 {
		t.Fatalf("30 days on: outcomes %v; want no extension yet", rep.Outcomes)
	}
	// Less than half left: moved on, so the policy never lapses.
	e.setClock(e.now.AddDate(0, 0, 20))
	rep = e.sweep(functions.SweepOptions{RunID: "hz-3"})
	got = e.protectionOf(c)
	if rep.Outcomes[functions.SweepHorizonExtended] != 1 || got.Until == nil || !got.Until.Equal(e.now.Add(horizon)) || !got.Until.After(first) {
		t.Fatalf("50 days on: outcomes %v, policy %v; want it moved on to now + 90 days", rep.Outcomes, got.Until)
	}
	if s := e.get(c); s.Status != clip.StatusVerified || !e.exists(c) {
		t.Fatalf("the held clip was touched: %s", s.Status)
	}
}

// countingBlobs is a fake: the real adapter, counting reads of Storage's
// protection (what the horizon pass costs per clip).
type countingBlobs struct {
	*blobstore.Store
	reads atomic.Int64
}

func (b *countingBlobs) ProtectionOf(ctx context.Context, container, name, versionID string) (clip.Protection, error) {
	b.reads.Add(1)
	return b.Store.ProtectionOf(ctx, container, name, versionID)
}

// The horizon pass at scale: it runs although the due pass stopped at its
// bound (a backlog of due clips), its budget counts only the clips it acts
// on, so each run moves on to clips not yet protected rather than reading
// the same first ones again, and a clip it has protected is not read again
// until its policy nears its end (the query selects only those).
func TestHorizonPassHasItsOwnBudgetAndSkipsClipsThatNeedNothing(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	var held []clip.Clip
	for i := range 5 {
		held = append(held, e.seed(p, fmt.Sprintf("worm/held-%d.mp4", i), seedSpec{officer: "HB1", start: e.now.AddDate(0, 0, -2), categories: []string{"non-evidential"}, status: clip.StatusVerified, hold: true}))
	}
	for i := range 4 {
		e.seed(p, fmt.Sprintf("worm/due-%d.mp4", i), seedSpec{officer: "HB2", start: e.now.AddDate(0, 0, -60), categories: []string{"non-evidential"}, status: clip.StatusVerified})
	}
	cb := &countingBlobs{Store: e.blobs}
	e.app.Blobs = cb
	opts := functions.SweepOptions{MaxClips: 1, MaxHorizon: 3, PageSize: 2}
	protected := func() int {
		n := 0
		for _, c := range held {
			if got := e.protectionOf(c); got.LegalHold && got.Until != nil {
				n++
			}
		}
		return n
	}
	rep := e.sweep(opts)
	if !rep.Truncated || rep.Outcomes[functions.SweepHorizonExtended] != 3 || protected() != 3 {
		t.Fatalf("run 1: truncated %v, outcomes %v, %d held clips protected; want the due pass truncated and 3 held clips protected all the same", rep.Truncated, rep.Outcomes, protected())
	}
	rep = e.sweep(opts)
	if rep.Outcomes[functions.SweepHorizonExtended] != 2 || protected() != 5 {
		t.Fatalf("run 2: outcomes %v, %d held clips protected; want the remaining 2 protected", rep.Outcomes, protected())
	}
	// Every held clip protected and noted: the pass reads none of them.
	e.setClock(e.now.AddDate(0, 0, 30))
	cb.reads.Store(0)
	rep = e.sweep(functions.SweepOptions{MaxClips: 100, MaxHorizon: 3})
	if rep.Outcomes[functions.SweepHorizonExtended] != 0 || cb.reads.Load() > int64(rep.Examined) {
		t.Fatalf("30 days on: outcomes %v, %d protection reads for %d due clips examined; want no held clip read", rep.Outcomes, cb.reads.Load(), rep.Examined)
	}
	// Near the end of their policies they are selected and moved on.
	e.setClock(e.now.AddDate(0, 0, 20))
	if rep = e.sweep(functions.SweepOptions{MaxHorizon: 10}); rep.Outcomes[functions.SweepHorizonExtended] != 5 {
		t.Fatalf("50 days on: outcomes %v; want all 5 moved on", rep.Outcomes)
	}
}

// A dated change written while Storage refused its protection (an
// extension to evidential) is marked pending on the record; the sweep's
// pass extends the policy to the record's date and clears the mark.
func TestSweepRepairsProtectionOfAChangeWrittenWhileStorageRefused(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "worm/pending.mp4", seedSpec{officer: "PR1", start: e.now.AddDate(0, 0, -2), categories: []string{"non-evidential"}, status: clip.StatusVerified})
	e.app.Blobs = &policyDeniedBlobs{e.blobs}
	a := e.h.post(t, c.ID, functions.ActionReclassify, e.get(c).ETag, functions.ManageRequest{Justification: "an offence", Actor: "dc-worm", Categories: []string{"evidential"}})
	rec := e.get(c)
	if len(a.Warnings) == 0 || rec.Protection == nil || !rec.Protection.Pending {
		t.Fatalf("reclassify while Storage refuses policies: warnings %v, mark %+v; want a warning and a pending mark", a.Warnings, rec.Protection)
	}
	if got := e.protectionOf(c); got.Until != nil && !got.Until.Before(rec.Retention.RetainUntil.Time) {
		t.Fatalf("setup: Storage already has %+v", got)
	}
	e.app.Blobs = e.blobs
	rep := e.sweep(functions.SweepOptions{RunID: "repair"})
	got := e.protectionOf(c)
	if rep.Outcomes[functions.SweepProtectionRepaired] != 1 || got.Until == nil || got.Until.Before(rec.Retention.RetainUntil.Time) {
		t.Fatalf("outcomes %v, policy %+v; want it extended to the record's %s", rep.Outcomes, got, rec.Retention.RetainUntil)
	}
	if m := e.get(c).Protection; m == nil || m.Pending {
		t.Fatalf("mark after the repair: %+v; want it cleared", m)
	}
	if rep := e.sweep(functions.SweepOptions{RunID: "repair-2"}); rep.Outcomes[functions.SweepProtectionRepaired] != 0 {
		t.Fatalf("second run: %v; want nothing left to repair", rep.Outcomes)
	}
}

// policyDeniedBlobs is a fake: the real adapter with every policy call
// refused (a 403 after a role change).
type policyDeniedBlobs struct{ *blobstore.Store }

func (b *policyDeniedBlobs) SetImmutability(context.Context, string, string, string, time.Time, bool) error {
	return errFakeDenied
}
