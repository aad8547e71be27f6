package functions

import (
	"context"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// The audited policy recompute: the service behind
// bwv retention recompute (cmd/bwv/retention.go).

// RecomputeRetention applies the app's policy (a.Policy) to one existing
// clip: the explicit, audited step through which a new policy reaches
// clips recorded under an older one (bwv retention recompute --apply).
// A clip whose schedule does not change is left alone (changed false).
// Deleted and refused records are never touched.
func (a *App) RecomputeRetention(ctx context.Context, c clip.Clip, actor ResolvedActor, justification string) (clip.Clip, bool, error) {
	if c.Type != clip.DocTypeClip || c.Status == clip.StatusDeleted || c.Status == clip.StatusRefused {
		return c, false, nil
	}
	if strings.TrimSpace(justification) == "" {
		return c, false, clip.Errorf(clip.Invalid, clip.CodeJustificationMissing, "a policy recompute needs a justification")
	}
	next := c
	next.Retention = a.retentionAfterChange(c, c, actor.Name)
	if sameManaged(c, next) {
		// Nothing to change; the tags are still rewritten from the record,
		// and Storage's protection is brought up to it, extend only: the
		// backfill of clips verified before Storage protected footage, and
		// the repair of a dated clip whose post-write sync failed (a dry
		// run has no blob storage and writes nothing).
		if a.Blobs != nil {
			if err := a.syncProtection(ctx, c.OfficerID, c.ID, false); err != nil {
				return c, false, err
			}
			if err := a.syncIndexTags(ctx, c.OfficerID, c.ID); err != nil {
				return c, false, err
			}
		}
		return c, false, nil
	}
	details := map[string]string{
		"fromPolicyVersion": c.Retention.PolicyVersion, "toPolicyVersion": next.Retention.PolicyVersion,
		"fromRule": c.Retention.Rule, "toRule": next.Retention.Rule,
		"fromRetainUntil": timeText(c.Retention.RetainUntil), "toRetainUntil": timeText(next.Retention.RetainUntil),
		"fromReviewDate": timeText(c.Retention.ReviewDate), "toReviewDate": timeText(next.Retention.ReviewDate),
	}
	for k, v := range releaseDetails(c.Retention, next.Retention) {
		details[k] = v
	}
	e := audit.Entry{Action: audit.ActionRetentionRecalc, Key: "recompute:" + next.Retention.PolicyVersion + ":" + normaliseETag(c.ETag),
		Actor: actor.Name, ActorAuthenticated: actor.Authenticated, Justification: strings.TrimSpace(justification), Details: details}
	rec, _, err := a.applyChange(ctx, c, next, e)
	if err != nil {
		return c, false, err
	}
	return rec, true, nil
}

// ProposedRetention is the retention a.Policy gives c, recomputed by
// actor: what RecomputeRetention would store (the recompute dry run
// prints it), with the pending release a clip brought earlier gets.
func (a *App) ProposedRetention(c clip.Clip, actor string) clip.Retention {
	return a.retentionAfterChange(c, c, actor)
}

// RecomputeBringsEarlier reports whether applying a.Policy to c brings its
// deletion date earlier than its stored schedule (the count that
// bwv retention recompute --apply must be told with --allow-earlier).
func (a *App) RecomputeBringsEarlier(c clip.Clip) bool {
	if c.Type != clip.DocTypeClip || c.Status == clip.StatusDeleted || c.Status == clip.StatusRefused {
		return false
	}
	from := retention.ScheduleOf(a.Policy, c)
	from.ReleaseFrom = nil
	return retention.Earlier(from, a.Policy.Schedule(retention.FactsOf(c)))
}

// RetentionChanges reports whether r differs from c's stored retention.
func RetentionChanges(c clip.Clip, r clip.Retention) bool {
	next := c
	next.Retention = r
	return !sameManaged(c, next)
}
