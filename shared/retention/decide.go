package retention

import (
	"fmt"
	"time"
)

// Clip statuses Decide understands. They mirror the clip document's status values.
const (
	StatusReceived    = "received"
	StatusVerified    = "verified"
	StatusQuarantined = "quarantined"
	StatusDeleted     = "deleted"
)

// Decision codes: stable, recorded by the sweep. Only DecisionDue deletes.
const (
	DecisionDue               = "DUE"
	DecisionLegalHold         = "KEEP_LEGAL_HOLD"
	DecisionHeldUntilReleased = "KEEP_HELD_UNTIL_RELEASED"
	DecisionNotDue            = "KEEP_NOT_DUE"
	DecisionMinDwell          = "KEEP_MIN_DWELL" // within the minimum dwell after receipt, or the receipt time is unknown
	DecisionNoDate            = "KEEP_NO_DATE"
	DecisionNoClock           = "KEEP_NO_CLOCK"
	DecisionStatus            = "KEEP_STATUS"
	DecisionInconsistent      = "KEEP_INCONSISTENT"
	DecisionReleaseGrace      = "KEEP_RELEASE_GRACE" // a change brought the date earlier; its grace has not ended
)

// Decision is the answer for one clip. Reason is a sentence for logs and the dry-run report; Code is stable.
type Decision struct {
	Delete bool
	Code   string
	Reason string
}

// Decide answers the sweep's question for one clip at time now, from the clip's stored schedule, its current
// legal-hold flag and status. It deletes only when every one of these holds: the clock is set; there is no legal
// hold; the status is verified or quarantined and matches the schedule; the schedule names a policy version, a rule
// and the recorded start; it is not held until released; it has a deletion date after the recorded start; it names
// the end of the minimum dwell after receipt (NotBefore, see WithReceipt); and now is at or after both dates and
// after the end of a pending release's grace (ReleaseFrom), if there is one.
// Anything else keeps the clip, with a code saying why.
func Decide(s Schedule, legalHold bool, status string, now time.Time) Decision {
	keep := func(code, format string, args ...any) Decision {
		return Decision{Code: code, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case now.IsZero():
		return keep(DecisionNoClock, "no current time was given; nothing is deleted without a clock")
	case legalHold:
		return keep(DecisionLegalHold, "the clip is on legal hold")
	case s.Rule == RuleLegalHold:
		return keep(DecisionLegalHold, "the schedule was computed under a legal hold; recompute it after the hold is cleared")
	}
	switch status {
	case StatusVerified, StatusQuarantined:
	case StatusReceived:
		return keep(DecisionStatus, "the clip is not yet verified or quarantined; it is never deleted before its integrity is settled")
	case StatusDeleted:
		return keep(DecisionStatus, "the clip is already deleted")
	default:
		return keep(DecisionStatus, "unknown clip status %q", status)
	}
	switch {
	case (status == StatusQuarantined) != s.Quarantined:
		return keep(DecisionInconsistent, "the clip is %s but its schedule was computed for a %s clip; recompute the schedule", status, map[bool]string{true: "quarantined", false: "non-quarantined"}[s.Quarantined])
	case (s.Rule == RuleQuarantine || s.Rule == RuleQuarantineReceipt) && !s.Quarantined:
		return keep(DecisionInconsistent, "the schedule's rule is quarantine but it was not computed for a quarantined clip")
	case s.PolicyVersion == "":
		return keep(DecisionInconsistent, "the schedule names no policy version")
	case s.Rule == "":
		return keep(DecisionInconsistent, "the schedule names no rule")
	case s.HeldUntilReleased && s.RetainUntil != nil:
		return keep(DecisionInconsistent, "the schedule is both held until released and dated")
	case s.HeldUntilReleased:
		return keep(DecisionHeldUntilReleased, "held until released (rule %s)", s.Rule)
	case s.RetainUntil == nil || s.RetainUntil.IsZero():
		return keep(DecisionNoDate, "the schedule has no deletion date")
	case s.CountedFrom.IsZero():
		return keep(DecisionInconsistent, "the schedule does not say which recorded start it counts from")
	case !s.RetainUntil.After(s.CountedFrom):
		return keep(DecisionInconsistent, "the deletion date %s is not after the recorded start %s", s.RetainUntil.UTC().Format(time.RFC3339), s.CountedFrom.UTC().Format(time.RFC3339))
	case s.NotBefore == nil || s.NotBefore.IsZero():
		return keep(DecisionMinDwell, "the time the clip was received is not known, so its minimum dwell after receipt cannot be checked")
	case now.Before(*s.NotBefore) && !s.NotBefore.Before(*s.RetainUntil):
		return keep(DecisionMinDwell, "received too recently: kept at least until %s, the end of the minimum dwell after receipt", s.NotBefore.UTC().Format(time.RFC3339))
	case now.Before(*s.RetainUntil):
		return keep(DecisionNotDue, "due at %s (rule %s)", s.RetainUntil.UTC().Format(time.RFC3339), s.Rule)
	case s.ReleaseFrom != nil && s.ReleaseFrom.IsZero():
		return keep(DecisionReleaseGrace, "a release is pending but its effective time is not recorded; nothing is deleted on a guess")
	case s.ReleaseFrom != nil && now.Before(*s.ReleaseFrom):
		return keep(DecisionReleaseGrace, "a change brought the deletion date earlier; the release takes effect at %s", s.ReleaseFrom.UTC().Format(time.RFC3339))
	}
	return Decision{Delete: true, Code: DecisionDue, Reason: fmt.Sprintf("due since %s under policy %s, rule %s", s.RetainUntil.UTC().Format(time.RFC3339), s.PolicyVersion, s.Rule)}
}
