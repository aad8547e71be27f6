package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// Target of the sweep row.
const sweepTarget = 0.7 // sweep ≥ 0.7 × the raw rate of the same operations

// seedDue writes n clips whose retention ended (non-evidential, recorded
// 40 days ago under the default policy): content, first audit entry and a
// verified record, through the same adapters the handler uses.
func seedDue(ctx context.Context, s *services, prefix string, n int) ([]clip.Clip, error) {
	policy := retention.Default()
	start := time.Now().Add(-40 * 24 * time.Hour)
	out := make([]clip.Clip, n)
	err := parallel(n, 8, func(i int) error {
		u, err := s.uploadSmall(ctx, fmt.Sprintf("%s/%06d.mp4", prefix, i), fmt.Sprintf("PD%03d", i%50), smallClip, start, i)
		if err != nil {
			return err
		}
		id := u.id(s.az.Account)
		c := clip.Clip{ID: id, Type: clip.DocTypeClip, OfficerID: u.officer, DeviceID: "CAM-0042", RecordedStart: clip.Ptr(start),
			RecordedEnd: clip.Ptr(start.Add(5 * time.Minute)), Categories: []string{"non-evidential"}, IncidentRefs: []string{},
			Status: clip.StatusVerified,
			Blob:   clip.BlobRef{Account: s.az.Account, Container: "uploads", Name: u.name, ETag: u.etag, Size: u.size, Region: "uksouth"},
			SHA256: clip.Hashes{Declared: fmt.Sprintf("%064x", i), Computed: fmt.Sprintf("%064x", i)}, Reasons: []clip.Reason{},
			ReceivedAt: clip.At(start), UpdatedAt: clip.At(start)}
		c.Retention = policy.RecordFor(c)
		_, head, err := s.records.AppendAudit(ctx, id, clip.AuditHead{}, audit.Entry{Action: audit.ActionReceived, Key: "bench-seed",
			Actor: "bench:seed", At: clip.At(start)})
		if err != nil {
			return failf(err, "seeding %s", id)
		}
		c.Audit = head
		out[i], err = s.records.CreateClip(ctx, c)
		return err
	})
	return out, err
}

// sweepAll runs RetentionSweep (as the timer does) until nothing is due,
// and returns deletions/s. Each run stops after its MaxClips; every clip
// seeded must end deleted.
func sweepAll(ctx context.Context, s *services, h *handlerProc, due []clip.Clip) (float64, error) {
	timer := map[string]any{"Schedule": map[string]any{"AdjustForDST": true},
		"ScheduleStatus": map[string]any{"Last": "0001-01-01T00:00:00+00:00", "Next": time.Now().Add(time.Hour).Format(time.RFC3339),
			"LastUpdated": "0001-01-01T00:00:00+00:00"}, "IsPastDue": false}
	t0 := time.Now()
	for run := 0; ; run++ {
		if _, err := h.invoke(ctx, "RetentionSweep", map[string]any{"timer": timer}, map[string]any{}); err != nil {
			return 0, err
		}
		page, err := s.records.DueForDeletion(ctx, time.Now(), 1, "")
		if err != nil {
			return 0, failf(err, "querying what is still due")
		}
		if len(page.Items) == 0 {
			break
		}
		if run > 2*len(due)/100+10 {
			return 0, failf(nil, "clips still due after %d sweep runs", run+1)
		}
	}
	rate := float64(len(due)) / time.Since(t0).Seconds()
	for _, i := range []int{0, len(due) / 2, len(due) - 1} {
		c, err := s.records.GetClip(ctx, due[i].OfficerID, due[i].ID)
		if err != nil || c.Status != clip.StatusDeleted || c.DeletedAt == nil {
			return 0, failf(err, "clip %s is %q after the sweep, not deleted", due[i].ID, c.Status)
		}
	}
	return rate, nil
}

// rawSweep is the sweep's operations issued by this process through the
// same adapters, without its decisions: a page of the due query (100, as
// the sweep pages), then per clip: read the record, the blob's properties,
// the "deleted" entry and tombstone, the conditional blob delete, the
// "deletion-confirmed" entry and deletedAt. It returns clips/s and the
// mean time of one query page.
func rawSweep(ctx context.Context, s *services, n int) (rate float64, perPage time.Duration, err error) {
	t0 := time.Now()
	var pages int
	var inQuery time.Duration
	done := 0
	for {
		q0 := time.Now()
		page, err := s.records.DueForDeletion(ctx, time.Now(), 100, "")
		inQuery += time.Since(q0)
		pages++
		if err != nil {
			return 0, 0, failf(err, "raw due query")
		}
		if len(page.Items) == 0 {
			break
		}
		for _, ref := range page.Items {
			if err := rawDeleteOne(ctx, s, ref); err != nil {
				return 0, 0, err
			}
			done++
		}
	}
	if done != n {
		return 0, 0, failf(nil, "the raw sweep deleted %d of %d due clips", done, n)
	}
	return float64(n) / time.Since(t0).Seconds(), inQuery / time.Duration(pages), nil
}

