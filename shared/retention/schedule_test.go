package retention

import (
	"strings"
	"testing"
	"time"
)

const schedulePolicy = `{
  "format": "bwv-retention-policy/1",
  "version": "sched-1",
  "default": {"period": "P31D"},
  "quarantine": {"period": "P90D", "reviewEvery": "P30D"},
  "incidentLinked": {"holdUntilReleased": true, "reviewEvery": "P1Y"},
  "categories": [
    {"name": "non-evidential", "period": "P31D"},
    {"name": "complaint", "period": "P1Y"},
    {"name": "evidential", "period": "P6Y", "reviewEvery": "P5Y"},
    {"name": "serious", "holdUntilReleased": true, "reviewEvery": "P10Y"},
    {"name": "month", "period": "P1M"}
  ]
}`

func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSchedule(t *testing.T) {
	p := mustParse(t, schedulePolicy)
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	at := func(y int, m time.Month, d int) *time.Time {
		v := time.Date(y, m, d, 10, 0, 0, 0, time.UTC)
		return &v
	}
	for _, tc := range []struct {
		name   string
		facts  Facts
		rule   string
		until  *time.Time // nil = no date
		held   bool
		review *time.Time
	}{
		{"uncategorised: 31 days exactly", Facts{RecordedStart: start}, RuleDefault, at(2026, 2, 1), false, nil},
		{"explicit uncategorised is the default", Facts{Categories: []string{"Uncategorised"}, RecordedStart: start}, RuleDefault, at(2026, 2, 1), false, nil},
		{"blank categories are uncategorised", Facts{Categories: []string{" ", ""}, RecordedStart: start}, RuleDefault, at(2026, 2, 1), false, nil},
		{"non-evidential", Facts{Categories: []string{"non-evidential"}, RecordedStart: start}, "category:non-evidential", at(2026, 2, 1), false, nil},
		{"case and spaces ignored", Facts{Categories: []string{" EVIDENTIAL "}, RecordedStart: start}, "category:evidential", at(2032, 1, 1), false, at(2031, 1, 1)},
		{"longest wins", Facts{Categories: []string{"non-evidential", "evidential", "complaint"}, RecordedStart: start}, "category:evidential", at(2032, 1, 1), false, at(2031, 1, 1)},
		{"longest wins, order does not matter", Facts{Categories: []string{"complaint", "non-evidential"}, RecordedStart: start}, "category:complaint", at(2027, 1, 1), false, nil},
		{"held category beats any date", Facts{Categories: []string{"evidential", "serious"}, RecordedStart: start}, "category:serious", nil, true, at(2036, 1, 1)},
		// 31 Jan + P1M = 28 Feb; P31D = 3 Mar: the day count wins for this start, the month for others.
		{"calendar month vs 31 days from 31 Jan", Facts{Categories: []string{"month", "non-evidential"}, RecordedStart: time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)}, "category:non-evidential", at(2026, 3, 3), false, nil},
		{"equal dates: first rule name wins", Facts{Categories: []string{"non-evidential", "month"}, RecordedStart: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}, "category:month", at(2026, 4, 1), false, nil},
		{"unknown category is held, never guessed", Facts{Categories: []string{"non-evidential", "mystery"}, RecordedStart: start}, "unknown-category:mystery", nil, true, nil},
		{"incident-linked is held until released", Facts{Categories: []string{"non-evidential"}, IncidentRefs: []string{"CAD/2026/1"}, RecordedStart: start}, RuleIncidentLinked, nil, true, at(2027, 1, 1)},
		{"blank incident refs do not link", Facts{IncidentRefs: []string{"", "  "}, RecordedStart: start}, RuleDefault, at(2026, 2, 1), false, nil},
		{"quarantine has its own period", Facts{Categories: []string{"evidential"}, Quarantined: true, RecordedStart: start}, RuleQuarantine, at(2026, 4, 1), false, at(2026, 1, 31)},
		{"quarantined with an unknown category still uses quarantine", Facts{Categories: []string{"mystery"}, Quarantined: true, RecordedStart: start}, RuleQuarantine, at(2026, 4, 1), false, at(2026, 1, 31)},
		{"quarantined and incident-linked is held", Facts{Quarantined: true, IncidentRefs: []string{"X1"}, RecordedStart: start}, RuleIncidentLinked, nil, true, at(2027, 1, 1)},
		{"legal hold overrides a short period", Facts{Categories: []string{"non-evidential"}, LegalHold: true, RecordedStart: start}, RuleLegalHold, nil, true, nil},
		{"legal hold overrides quarantine", Facts{Quarantined: true, LegalHold: true, RecordedStart: start}, RuleLegalHold, nil, true, nil},
		{"no recorded start: no date", Facts{Categories: []string{"non-evidential"}}, RuleMissingRecordedStart, nil, true, nil},
		{"recorded start in another zone counts in UTC", Facts{RecordedStart: time.Date(2026, 1, 1, 11, 0, 0, 0, time.FixedZone("CET", 3600))}, RuleDefault, at(2026, 2, 1), false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := p.Schedule(tc.facts)
			if s.PolicyVersion != "sched-1" || s.Rule != tc.rule || s.HeldUntilReleased != tc.held || s.Quarantined != tc.facts.Quarantined {
				t.Errorf("got version %q rule %q held %v quarantined %v; want rule %q held %v", s.PolicyVersion, s.Rule, s.HeldUntilReleased, s.Quarantined, tc.rule, tc.held)
			}
			if !sameTime(s.RetainUntil, tc.until) {
				t.Errorf("retainUntil %v, want %v", fmtp(s.RetainUntil), fmtp(tc.until))
			}
			if !sameTime(s.ReviewDate, tc.review) {
				t.Errorf("reviewDate %v, want %v", fmtp(s.ReviewDate), fmtp(tc.review))
			}
			if !tc.facts.RecordedStart.IsZero() && !s.CountedFrom.Equal(tc.facts.RecordedStart) {
				t.Errorf("countedFrom %v, want %v", s.CountedFrom, tc.facts.RecordedStart)
			}
		})
	}
}

