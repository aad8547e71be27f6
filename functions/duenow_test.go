package functions_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// dueNowSeed is the randomized test's seed: DUENOW_SEED when set, a fixed
// one under CI (CI=true) so a CI failure reproduces, otherwise the clock.
func dueNowSeed(t *testing.T) uint64 {
	t.Helper()
	if s := os.Getenv("DUENOW_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("DUENOW_SEED=%q: %v", s, err)
		}
		return v
	}
	if os.Getenv("CI") == "true" {
		return 20260601
	}
	return uint64(time.Now().UnixNano())
}

// TestManageDueNowIsTheSweepsDecision: ClipManage's dueNow promises that
// the next sweep deletes the clip. For random clips (random categories,
// incident links, holds, statuses, late docking, unknown receipt times,
// schedules from older policies) under random policies, at random clock
// times, a random action is POSTed through ClipManage; the sweep then runs
// at the same clock, and every clip must be deleted exactly when
// ClipManage said dueNow. Everything is real (ClipManage, the sweep, Cosmos,
// Azurite) except the clock. Size: DUENOW_CLIPS (default 60) and
// DUENOW_ROUNDS (default 3); seed: DUENOW_SEED.
func TestManageDueNowIsTheSweepsDecision(t *testing.T) {
	seed := dueNowSeed(t)
	nClips, rounds := envInt("DUENOW_CLIPS", 60), envInt("DUENOW_ROUNDS", 3)
	t.Logf("seed %d (rerun with DUENOW_SEED=%d), %d clips, %d rounds", seed, seed, nClips, rounds)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	policies := []*retention.Policy{randomPolicy(t, r, "p-current"), randomPolicy(t, r, "p-old")}
	e := newRetEnv(t, policies[0])
	base := e.now
	cats := []string{"non-evidential", "evidential", "evidential-serious", "uncategorised"}

	clips := make([]clip.Clip, 0, nClips)
	for i := range nClips {
		s := seedSpec{officer: fmt.Sprintf("DN%02d", r.IntN(10)), start: base.Add(-time.Duration(r.IntN(500*24)) * time.Hour), refs: []string{}}
		switch x := r.IntN(100); {
		case x < 65:
			s.status = clip.StatusVerified
		case x < 85:
			s.status, s.quarantined = clip.StatusQuarantined, true
		default:
			s.status = clip.StatusReceived
		}
		if c := cats[r.IntN(len(cats))]; r.IntN(4) != 0 {
			s.categories = []string{c}
		} else {
			s.categories = []string{"uncategorised"}
		}
		if r.IntN(6) == 0 {
			s.refs = []string{fmt.Sprintf("CAD/%d", r.IntN(1000))}
		}
		s.hold = r.IntN(8) == 0
		switch r.IntN(5) {
		case 0:
			s.noReceipt = true
		case 1:
			s.received = s.start.Add(time.Duration(r.IntN(90*24)) * time.Hour)
			if s.received.After(base) {
				s.received = base
			}
		}
		clips = append(clips, e.seed(policies[r.IntN(len(policies))], fmt.Sprintf("duenow/%04d.mp4", i), s))
	}

	dueCount, keptCount := 0, 0
	clock := base
	for round := range rounds {
		clock = clock.Add(time.Duration(r.IntN(300*24)) * time.Hour)
		e.setClock(clock)
		said := map[string]bool{}
		for _, c := range clips {
			c = e.get(c)
			if c.Status == clip.StatusDeleted {
				continue
			}
			req := functions.ManageRequest{Justification: "dueNow randomized test", Actor: "duenow"}
			var action string
			switch r.IntN(6) {
			case 0:
				action, req.Categories = functions.ActionReclassify, []string{cats[r.IntN(len(cats))]}
			case 1:
				action, req.IncidentRefs = functions.ActionLinkIncident, []string{fmt.Sprintf("CAD/%d", r.IntN(1000))}
			case 2:
				action = functions.ActionSetLegalHold
			default:
				action = functions.ActionClearLegalHold // often no change: dueNow of the record as it stands
			}
			got := e.h.post(t, c.ID, action, c.ETag, req)
			said[c.ID] = got.DueNow
		}
		rep := e.sweep(functions.SweepOptions{RunID: fmt.Sprintf("duenow-%d", round), PageSize: 50, MaxClips: 100000})
		if rep.Outcomes[functions.SweepError] != 0 {
			t.Fatalf("seed %d round %d: sweep errors %v", seed, round, rep.Errors)
		}
		for _, c := range clips {
			dueNow, asked := said[c.ID]
			if !asked {
				continue
			}
			after := e.get(c)
			deleted := after.Status == clip.StatusDeleted
			if deleted != dueNow {
				d := retention.DecideClip(policies[0], after, clock)
				t.Fatalf("seed %d round %d at %s: ClipManage said dueNow=%v, the sweep deleted=%v (decision now %s: %s)\nrecord: status %s, receivedAt %s, retention %+v",
					seed, round, clock.Format(time.RFC3339), dueNow, deleted, d.Code, d.Reason, after.Status, after.ReceivedAt, after.Retention)
			}
			if dueNow {
				dueCount++
			} else {
				keptCount++
			}
		}
		t.Logf("round %d at %s: outcomes %v", round, clock.Format("2006-01-02"), rep.Outcomes)
	}
	if dueCount == 0 || keptCount == 0 {
		t.Fatalf("seed %d: degenerate run: %d due, %d kept; the property was not exercised", seed, dueCount, keptCount)
	}
	t.Logf("seed %d: %d answers checked against the sweep (%d due, %d kept)", seed, dueCount+keptCount, dueCount, keptCount)
}
