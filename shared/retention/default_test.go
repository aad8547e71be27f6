package retention

import (
	"testing"
	"time"
)

// The embedded default must parse, or Default panics in every binary.
func TestDefaultPolicyIsValid(t *testing.T) {
	p, err := Parse(defaultPolicyJSON)
	if err != nil {
		t.Fatalf("embedded default-policy.json is invalid: %v", err)
	}
	if p.Version() == "" || Default().Version() != p.Version() {
		t.Fatalf("Default().Version() = %q, parsed %q", Default().Version(), p.Version())
	}
}

// The numbers the docs promise: uncategorised and non-evidential 31 days, incident-linked held until released,
// evidential longer than a year with a review.
func TestDefaultPolicyNumbers(t *testing.T) {
	p := Default()
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	want31 := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	for _, cats := range [][]string{nil, {"non-evidential"}, {"Uncategorised"}} {
		s := p.Schedule(Facts{Categories: cats, RecordedStart: start})
		if s.RetainUntil == nil || !s.RetainUntil.Equal(want31) {
			t.Errorf("categories %v: retainUntil %v, want %v", cats, s.RetainUntil, want31)
		}
	}
	if s := p.Schedule(Facts{Categories: []string{"non-evidential"}, IncidentRefs: []string{"CAD/123"}, RecordedStart: start}); !s.HeldUntilReleased || s.Rule != RuleIncidentLinked {
		t.Errorf("incident-linked under default: %+v, want held until released by %q", s, RuleIncidentLinked)
	}
	s := p.Schedule(Facts{Categories: []string{"evidential"}, RecordedStart: start})
	if s.RetainUntil == nil || s.RetainUntil.Before(start.AddDate(1, 0, 0)) || s.ReviewDate == nil {
		t.Errorf("evidential under default: %+v, want more than a year and a review date", s)
	}
}

// The documented default table (docs/retention.md) matches the embedded file.
func TestDefaultPolicyMatchesDocs(t *testing.T) {
	p := Default()
	for _, tc := range []struct {
		name, period, review string
		held                 bool
	}{
		{"uncategorised", "P31D", "", false},
		{"non-evidential", "P31D", "", false},
		{"evidential", "P7Y", "P6Y", false},
		{"evidential-serious", "", "P10Y", true},
		{"public-protection", "", "P10Y", true},
	} {
		r, ok := p.CategoryRule(tc.name)
		if !ok || r.Period.String() != tc.period || r.ReviewEvery.String() != tc.review || r.HoldUntilReleased != tc.held {
			t.Errorf("%s: %+v (known %v), want period %q review %q held %v", tc.name, r, ok, tc.period, tc.review, tc.held)
		}
	}
	if q := p.QuarantineRule(); q.Period.String() != "P1Y" || q.ReviewEvery.String() != "P3M" {
		t.Errorf("quarantine %+v", q)
	}
	if d := p.MinimumDwell(); d.String() != "P14D" {
		t.Errorf("minimum dwell %s, want P14D", d)
	}
	if d := p.MaxDockDelay(); d.String() != "P14D" {
		t.Errorf("max dock delay %s, want P14D", d)
	}
	if g := p.ReleaseGrace(); g.String() != "P7D" {
		t.Errorf("release grace %s, want P7D", g)
	}
	if i := p.IncidentLinkedRule(); !i.HoldUntilReleased || i.ReviewEvery.String() != "P1Y" {
		t.Errorf("incident-linked %+v", i)
	}
}
