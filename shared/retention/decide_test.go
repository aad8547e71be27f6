package retention

import (
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	due := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	received := start.Add(2 * time.Hour)
	dwellEnd := received.AddDate(0, 0, 14) // before due: the dwell does not bind
	dated := Schedule{PolicyVersion: "v1", Rule: RuleDefault, CountedFrom: start, RetainUntil: &due, NotBefore: &dwellEnd}
	// lateDock: recorded on 1 January, docked on 1 March; the dwell binds and is the deletion date.
	lateEnd := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	lateDock := Schedule{PolicyVersion: "v1", Rule: RuleDefault, CountedFrom: start, RetainUntil: &lateEnd, NotBefore: &lateEnd}
	with := func(f func(*Schedule)) Schedule {
		s := dated
		f(&s)
		return s
	}
	zero := time.Time{}
	before := start.Add(-time.Hour)
	for _, tc := range []struct {
		name   string
		s      Schedule
		hold   bool
		status string
		now    time.Time
		code   string
	}{
		{"due at the exact instant", dated, false, StatusVerified, due, DecisionDue},
		{"due later", dated, false, StatusVerified, due.AddDate(1, 0, 0), DecisionDue},
		{"due, in another zone", dated, false, StatusVerified, due.In(time.FixedZone("X", -5*3600)), DecisionDue},
		{"one nanosecond early", dated, false, StatusVerified, due.Add(-1), DecisionNotDue},
		{"legal hold", dated, true, StatusVerified, due, DecisionLegalHold},
		{"schedule computed under a hold", with(func(s *Schedule) { s.Rule = RuleLegalHold }), false, StatusVerified, due, DecisionLegalHold},
		{"held until released", with(func(s *Schedule) { s.RetainUntil = nil; s.HeldUntilReleased = true; s.Rule = RuleIncidentLinked }), false, StatusVerified, due, DecisionHeldUntilReleased},
		{"held and dated is inconsistent", with(func(s *Schedule) { s.HeldUntilReleased = true }), false, StatusVerified, due, DecisionInconsistent},
		{"no date", with(func(s *Schedule) { s.RetainUntil = nil }), false, StatusVerified, due, DecisionNoDate},
		{"zero date", with(func(s *Schedule) { s.RetainUntil = &zero }), false, StatusVerified, due, DecisionNoDate},
		{"no clock", dated, false, StatusVerified, zero, DecisionNoClock},
		{"received", dated, false, StatusReceived, due, DecisionStatus},
		{"already deleted", dated, false, StatusDeleted, due, DecisionStatus},
		{"empty status", dated, false, "", due, DecisionStatus},
		{"status in capitals", dated, false, "VERIFIED", due, DecisionStatus},
		{"quarantined, schedule not", dated, false, StatusQuarantined, due, DecisionInconsistent},
		{"verified, schedule quarantined", with(func(s *Schedule) { s.Quarantined = true; s.Rule = RuleQuarantine }), false, StatusVerified, due, DecisionInconsistent},
		{"quarantined and due", with(func(s *Schedule) { s.Quarantined = true; s.Rule = RuleQuarantine }), false, StatusQuarantined, due, DecisionDue},
		{"no policy version", with(func(s *Schedule) { s.PolicyVersion = "" }), false, StatusVerified, due, DecisionInconsistent},
		{"no rule", with(func(s *Schedule) { s.Rule = "" }), false, StatusVerified, due, DecisionInconsistent},
		{"no recorded start", with(func(s *Schedule) { s.CountedFrom = zero }), false, StatusVerified, due, DecisionInconsistent},
		{"date before the recorded start", with(func(s *Schedule) { s.RetainUntil = &before }), false, StatusVerified, due, DecisionInconsistent},
		{"the zero schedule", Schedule{}, false, StatusVerified, due, DecisionInconsistent},
		{"docked late: kept through the dwell", lateDock, false, StatusVerified, due, DecisionMinDwell},
		{"docked late: one nanosecond before the dwell ends", lateDock, false, StatusVerified, lateEnd.Add(-1), DecisionMinDwell},
		{"docked late: due when the dwell ends", lateDock, false, StatusVerified, lateEnd, DecisionDue},
		{"dwell ended before the date: not due", dated, false, StatusVerified, dwellEnd, DecisionNotDue},
		{"date before the dwell's end (stale schedule)", with(func(s *Schedule) { s.NotBefore = &lateEnd }), false, StatusVerified, due, DecisionMinDwell},
		{"date before the dwell's end, dwell over", with(func(s *Schedule) { s.NotBefore = &lateEnd }), false, StatusVerified, lateEnd, DecisionDue},
		{"receipt time unknown", with(func(s *Schedule) { s.NotBefore = nil }), false, StatusVerified, due.AddDate(5, 0, 0), DecisionMinDwell},
		{"receipt time zero", with(func(s *Schedule) { s.NotBefore = &zero }), false, StatusVerified, due.AddDate(5, 0, 0), DecisionMinDwell},
		{"quarantined from receipt and due", with(func(s *Schedule) { s.Quarantined = true; s.Rule = RuleQuarantineReceipt }), false, StatusQuarantined, due, DecisionDue},
		{"verified, schedule quarantined from receipt", with(func(s *Schedule) { s.Quarantined = false; s.Rule = RuleQuarantineReceipt }), false, StatusVerified, due, DecisionInconsistent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.s, tc.hold, tc.status, tc.now)
			if d.Code != tc.code || d.Delete != (tc.code == DecisionDue) || d.Reason == "" {
				t.Errorf("Decide = %+v, want code %s", d, tc.code)
			}
		})
	}
}
