package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// Targets of the ingest rows.
const (
	ingestTarget       = 0.8 // handler ≥ 0.8 × the raw rate of the same sequence
	ingestCosmosTrips  = 3   // claim, first audit entry, record
	ingestStorageTrips = 1   // the blob's properties
	countedClips       = 200 // new clips whose round trips are counted
	growthTarget       = 1.3 // per-item cost within 1.3× across 1×, 4×, 16×
)

// smallClip is the content of every small clip (its size does not matter
// to ingest, which never reads content).
var smallClip = []byte("bwv bench clip: ingest reads properties and metadata, never content")

// uploadMany writes n small clips named prefix/i with valid metadata over
// 50 officers, recorded at start.
func uploadMany(ctx context.Context, s *services, prefix string, n int, start time.Time) ([]uploaded, error) {
	out := make([]uploaded, n)
	err := parallel(n, 8, func(i int) error {
		u, err := s.uploadSmall(ctx, fmt.Sprintf("%s/%06d.mp4", prefix, i), fmt.Sprintf("PC%03d", i%50), smallClip, start, i)
		out[i] = u
		return err
	})
	return out, err
}

// ingestAll runs ClipIngest for every clip on k concurrent callers and
// returns events/s and the verify messages; every clip must come back
// asking for verification.
func ingestAll(ctx context.Context, h *handlerProc, endpoint string, us []uploaded, k int) (float64, []json.RawMessage, error) {
	msgs := make([]json.RawMessage, len(us))
	t0 := time.Now()
	err := parallel(len(us), k, func(i int) error {
		msg, err := ingest(ctx, h, endpoint, us[i])
		if err == nil && msg == nil {
			err = failf(nil, "ClipIngest of new clip %s asked for no verification", us[i].name)
		}
		msgs[i] = msg
		return err
	})
	return float64(len(us)) / time.Since(t0).Seconds(), msgs, err
}

// rawIngest is the common path's operations, issued by this process
// through the same adapters: the blob's properties, then create the name
// claim, the first audit entry and the record — no parsing, no decisions,
// no function host protocol. It returns sequences/s.
func rawIngest(ctx context.Context, s *services, us []uploaded, k int, tag string) (float64, error) {
	policy := retention.Default()
	t0 := time.Now()
	err := parallel(len(us), k, func(i int) error {
		u := us[i]
		props, err := s.store.Properties(ctx, "uploads", u.name)
		if err != nil {
			return failf(err, "raw properties of %s", u.name)
		}
		now := time.Now()
		id := clip.ID(s.az.Account, "uploads", u.name+"#"+tag, props.ETag)
		key := clip.NameKey(s.az.Account, "uploads", u.name+"#"+tag)
		if _, err := s.records.CreateNameClaim(ctx, clip.NameClaim{ID: key, Account: s.az.Account, Container: "uploads", Name: u.name,
			FirstClipID: id, FirstETag: props.ETag, Officer: u.officer, Sequencer: "1", LatestETag: props.ETag, UpdatedAt: clip.At(now)}); err != nil {
			return failf(err, "raw claim")
		}
		c := clip.Clip{ID: id, Type: clip.DocTypeClip, OfficerID: u.officer, DeviceID: "CAM-0042", StationID: "ST-01",
			Categories: []string{}, IncidentRefs: []string{}, Status: clip.StatusReceived,
			RecordedStart: clip.Ptr(now.Add(-time.Hour)), RecordedEnd: clip.Ptr(now.Add(-55 * time.Minute)),
			Blob: clip.BlobRef{Account: s.az.Account, Container: "uploads", Name: u.name, URL: s.blobEndpoint + "uploads/" + u.name,
				ETag: props.ETag, Size: props.Size, Region: "uksouth", Sequencer: "1", ContentType: props.ContentType},
			SHA256: clip.Hashes{Declared: fmt.Sprintf("%064x", i)}, Reasons: []clip.Reason{}, ReceivedAt: clip.At(now), UpdatedAt: clip.At(now)}
		c.Retention = policy.RecordFor(c)
		_, head, err := s.records.AppendAudit(ctx, id, clip.AuditHead{}, audit.Entry{Action: audit.ActionReceived, Key: "ingest:" + props.ETag,
			Actor: "system:ClipIngest", Justification: "BlobCreated event PutBlob", At: c.ReceivedAt})
		if err != nil {
			return failf(err, "raw audit entry")
		}
		c.Audit = head
		if _, err := s.records.CreateClip(ctx, c); err != nil {
			return failf(err, "raw record")
		}
		return nil
	})
	return float64(len(us)) / time.Since(t0).Seconds(), err
}

