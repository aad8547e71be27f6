package functions_test

import (
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
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