// The incident hold is a policy setting: a force can give incident-linked footage a period instead.
func TestIncidentLinkedIsAPolicySetting(t *testing.T) {
	doc := `{"format": "bwv-retention-policy/1", "version": "v", "default": {"period": "P31D"},
	  "quarantine": {"period": "P1Y"}, "incidentLinked": {"period": "P2Y"}, "categories": [{"name": "evidential", "period": "P6Y"}]}`
	p := mustParse(t, doc)
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	s := p.Schedule(Facts{IncidentRefs: []string{"CAD1"}, RecordedStart: start})
	if s.Rule != RuleIncidentLinked || s.HeldUntilReleased || s.RetainUntil == nil || !s.RetainUntil.Equal(start.AddDate(2, 0, 0)) {
		t.Errorf("incident-linked with a period: %+v", s)
	}
	s = p.Schedule(Facts{Categories: []string{"evidential"}, IncidentRefs: []string{"CAD1"}, RecordedStart: start})
	if s.Rule != "category:evidential" || !s.RetainUntil.Equal(start.AddDate(6, 0, 0)) {
		t.Errorf("evidential + incident with a shorter period: %+v", s)
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b) && a.Location() == time.UTC
}

func fmtp(t *time.Time) string {
	if t == nil {
		return "<none>"
	}
	return t.Format(time.RFC3339)
}

