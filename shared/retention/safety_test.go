package retention

import (
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// The issue "nothing is deleted early": a camera clock reset, quarantined clips an authorised person classified,
// and the release grace — the pure rules, through the clip-record bridge (FactsOf, RecordOf, ScheduleOf,
// DecideClip) the handler uses.

func recordOf(p *Policy, c clip.Clip) clip.Clip {
	c.Retention = p.RecordFor(c)
	return c
}

// A clip uploaded as evidential whose camera says it was recorded 20 years before it was received is not due for
// at least the evidential period from receipt, and its record is flagged for a person to correct.
func TestClockResetEvidentialCountsFromReceipt(t *testing.T) {
	p := Default()
	received := time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)
	start := received.AddDate(-20, 0, 0)
	for _, tc := range []struct {
		name   string
		c      clip.Clip
		held   bool
		period Period
	}{
		{"evidential", clip.Clip{Categories: []string{"evidential"}, Status: clip.StatusVerified}, false, Period{Years: 7}},
		{"evidential-serious (held)", clip.Clip{Categories: []string{"evidential-serious"}, Status: clip.StatusVerified}, true, Period{}},
		{"legal hold", clip.Clip{Categories: []string{"non-evidential"}, Status: clip.StatusVerified, Retention: clip.Retention{LegalHold: true}}, true, Period{}},
		{"quarantined, set evidential by a person", clip.Clip{Categories: []string{"evidential"}, CategoriesSetBy: "dpo@force", Status: clip.StatusQuarantined}, false, Period{Years: 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.RecordedStart, c.ReceivedAt, c.IncidentRefs = clip.Ptr(start), clip.At(received), []string{}
			c = recordOf(p, c)
			r := c.Retention
			if r.Review == nil || r.Review.Code != ReviewRecordedStartImplausible || !r.Review.Since.Equal(received) || r.Review.Detail == "" {
				t.Fatalf("record not flagged: %+v", r.Review)
			}
			if r.CountedFrom == nil || !r.CountedFrom.Equal(received) {
				t.Errorf("counted from %v, want the receipt %s", r.CountedFrom, received)
			}
			if tc.held {
				if !r.HeldUntilReleased || r.RetainUntil != nil {
					t.Fatalf("held footage from a reset camera got a date: %+v", r)
				}
				if d := DecideClip(p, c, received.AddDate(200, 0, 0)); d.Delete {
					t.Fatalf("held footage deleted: %+v", d)
				}
				return
			}
			full := tc.period.AddTo(received)
			if r.RetainUntil == nil || r.RetainUntil.Before(full) {
				t.Fatalf("retainUntil %v, want at least %s (the full period from receipt)", r.RetainUntil, full)
			}
			if d := DecideClip(p, c, full.Add(-time.Second)); d.Delete {
				t.Fatalf("due a second before the full period from receipt: %+v", d)
			}
			if d := DecideClip(p, c, full); !d.Delete {
				t.Fatalf("not due at the end of the full period from receipt: %+v", d)
			}
			// The flag survives the stored round trip (what the sweep and the CLI read back).
			if s := ScheduleOf(p, c); s.Review == nil || s.Review.Code != ReviewRecordedStartImplausible {
				t.Errorf("ScheduleOf lost the review flag: %+v", s)
			}
		})
	}
	// A plausible start (docked within maxDockDelay) is neither moved nor flagged.
	c := recordOf(p, clip.Clip{Categories: []string{"evidential"}, Status: clip.StatusVerified, RecordedStart: clip.Ptr(received.AddDate(0, 0, -14)), ReceivedAt: clip.At(received)})
	if c.Retention.Review != nil || !c.Retention.CountedFrom.Equal(received.AddDate(0, 0, -14)) {
		t.Errorf("a start exactly maxDockDelay before receipt: %+v", c.Retention)
	}
}

// The dock's categories are not trusted for a quarantined clip; categories an authenticated person set are, and
// the longest of them and the quarantine rule wins. Incident references count for a quarantined clip already.
func TestQuarantinedClipTrustedCategories(t *testing.T) {
	p := Default()
	start := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	base := clip.Clip{Status: clip.StatusQuarantined, RecordedStart: clip.Ptr(start), ReceivedAt: clip.At(start.Add(time.Hour)), IncidentRefs: []string{}}
	for _, tc := range []struct {
		name, setBy string
		cats, refs  []string
		rule        string
		until       *time.Time
	}{
		{"dock said evidential: not trusted", "", []string{"evidential"}, nil, RuleQuarantine, ptr(start.AddDate(1, 0, 0))},
		{"a person set evidential", "dpo@force", []string{"evidential"}, nil, "category:evidential", ptr(start.AddDate(7, 0, 0))},
		{"a person set non-evidential: quarantine is longer", "dpo@force", []string{"non-evidential"}, nil, RuleQuarantine, ptr(start.AddDate(1, 0, 0))},
		{"a person set evidential-serious: held", "dpo@force", []string{"evidential-serious"}, nil, "category:evidential-serious", nil},
		{"a person set an unknown category: held", "dpo@force", []string{"retired-category"}, nil, "unknown-category:retired-category", nil},
		{"incident reference on a quarantined clip: held", "", nil, []string{"CAD/1"}, RuleIncidentLinked, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			c.Categories, c.CategoriesSetBy = tc.cats, tc.setBy
			if tc.refs != nil {
				c.IncidentRefs = tc.refs
			}
			s := p.Schedule(FactsOf(c))
			if s.Rule != tc.rule || !sameTime(s.RetainUntil, tc.until) || s.HeldUntilReleased != (tc.until == nil) || !s.Quarantined {
				t.Fatalf("schedule %+v (until %s), want rule %s until %s", s, fmtp(s.RetainUntil), tc.rule, fmtp(tc.until))
			}
		})
	}
}

