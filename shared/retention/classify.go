package retention

import (
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Classification says what a change to a clip does to when it can be
// deleted: the one notion ClipManage's roles are decided on (the release
// role for Earlier, the protect role otherwise) and that other code, such
// as a grace period after a release, can rely on.
type Classification string

const (
	// ClassEarlier: after the change the clip can become due sooner than
	// before (a date earlier than before, or a date where before there was
	// none: held until released, legal hold, no automatic date).
	ClassEarlier Classification = "earlier"
	// ClassNoEarlier: the clip is kept at least as long (later, held, or
	// the same date).
	ClassNoEarlier Classification = "no-earlier"
)

// Classify compares two schedules of one clip, before and after a change,
// both computed with the same policy (the natural schedules, before any
// grace a caller adds afterwards).
func Classify(before, after Schedule) Classification {
	if Earlier(before, after) {
		return ClassEarlier
	}
	return ClassNoEarlier
}

// Earlier reports whether after can become due sooner than before: after
// has an automatic deletion date and before had none (held until
// released, legal hold, or no date), or after's date is before before's.
// A schedule's date is its RetainUntil, but never before its NotBefore
// (the minimum dwell) when that is set, since Decide keeps the clip until
// both have passed.
func Earlier(before, after Schedule) bool {
	a := dueBound(after)
	if a == nil {
		return false
	}
	b := dueBound(before)
	return b == nil || a.Before(*b)
}

// dueBound is the earliest time s lets the clip be deleted; nil = never
// automatically (held until released, legal hold, or no date).
func dueBound(s Schedule) *time.Time {
	if s.HeldUntilReleased || s.Rule == RuleLegalHold || s.RetainUntil == nil || s.RetainUntil.IsZero() {
		return nil
	}
	t := *s.RetainUntil
	if s.NotBefore != nil && s.NotBefore.After(t) {
		t = *s.NotBefore
	}
	return &t
}

// ClassifyChange classifies a change to a clip record, before → after, as
// ClipManage decides its role on: the natural schedules of both records'
// facts under p (no grace or other adjustment a caller applies to the
// stored result afterwards). It is Earlier also when after's natural
// schedule is earlier than the schedule before's record stores: the change
// replaces the stored schedule, so when that was computed by an older,
// longer policy version the change does bring deletion earlier, even if
// the same policy would have given both the same date.
func ClassifyChange(p *Policy, before, after clip.Clip) Classification {
	a := p.Schedule(FactsOf(after))
	if Earlier(p.Schedule(FactsOf(before)), a) || Earlier(ScheduleOf(p, before), a) {
		return ClassEarlier
	}
	return ClassNoEarlier
}
