package retention

import (
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// This file is the one bridge between the clip record (shared/clip) and the
// policy: what the policy is told about a clip (FactsOf), how a schedule is
// stored on the record (RecordOf) and read back from it (ScheduleOf), and
// the sweep's question asked of a record (DecideClip). Ingest, verify,
// ClipManage, the sweep, the CLI and the tests all go through it.

// FactsOf is what the policy needs to know about c: its categories and
// incident references, whether it is quarantined, its legal hold, its
// recorded start and when it was received. Categories an authenticated
// person set through ClipManage (CategoriesSetBy) are also trusted ones:
// they count for a quarantined clip too.
func FactsOf(c clip.Clip) Facts {
	f := Facts{
		Categories:   c.Categories,
		IncidentRefs: c.IncidentRefs,
		Quarantined:  c.Status == clip.StatusQuarantined,
		LegalHold:    c.Retention.LegalHold,
		ReceivedAt:   c.ReceivedAt.Time,
	}
	if c.CategoriesSetBy != "" {
		f.TrustedCategories = c.Categories
	}
	if c.RecordedStart != nil {
		f.RecordedStart = c.RecordedStart.Time
	}
	return f
}

// RecordOf is s as the clip record stores it. legalHold is carried over
// from the record: a hold is a fact a person sets, never computed. The
// record does not store NotBefore (ScheduleOf and DecideClip restore it),
// nor ReleaseFrom: a pending release is a fact of the change that asked
// for it (clip.Retention.PendingRelease), set by its caller.
func RecordOf(s Schedule, legalHold bool) clip.Retention {
	r := clip.Retention{
		PolicyVersion:     s.PolicyVersion,
		Rule:              s.Rule,
		HeldUntilReleased: s.HeldUntilReleased,
		Quarantined:       s.Quarantined,
		LegalHold:         legalHold,
	}
	if !s.CountedFrom.IsZero() {
		r.CountedFrom = clip.Ptr(s.CountedFrom)
	}
	if s.RetainUntil != nil {
		r.RetainUntil = clip.Ptr(*s.RetainUntil)
	}
	if s.ReviewDate != nil {
		r.ReviewDate = clip.Ptr(*s.ReviewDate)
	}
	if s.Review != nil {
		r.Review = &clip.RetentionReview{Code: s.Review.Code, Since: clip.At(s.Review.Since), Detail: s.Review.Detail}
	}
	return r
}

// ScheduleOf is the schedule c's record stores, with NotBefore (the end of
// the minimum dwell, which the record does not store) restored from its
// receivedAt and p's minimum dwell, and ReleaseFrom from an active
// pending release: the schedule the sweep decides on.
func ScheduleOf(p *Policy, c clip.Clip) Schedule {
	r := c.Retention
	s := Schedule{PolicyVersion: r.PolicyVersion, Rule: r.Rule, HeldUntilReleased: r.HeldUntilReleased, Quarantined: r.Quarantined}
	if r.CountedFrom != nil {
		s.CountedFrom = r.CountedFrom.Time
	}
	if r.RetainUntil != nil {
		t := r.RetainUntil.Time
		s.RetainUntil = &t
	}
	if r.ReviewDate != nil {
		t := r.ReviewDate.Time
		s.ReviewDate = &t
	}
	if r.Review != nil {
		s.Review = &Review{Code: r.Review.Code, Since: r.Review.Since.Time, Detail: r.Review.Detail}
	}
	if r.PendingRelease.Active() {
		t := r.PendingRelease.EffectiveFrom.Time // zero when the record lost it: Decide keeps the clip
		s.ReleaseFrom = &t
	}
	return s.WithReceipt(p, c.ReceivedAt.Time)
}

// RecordFor is the retention p gives c, as its record stores it: the
// schedule of c's facts, with c's legal hold and pending release carried
// over (both are facts of a person's change, never computed; a recompute
// must not drop a release's grace). Adding a pending release is the job of
// functions' retentionAfterChange (ClipManage, the audited recompute).
// Ingest and verify store it.
func (p *Policy) RecordFor(c clip.Clip) clip.Retention {
	r := RecordOf(p.Schedule(FactsOf(c)), c.Retention.LegalHold)
	if pr := c.Retention.PendingRelease; pr != nil {
		cp := *pr
		r.PendingRelease = &cp
	}
	return r
}

// DecideClip is the sweep's decision for c's record at now under p:
// Decide on the stored schedule (ScheduleOf), the record's current legal
// hold and its status. The sweep deletes on it; ClipManage's dueNow and the
// CLI's reports answer with it, so they cannot disagree with the sweep.
func DecideClip(p *Policy, c clip.Clip, now time.Time) Decision {
	return Decide(ScheduleOf(p, c), c.Retention.LegalHold, string(c.Status), now)
}