// Finding 2 (deletion review): a recorded start far in the past must not make a newly received clip due at once.
// Finding 5: a quarantined clip with no usable start counts from its receipt instead of being held for ever.
func TestScheduleCountsTheDwellAndTheReceipt(t *testing.T) {
	p := mustParse(t, schedulePolicy) // no "minimumDwell": the default, 14 days
	withDwell := func(d string) *Policy {
		return mustParse(t, strings.Replace(schedulePolicy, `"version": "sched-1",`, `"version": "sched-1", "maxDockDelay": "P60D", "minimumDwell": "`+d+`",`, 1))
	}
	// late: a camera docked 35 days after recording is plausible under it (maxDockDelay 60 days), so its periods
	// count from the recorded start and only the dwell moves its date.
	late := mustParse(t, strings.Replace(schedulePolicy, `"version": "sched-1",`, `"version": "sched-1", "maxDockDelay": "P60D",`, 1))
	at := func(y int, m time.Month, d, h int) *time.Time {
		v := time.Date(y, m, d, h, 0, 0, 0, time.UTC)
		return &v
	}
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		p         *Policy
		facts     Facts
		rule      string
		from      time.Time
		until     *time.Time
		notBefore *time.Time
	}{
		{"docked the same day: the rule's date, the dwell ends earlier", p,
			Facts{RecordedStart: start, ReceivedAt: start.Add(8 * time.Hour)}, RuleDefault, start, at(2026, 2, 1, 10), at(2026, 1, 15, 18)},
		{"docked 35 days late: kept 14 days after receipt", late,
			Facts{RecordedStart: start, ReceivedAt: start.AddDate(0, 0, 35)}, RuleDefault, start, at(2026, 2, 19, 10), at(2026, 2, 19, 10)},
		{"camera clock reset to 2000: counted from receipt, so kept at least 14 days after it", p,
			Facts{Categories: []string{"non-evidential"}, RecordedStart: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), ReceivedAt: start},
			"category:non-evidential", start, at(2026, 2, 1, 10), at(2026, 1, 15, 10)},
		{"docked 35 days late under the default maxDockDelay: counted from receipt", p,
			Facts{RecordedStart: start, ReceivedAt: start.AddDate(0, 0, 35)}, RuleDefault, start.AddDate(0, 0, 35), at(2026, 3, 8, 10), at(2026, 2, 19, 10)},
		{"the policy's own dwell", withDwell("P31D"),
			Facts{RecordedStart: start, ReceivedAt: start.AddDate(0, 0, 35)}, RuleDefault, start, at(2026, 3, 8, 10), at(2026, 3, 8, 10)},
		{"a longer rule is not shortened by the dwell", late,
			Facts{Categories: []string{"complaint"}, RecordedStart: start, ReceivedAt: start.AddDate(0, 0, 35)}, "category:complaint", start, at(2027, 1, 1, 10), at(2026, 2, 19, 10)},
		{"receipt unknown: the rule's date, no dwell end (Decide keeps it)", p,
			Facts{RecordedStart: start}, RuleDefault, start, at(2026, 2, 1, 10), nil},
		{"quarantined, no start: counted from receipt", p,
			Facts{Quarantined: true, ReceivedAt: start}, RuleQuarantineReceipt, start, at(2026, 4, 1, 10), at(2026, 1, 15, 10)},
		{"quarantined, start after receipt (clock ahead): counted from receipt", p,
			Facts{Quarantined: true, RecordedStart: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), ReceivedAt: start}, RuleQuarantineReceipt, start, at(2026, 4, 1, 10), at(2026, 1, 15, 10)},
		{"quarantined, start before receipt: counted from the start", p,
			Facts{Quarantined: true, RecordedStart: start, ReceivedAt: start.Add(time.Hour)}, RuleQuarantine, start, at(2026, 4, 1, 10), at(2026, 1, 15, 11)},
		{"quarantined, no start and no receipt: held", p,
			Facts{Quarantined: true}, RuleMissingRecordedStart, time.Time{}, nil, nil},
		{"not quarantined, no start: held, not counted from receipt", p,
			Facts{Categories: []string{"non-evidential"}, ReceivedAt: start}, RuleMissingRecordedStart, time.Time{}, nil, at(2026, 1, 15, 10)},
		{"quarantined from receipt and incident-linked: held", p,
			Facts{Quarantined: true, IncidentRefs: []string{"CAD/1"}, ReceivedAt: start}, RuleIncidentLinked, start, nil, at(2026, 1, 15, 10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.p.Schedule(tc.facts)
			if s.Rule != tc.rule || !s.CountedFrom.Equal(tc.from) || s.HeldUntilReleased != (tc.until == nil) {
				t.Errorf("rule %q counted from %v held %v; want rule %q from %v held %v", s.Rule, s.CountedFrom, s.HeldUntilReleased, tc.rule, tc.from, tc.until == nil)
			}
			if !sameTime(s.RetainUntil, tc.until) || !sameTime(s.NotBefore, tc.notBefore) {
				t.Errorf("retainUntil %s notBefore %s; want %s and %s", fmtp(s.RetainUntil), fmtp(s.NotBefore), fmtp(tc.until), fmtp(tc.notBefore))
			}
			// What the sweep does with it at the moment the clip arrives, and at its date.
			if tc.until != nil && !tc.facts.ReceivedAt.IsZero() {
				if d := Decide(s, false, statusOf(tc.facts), tc.facts.ReceivedAt); d.Delete {
					t.Errorf("deleted on arrival: %+v", d)
				}
				if d := Decide(s, false, statusOf(tc.facts), *tc.until); !d.Delete {
					t.Errorf("kept at its date %s: %+v", fmtp(tc.until), d)
				}
			}
		})
	}
}

// A stored schedule carries no NotBefore; WithReceipt restores it from the record's receipt time.
func TestWithReceipt(t *testing.T) {
	p := mustParse(t, strings.Replace(schedulePolicy, `"version": "sched-1",`, `"version": "sched-1", "maxDockDelay": "P60D",`, 1))
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	received := start.AddDate(0, 0, 35)
	s := p.Schedule(Facts{RecordedStart: start, ReceivedAt: received})
	stored := s
	stored.NotBefore = nil
	if d := Decide(stored, false, StatusVerified, received.AddDate(1, 0, 0)); d.Delete || d.Code != DecisionMinDwell {
		t.Errorf("a stored schedule without the receipt: %+v, want %s", d, DecisionMinDwell)
	}
	back := stored.WithReceipt(p, received)
	if !sameTime(back.NotBefore, s.NotBefore) {
		t.Errorf("WithReceipt gives notBefore %s, want %s", fmtp(back.NotBefore), fmtp(s.NotBefore))
	}
	if d := Decide(back, false, StatusVerified, *s.NotBefore); !d.Delete {
		t.Errorf("at the dwell's end: %+v", d)
	}
	if back := stored.WithReceipt(p, time.Time{}); back.NotBefore != nil {
		t.Errorf("WithReceipt of a zero receipt: %s, want none", fmtp(back.NotBefore))
	}
}

func statusOf(f Facts) string {
	if f.Quarantined {
		return StatusQuarantined
	}
	return StatusVerified
}
