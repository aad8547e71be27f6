package functions

import (
	"context"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// Codes of a lowering change refused for the function's clock: the dates
// it stores (the release grace's end) and Storage mirrors come from it.
const (
	// ManageClockSkew: this instance's clock is more than
	// maxChangeClockSkew from the database's; nothing was written.
	ManageClockSkew clip.Code = "MANAGE_CLOCK_SKEW"
	// ManageClockUnchecked: the database's clock could not be read to
	// check this instance's; nothing was written (retried by the caller).
	ManageClockUnchecked clip.Code = "MANAGE_CLOCK_UNCHECKED"
)

// maxChangeClockSkew is the sweep's default tolerance (SweepOptions.MaxClockSkew).
const maxChangeClockSkew = 5 * time.Minute

// checkChangeClock refuses a change that lowers protection when a.now()
// is more than maxChangeClockSkew from the database's clock (the sweep's
// checkClock, for ClipManage): an instance days slow would store a grace
// that ends days early, and Storage would mirror it. The Date header has
// one-second resolution, hence the extra second.
func (a *App) checkChangeClock(ctx context.Context) error {
	server, err := a.Records.ServerTime(ctx)
	if err != nil {
		return &clip.Error{Kind: clip.Transient, Code: ManageClockUnchecked, Message: "a change that lowers protection needs the database's clock to check this instance's", Err: err}
	}
	now := a.now()
	skew := now.Sub(server)
	if skew < 0 {
		skew = -skew
	}
	if now.IsZero() || skew > maxChangeClockSkew+time.Second {
		return clip.Errorf(clip.Refused, ManageClockSkew, "this instance's clock %s is %s from the database's %s (allowed %s): a change that lowers protection is refused until it is fixed",
			now.UTC().Format(time.RFC3339), skew, server.UTC().Format(time.RFC3339), maxChangeClockSkew)
	}
	return nil
}

// The release grace: a change that brings a clip's deletion earlier never
// makes it due sooner than now + the policy's releaseGrace.

// retentionAfterChange is the retention the record stores after a change
// from before to next (a ClipManage action or the audited recompute, by
// actor): next's natural schedule under the policy in force, plus the
// pending release. It compares before's stored schedule (what the sweep
// would delete it under) with next's natural one:
//   - earlier, and the new date falls before now + releaseGrace: a pending
//     release requested by actor, effective at now + releaseGrace (or at
//     an earlier request's end of grace, if that is later);
//   - later (a hold set, an incident linked, a longer category) while a
//     release is pending, and the new schedule keeps the clip at least
//     until the release's effective time (held, or dated no earlier): the
//     release is cancelled, and the record shows by whom and when;
//   - otherwise a pending release stays as it was. A later change that
//     still leaves the clip due before the release's effective time does
//     not cancel it: cancelling would make it due sooner.
func (a *App) retentionAfterChange(before, next clip.Clip, actor string) clip.Retention {
	now := a.now().UTC()
	r := a.Policy.RecordFor(next) // carries a pending release over, as a copy
	from := retention.ScheduleOf(a.Policy, before)
	from.ReleaseFrom = nil
	to := a.Policy.Schedule(retention.FactsOf(next))
	graceEnd := a.Policy.ReleaseFrom(now)
	pending := r.PendingRelease.Active()
	switch {
	case retention.Earlier(from, to) && to.RetainUntil != nil && to.RetainUntil.Before(graceEnd):
		eff := graceEnd
		if pending && r.PendingRelease.EffectiveFrom.After(eff) {
			eff = r.PendingRelease.EffectiveFrom.Time
		}
		r.PendingRelease = &clip.PendingRelease{RequestedBy: actor, RequestedAt: clip.At(now), EffectiveFrom: clip.At(eff),
			FromRule: before.Retention.Rule, ToRule: r.Rule}
	case pending && retention.Earlier(to, from) && (to.RetainUntil == nil || !to.RetainUntil.Before(r.PendingRelease.EffectiveFrom.Time)):
		r.PendingRelease.CancelledBy = actor
		r.PendingRelease.CancelledAt = clip.Ptr(now)
	}
	return r
}

// releaseDetails are the audit details of the pending release a change
// requested or cancelled (none when it did neither).
func releaseDetails(before, after clip.Retention) map[string]string {
	b, n := before.PendingRelease, after.PendingRelease
	switch {
	case b.Active() && n != nil && !n.Active():
		return map[string]string{"releaseGrace": "cancelled", "releaseEffectiveFrom": n.EffectiveFrom.String(), "releaseRequestedBy": n.RequestedBy}
	case n.Active() && (!b.Active() || !b.RequestedAt.Equal(n.RequestedAt.Time)):
		return map[string]string{"releaseGrace": "requested", "releaseEffectiveFrom": n.EffectiveFrom.String(), "releaseFromRule": n.FromRule}
	}
	return nil
}