func ptr(t time.Time) *time.Time { return &t }

// Earlier compares natural schedules: a date before another, or a date where there was none (held).
func TestEarlier(t *testing.T) {
	d := func(day int) Schedule {
		v := time.Date(2026, 1, day, 0, 0, 0, 0, time.UTC)
		return Schedule{Rule: "r", RetainUntil: &v}
	}
	held := Schedule{Rule: RuleLegalHold, HeldUntilReleased: true}
	for _, tc := range []struct {
		name          string
		before, after Schedule
		want          bool
	}{
		{"shorter date", d(20), d(10), true},
		{"same date", d(10), d(10), false},
		{"longer date", d(10), d(20), false},
		{"hold cleared: held to dated", held, d(10), true},
		{"hold set: dated to held", d(10), held, false},
		{"held to held", held, Schedule{Rule: RuleIncidentLinked, HeldUntilReleased: true}, false},
		{"no date (missing start) to dated", Schedule{Rule: RuleMissingRecordedStart, HeldUntilReleased: true}, d(1), true},
		{"a second earlier", d(10), func() Schedule { s := d(10); v := s.RetainUntil.Add(-time.Second); s.RetainUntil = &v; return s }(), true},
	} {
		if got := Earlier(tc.before, tc.after); got != tc.want {
			t.Errorf("%s: Earlier = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A pending release on the record reaches Decide through ScheduleOf: the clip is kept until its effective time,
// then deleted if otherwise due; a cancelled one does not count; one whose time was lost keeps the clip.
func TestDecideHonoursPendingRelease(t *testing.T) {
	p := Default()
	start := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)
	c := recordOf(p, clip.Clip{Categories: []string{"non-evidential"}, Status: clip.StatusVerified, RecordedStart: clip.Ptr(start), ReceivedAt: clip.At(start.Add(time.Hour)), IncidentRefs: []string{}})
	asked := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	eff := p.ReleaseFrom(asked)
	if !eff.Equal(asked.AddDate(0, 0, 7)) {
		t.Fatalf("ReleaseFrom %s, want 7 days after %s", eff, asked)
	}
	c.Retention.PendingRelease = &clip.PendingRelease{RequestedBy: "dpo", RequestedAt: clip.At(asked), EffectiveFrom: clip.At(eff), FromRule: RuleLegalHold, ToRule: "category:non-evidential"}
	if d := DecideClip(p, c, eff.Add(-time.Second)); d.Delete || d.Code != DecisionReleaseGrace {
		t.Fatalf("a second before the release takes effect: %+v, want %s", d, DecisionReleaseGrace)
	}
	if d := DecideClip(p, c, eff); !d.Delete {
		t.Fatalf("at the release's effective time: %+v, want deleted", d)
	}
	lost := c
	lost.Retention.PendingRelease = &clip.PendingRelease{RequestedBy: "dpo"}
	if d := DecideClip(p, lost, eff.AddDate(10, 0, 0)); d.Delete || d.Code != DecisionReleaseGrace {
		t.Fatalf("a pending release without its time: %+v, want kept", d)
	}
	cancelled := c
	pr := *c.Retention.PendingRelease
	pr.CancelledAt, pr.CancelledBy = clip.Ptr(asked.Add(time.Hour)), "dpo"
	cancelled.Retention.PendingRelease = &pr
	if d := DecideClip(p, cancelled, asked.Add(2*time.Hour)); !d.Delete {
		t.Fatalf("a cancelled release still kept a due clip: %+v", d)
	}
}

// A recompute of the record (verify, the audited recompute) keeps a pending release: dropping it would make the
// clip due before its grace ends.
func TestRecordForKeepsThePendingRelease(t *testing.T) {
	p := Default()
	start := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)
	c := clip.Clip{Categories: []string{"non-evidential"}, Status: clip.StatusVerified, RecordedStart: clip.Ptr(start), ReceivedAt: clip.At(start), IncidentRefs: []string{}}
	eff := time.Date(2026, 6, 8, 0, 0, 0, 0, time.UTC)
	c.Retention.PendingRelease = &clip.PendingRelease{RequestedBy: "dpo", EffectiveFrom: clip.At(eff)}
	c = recordOf(p, c)
	if d := DecideClip(p, c, eff.Add(-time.Second)); d.Delete || d.Code != DecisionReleaseGrace {
		t.Fatalf("after RecordFor: %+v (pending release %+v)", d, c.Retention.PendingRelease)
	}
}