func rawDeleteOne(ctx context.Context, s *services, ref clip.Ref) error {
	c, err := s.records.GetClip(ctx, ref.OfficerID, ref.ID)
	if err != nil {
		return failf(err, "raw read")
	}
	if _, err := s.store.Properties(ctx, "uploads", c.Blob.Name); err != nil {
		return failf(err, "raw properties")
	}
	now := time.Now()
	_, head, err := s.records.AppendAudit(ctx, c.ID, c.Audit, audit.Entry{Action: audit.ActionDeleted, Key: "retention-delete",
		Actor: "system:RetentionSweep", ActorAuthenticated: true, Justification: "due", At: clip.At(now),
		Details: map[string]string{"container": "uploads", "name": c.Blob.Name, "blobEtag": c.Blob.ETag}})
	if err != nil {
		return failf(err, "raw deleted entry")
	}
	c.Status, c.Audit, c.UpdatedAt = clip.StatusDeleted, head, clip.At(now)
	c.Deletion = &clip.Deletion{BlobETag: c.Blob.ETag, Rule: c.Retention.Rule}
	if c, err = s.records.ReplaceClip(ctx, c); err != nil {
		return failf(err, "raw tombstone")
	}
	if _, err := s.store.DeleteVersion(ctx, "uploads", c.Blob.Name, c.Blob.ETag, ""); err != nil {
		return failf(err, "raw blob delete")
	}
	_, head, err = s.records.AppendAudit(ctx, c.ID, c.Audit, audit.Entry{Action: audit.ActionDeletionConfirmed, Key: "retention-confirm",
		Actor: "system:RetentionSweep", ActorAuthenticated: true, Justification: "deleted", At: clip.At(now)})
	if err != nil {
		return failf(err, "raw confirmed entry")
	}
	c.Audit, c.DeletedAt = head, clip.Ptr(now)
	if _, err := s.records.ReplaceClip(ctx, c); err != nil {
		return failf(err, "raw deletedAt")
	}
	return nil
}

// sweepRows: round trips per deleted clip counted on the wire, deletions/s
// through the handler against the raw rate of the same operations, and the
// growth of per-clip cost with the work. Each measurement has a fresh
// Cosmos server holding only its own clips (withFreshCosmos).
func sweepRows(ctx context.Context, base *services, c Config, tools, bin string, r *Report) error {
	// fresh runs f on a new Cosmos server with n due clips seeded.
	fresh := func(prefix string, n int, f func(s *services, due []clip.Clip) error) error {
		s, stop, err := base.withFreshCosmos(ctx, tools)
		if err != nil {
			return err
		}
		defer stop()
		due, err := seedDue(ctx, s, prefix, n)
		if err != nil {
			return err
		}
		return f(s, due)
	}
	// handler runs the sweep through a handler on s until nothing is due.
	handler := func(s *services, due []clip.Clip, counted bool) (float64, tally, error) {
		h, err := startHandler(bin, s.handlerSettings(c, counted))
		if err != nil {
			return 0, tally{}, err
		}
		defer h.stop()
		before := s.handlerTally()
		rate, err := sweepAll(ctx, s, h, due)
		return rate, s.handlerTally().since(before), err
	}

	var trips, rawTrips tally
	var n, rn int
	err := fresh("sweep/counted", min(countedClips, c.SweepClips), func(s *services, due []clip.Clip) (err error) {
		n = len(due)
		_, trips, err = handler(s, due, true)
		return err
	})
	if err != nil {
		return err
	}
	var rate, rawRate float64
	var perPage time.Duration
	err = fresh("sweep/due", c.SweepClips, func(s *services, due []clip.Clip) (err error) {
		rate, _, err = handler(s, due, false)
		return err
	})
	if err != nil {
		return err
	}
	err = fresh("sweep/raw", c.SweepClips, func(s *services, due []clip.Clip) (err error) {
		rn = len(due)
		before := s.rawTally()
		rawRate, perPage, err = rawSweep(ctx, s, len(due))
		rawTrips = s.rawTally().since(before)
		return err
	})
	if err != nil {
		return err
	}
	r.add(
		Row{ID: "sweep_cosmos_trips", What: fmt.Sprintf("sweep: Cosmos round trips per deleted clip, with its queries (handler, %d counted)", n),
			Value: float64(trips.cosmos) / float64(n), Unit: "", LimitWhat: fmt.Sprintf("raw sequence: %.2f", float64(rawTrips.cosmos)/float64(rn)), Direction: Info},
		Row{ID: "sweep_storage_trips", What: "sweep: Storage round trips per deleted clip",
			Value: float64(trips.blob) / float64(n), Unit: "", LimitWhat: fmt.Sprintf("raw sequence: %.2f", float64(rawTrips.blob)/float64(rn)), Direction: Info},
		Row{ID: "sweep_query_page_ms", What: fmt.Sprintf("  one due-query page of 100 on the local Cosmos server, %d due clips (it scans; Azure uses the index)", rn),
			Value: ms(perPage), Unit: "ms", Direction: Info},
		Row{ID: "sweep_per_s", What: fmt.Sprintf("sweep deletions through the handler, %d due clips", c.SweepClips), Value: rate, Unit: "clips/s",
			Limit: rawRate, LimitWhat: fmt.Sprintf("raw sequence with its query pages, %d clips", rn), Direction: AtLeast, Target: sweepTarget},
	)
	var costs []float64
	for _, mult := range []int{1, 4, 16} {
		err := fresh(fmt.Sprintf("sweep/growth%d", mult), c.GrowthBase*mult, func(s *services, due []clip.Clip) error {
			rate, _, err := handler(s, due, false)
			costs = append(costs, 1000/rate)
			return err
		})
		if err != nil {
			return err
		}
	}
	r.add(growthRow("sweep", c, costs))
	return nil
}