// ingestRows: round trips per new clip counted on the wire, then events/s
// through the handler one at a time and k concurrent against the raw rate
// of the same sequence, then the growth of per-clip cost with the work.
func ingestRows(ctx context.Context, s *services, c Config, bin string, r *Report) error {
	start := time.Now().Add(-2 * time.Hour)
	counted, err := uploadMany(ctx, s, "bench/counted", min(countedClips, c.IngestClips), start)
	if err != nil {
		return err
	}
	seq, err := uploadMany(ctx, s, "bench/seq", c.IngestClips, start)
	if err != nil {
		return err
	}
	conc, err := uploadMany(ctx, s, "bench/conc", c.IngestClips, start)
	if err != nil {
		return err
	}

	hc, err := startHandler(bin, s.handlerSettings(c, true))
	if err != nil {
		return err
	}
	before := s.handlerTally()
	_, msgs, err := ingestAll(ctx, hc, hc.blob, counted, 1)
	trips := s.handlerTally().since(before)
	if err != nil {
		hc.stop()
		return err
	}
	before = s.handlerTally()
	for _, m := range msgs {
		if err := verify(ctx, hc, m); err != nil {
			hc.stop()
			return err
		}
	}
	verifyTrips := s.handlerTally().since(before)
	hc.stop()
	rawBefore := s.rawTally()
	if _, err := rawIngest(ctx, s, counted, 1, "counted"); err != nil {
		return err
	}
	rawTrips := s.rawTally().since(rawBefore)
	n := float64(len(counted))

	h, err := startHandler(bin, s.handlerSettings(c, false))
	if err != nil {
		return err
	}
	defer h.stop()
	seqRate, _, err := ingestAll(ctx, h, h.blob, seq, 1)
	if err != nil {
		return err
	}
	concRate, _, err := ingestAll(ctx, h, h.blob, conc, c.IngestConcurrency)
	if err != nil {
		return err
	}
	rawSeq, err := rawIngest(ctx, s, seq, 1, "raw1")
	if err != nil {
		return err
	}
	rawConc, err := rawIngest(ctx, s, conc, c.IngestConcurrency, "rawk")
	if err != nil {
		return err
	}
	seqNote := fmt.Sprintf("raw sequence, 1 at a time: %.0f/s", rawSeq)
	concNote := fmt.Sprintf("raw sequence, %d in flight: %.0f/s", c.IngestConcurrency, rawConc)
	r.add(
		Row{ID: "ingest_cosmos_trips", What: fmt.Sprintf("ingest: Cosmos round trips per new clip (handler, %d counted; raw sequence %.1f)", len(counted), float64(rawTrips.cosmos)/n),
			Value: float64(trips.cosmos) / n, Unit: "", Limit: ingestCosmosTrips, LimitWhat: "claim + audit + record", Direction: AtMost, Target: 1},
		Row{ID: "ingest_storage_trips", What: fmt.Sprintf("ingest: Storage round trips per new clip (raw sequence %.1f)", float64(rawTrips.blob)/n),
			Value: float64(trips.blob) / n, Unit: "", Limit: ingestStorageTrips, LimitWhat: "blob properties", Direction: AtMost, Target: 1},
		Row{ID: "verify_cosmos_trips", What: "verify: Cosmos round trips per clip (handler, the same clips)",
			Value: float64(verifyTrips.cosmos) / n, Unit: "", Direction: Info},
		Row{ID: "verify_storage_trips", What: fmt.Sprintf("verify: Storage round trips per %d-byte clip (one range; a clip of S bytes reads ceil(S / %d MiB) ranges)", len(smallClip), c.RangeMiB),
			Value: float64(verifyTrips.blob) / n, Unit: "", Direction: Info},
		Row{ID: "ingest_seq_per_s", What: fmt.Sprintf("ingest through the handler, %d new clips, 1 at a time", len(seq)),
			Value: seqRate, Unit: "events/s", Limit: rawSeq, LimitWhat: seqNote, Direction: AtLeast, Target: ingestTarget},
		Row{ID: "ingest_conc_per_s", What: fmt.Sprintf("ingest through the handler, %d new clips, %d concurrent", len(conc), c.IngestConcurrency),
			Value: concRate, Unit: "events/s", Limit: rawConc, LimitWhat: concNote, Direction: AtLeast, Target: ingestTarget},
	)

	// Growth: per-clip cost at 1×, 4× and 16× the work.
	var costs []float64
	for _, mult := range []int{1, 4, 16} {
		us, err := uploadMany(ctx, s, fmt.Sprintf("bench/growth%d", mult), c.GrowthBase*mult, start)
		if err != nil {
			return err
		}
		rate, _, err := ingestAll(ctx, h, h.blob, us, c.IngestConcurrency)
		if err != nil {
			return err
		}
		costs = append(costs, 1000/rate)
	}
	r.add(growthRow("ingest", c, costs))
	return nil
}

// growthRow judges per-item costs (ms) at 1×, 4×, 16×: the dearest over
// the cheapest.
func growthRow(what string, c Config, costs []float64) Row {
	lo, hi := costs[0], costs[0]
	for _, v := range costs {
		lo, hi = min(lo, v), max(hi, v)
	}
	return Row{ID: what + "_growth", What: fmt.Sprintf("%s growth: ms per clip at %d / %d / %d clips: %.2f / %.2f / %.2f",
		what, c.GrowthBase, 4*c.GrowthBase, 16*c.GrowthBase, costs[0], costs[1], costs[2]),
		Value: hi / lo, Unit: "×", Limit: 1, LimitWhat: "the cheapest of the three", Direction: AtMost, Target: growthTarget}
}
