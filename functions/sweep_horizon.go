package functions

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// The rolling horizon: a clip with no deletion date (on legal hold, or
// kept until released) has an immutability policy until now + the hold
// horizon. Each sweep run moves it on for the clips whose policy ends
// within half the horizon, so a policy never lapses while the clip waits;
// the same pass restores a legal hold Storage lost (a writer that crashed
// after its record write) and puts in place the protection of a change
// written while Storage refused it (the record's protection.pending, dated
// clips included). It only ever extends.
//
// The query is cheap: after checking a clip the pass notes on its record
// when the content's policy ends (protection.until), and the query selects
// only records with no note (new, or changed since: every audited change
// clears it), a note ending within half the horizon, or a pending mark.
// Clips that need nothing are not read again until their policy nears its
// end. The pass has its own budget (SweepOptions.MaxHorizon clips acted
// on) and time (HorizonDuration), and runs also when the due pass stopped
// at its bound.

// horizonRecords is the query the pass pages through: the Cosmos adapter
// serves it (a cross-partition filter, no ORDER BY).
type horizonRecords interface {
	Search(ctx context.Context, s cosmosdb.Search, pageSize int, continuation string) (cosmosdb.SearchPage, error)
}

var _ horizonRecords = (*cosmosdb.Store)(nil)

// horizonSearch lists the clips whose protection the pass must look at:
// those with a pending mark, and held or undated ones whose noted policy
// end is unknown or before soon.
func horizonSearch(soon time.Time) cosmosdb.Search {
	return cosmosdb.Search{
		Name: "protection-horizon",
		SQL: "SELECT c.id, c.officerId FROM c WHERE c.type = @type AND c.status IN (@verified, @quarantined)" +
			" AND (c.protection.pending = true" +
			" OR ((c.retention.legalHold = true OR c.retention.heldUntilReleased = true" +
			" OR NOT IS_DEFINED(c.retention.retainUntil) OR IS_NULL(c.retention.retainUntil))" +
			" AND (NOT IS_DEFINED(c.protection.until) OR IS_NULL(c.protection.until) OR c.protection.until < @soon)))",
		Params: []azcosmos.QueryParameter{
			{Name: "@type", Value: clip.DocTypeClip},
			{Name: "@verified", Value: string(clip.StatusVerified)},
			{Name: "@quarantined", Value: string(clip.StatusQuarantined)},
			{Name: "@soon", Value: clip.At(soon).String()},
		},
	}
}

// refreshHorizons runs the pass: at most max clips acted on (extended, or
// their note written), until deadline. Clips that need nothing do not
// count. Failures are counted (SweepError) and retried next run. Like the
// due pass it pages from the start again while a pass finds new clips: a
// note written takes a clip out of the query, which can make an
// offset-based continuation skip others.
func (a *App) refreshHorizons(ctx context.Context, rep *SweepReport, max, pageSize int, deadline time.Time) error {
	hr, ok := a.Records.(horizonRecords)
	if !ok || a.Config.ImmutabilityOff {
		return nil
	}
	log := funchost.Logger(ctx)
	now := a.now()
	search := horizonSearch(now.Add(a.holdHorizon() / 2))
	acted, seen := 0, map[string]bool{}
	for {
		before := len(seen)
		cont := ""
		for {
			page, err := hr.Search(ctx, search, pageSize, cont)
			if err != nil {
				return err
			}
			for _, ref := range page.Items {
				if seen[ref.ID] {
					continue
				}
				if acted >= max || time.Now().After(deadline) || ctx.Err() != nil {
					rep.Truncated = true
					return nil
				}
				seen[ref.ID] = true
				did, err := a.refreshOne(ctx, rep, clip.Ref{ID: ref.ID, OfficerID: ref.OfficerID}, now)
				if did {
					acted++
				}
				if err != nil {
					rep.Outcomes[SweepError]++
					if len(rep.Errors) < 10 {
						rep.Errors = append(rep.Errors, err.Error())
					}
					log.Error("Storage protection not moved on; retried next run", "clip_id", ref.ID, "code", protectionCode(err), "cause_code", clip.CodeOf(err), "error", err)
				}
			}
			if cont = page.Continuation; cont == "" {
				break
			}
		}
		if len(seen) == before {
			return nil
		}
	}
}

// refreshOne checks one clip: extends its protection where Storage has
// less than the record asks for (a hold missing, a policy ending within
// half the horizon for a clip with no date, or before the record's date),
// then notes on the record when the policy now ends. did reports work done.
func (a *App) refreshOne(ctx context.Context, rep *SweepReport, ref clip.Ref, now time.Time) (did bool, err error) {
	c, err := a.Records.GetClip(ctx, ref.OfficerID, ref.ID)
	if clip.IsKind(err, clip.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	t, ok := protectTarget(c)
	if !ok || retention.DecideClip(a.Policy, c, now).Delete {
		return false, nil // not protected yet, or the due pass's
	}
	cur, err := a.Blobs.ProtectionOf(ctx, t.container, t.name, t.versionID)
	if clip.IsKind(err, clip.NotFound) {
		cur, err = clip.Protection{}, nil
	}
	if err != nil {
		return false, err
	}
	hold, want := c.Retention.LegalHold, a.protectUntil(c)
	limit := want
	if a.rolls(c) {
		limit = now.Add(a.holdHorizon() / 2)
	}
	if (hold && !cur.LegalHold) || cur.Until == nil || cur.Until.Before(limit) {
		if cur, err = a.extendProtection(ctx, t, want, hold); err != nil {
			return false, err
		}
		if a.rolls(c) {
			rep.Outcomes[SweepHorizonExtended]++
		} else {
			rep.Outcomes[SweepProtectionRepaired]++
		}
	}
	mark := &clip.ProtectionMark{Until: clip.Ptr(now)} // no policy (gone, or a date passed): checked now
	if cur.Until != nil {
		mark.Until = clip.Ptr(*cur.Until)
	}
	c.Protection = mark
	if _, err := a.Records.ReplaceClip(ctx, c); err != nil && !clip.IsKind(err, clip.Conflict) {
		return true, err // a record changed meanwhile is looked at again next run
	}
	return true, nil
}

// rolls reports whether c's protection is the rolling horizon (held, or no
// date), not its date.
func (a *App) rolls(c clip.Clip) bool {
	s := retention.ScheduleOf(a.Policy, c)
	return c.Retention.LegalHold || s.HeldUntilReleased || s.RetainUntil == nil
}
