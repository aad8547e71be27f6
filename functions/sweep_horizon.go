package functions

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// The rolling horizon: a clip with no deletion date (on legal hold, or
// kept until released) has an immutability policy until now + the hold
// horizon. Each sweep run moves it on for the clips whose policy ends
// within half the horizon, so a policy never lapses while the clip waits;
// the same pass restores a legal hold Storage lost (a writer that crashed
// after its record write). It only ever extends.

// horizonRecords is the query the pass pages through: the Cosmos adapter
// serves it (a cross-partition filter, no ORDER BY).
type horizonRecords interface {
	Search(ctx context.Context, s cosmosdb.Search, pageSize int, continuation string) (cosmosdb.SearchPage, error)
}

var _ horizonRecords = (*cosmosdb.Store)(nil)

// horizonSearch lists the clips whose protection rolls.
func horizonSearch() cosmosdb.Search {
	return cosmosdb.Search{
		Name: "protection-horizon",
		SQL: "SELECT c.id, c.officerId FROM c WHERE c.type = @type AND c.status IN (@verified, @quarantined)" +
			" AND (c.retention.legalHold = true OR c.retention.heldUntilReleased = true" +
			" OR NOT IS_DEFINED(c.retention.retainUntil) OR IS_NULL(c.retention.retainUntil))",
		Params: []azcosmos.QueryParameter{
			{Name: "@type", Value: clip.DocTypeClip},
			{Name: "@verified", Value: string(clip.StatusVerified)},
			{Name: "@quarantined", Value: string(clip.StatusQuarantined)},
		},
	}
}

// refreshHorizons runs the pass, bounded by max clips and the run's
// deadline. Failures are counted (SweepError) and retried next run.
func (a *App) refreshHorizons(ctx context.Context, rep *SweepReport, max, pageSize int, deadline time.Time) error {
	hr, ok := a.Records.(horizonRecords)
	if !ok || a.Config.ImmutabilityOff {
		return nil
	}
	log := funchost.Logger(ctx)
	now := a.now()
	seen, cont := 0, ""
	for {
		page, err := hr.Search(ctx, horizonSearch(), pageSize, cont)
		if err != nil {
			return err
		}
		for _, ref := range page.Items {
			if seen >= max || time.Now().After(deadline) || ctx.Err() != nil {
				rep.Truncated = true
				return nil
			}
			seen++
			c, err := a.Records.GetClip(ctx, ref.OfficerID, ref.ID)
			if clip.IsKind(err, clip.NotFound) {
				continue
			}
			if err == nil {
				err = a.refreshHorizon(ctx, rep, c, now)
			}
			if err != nil {
				rep.Outcomes[SweepError]++
				if len(rep.Errors) < 10 {
					rep.Errors = append(rep.Errors, err.Error())
				}
				log.Error("protection horizon not moved on; retried next run", "clip_id", ref.ID, "code", clip.CodeOf(err), "error", err)
			}
		}
		if cont = page.Continuation; cont == "" {
			return nil
		}
	}
}

func (a *App) refreshHorizon(ctx context.Context, rep *SweepReport, c clip.Clip, now time.Time) error {
	t, ok := protectTarget(c)
	if !ok {
		return nil
	}
	cur, err := a.Blobs.ProtectionOf(ctx, t.container, t.name, t.versionID)
	if clip.IsKind(err, clip.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	hold := c.Retention.LegalHold
	if (hold && !cur.LegalHold) || cur.Until == nil || cur.Until.Before(now.Add(a.holdHorizon()/2)) {
		if _, err := a.extendProtection(ctx, t, a.protectUntil(c), hold); err != nil {
			return err
		}
		rep.Outcomes[SweepHorizonExtended]++
	}
	return nil
}
