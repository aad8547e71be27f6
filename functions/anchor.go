package functions

import (
	"context"
	"errors"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// NameAnchor is the audit anchor timer function (AuditAnchor/function.json).
const NameAnchor = "AuditAnchor"

// AnchorOverlap is how far before the previous anchor's window end a run
// reads records again. Records are selected by Cosmos DB's system
// timestamp _ts (set by Cosmos on every write, whatever the writer puts in
// updatedAt), and a window ends at Cosmos DB's own time (ServerTime, the
// clock that sets _ts), so the two compare on one clock; the overlap
// covers a write committed in the second the window closed and the Date
// header's one-second resolution, with room to spare. A head already in
// the previous anchor is not repeated.
const AnchorOverlap = 10 * time.Minute

// Anchor run codes: stable, in the logs (docs/audit.md, docs/runbook.md).
const (
	// AnchorChainInvalid: the newest anchor does not check; the run wrote
	// nothing (extending a damaged chain would hide the damage).
	AnchorChainInvalid clip.Code = "ANCHOR_CHAIN_INVALID"
	// AnchorRaced: another run wrote the anchor this run computed the name
	// of; nothing written, the next run continues from it.
	AnchorRaced clip.Code = "ANCHOR_RACED"
)

// AnchorBlobs is what the anchor run needs from blob storage.
type AnchorBlobs interface {
	AnchorNames(ctx context.Context, container string) ([]string, error)
	ReadAnchor(ctx context.Context, container, name string) (audit.Anchor, error)
	PutAnchor(ctx context.Context, container string, a audit.Anchor) error
}

// AnchorRecords is what the anchor run needs from Cosmos DB.
type AnchorRecords interface {
	AuditHeadsChangedSince(ctx context.Context, since time.Time, pageSize int, page func([]cosmosdb.HeadRef) error) error
	// ServerTime is Cosmos DB's clock: the window's end, on the clock of _ts.
	ServerTime(ctx context.Context) (time.Time, error)
}

var (
	_ AnchorBlobs   = (*blobstore.Store)(nil)
	_ AnchorRecords = (*cosmosdb.Store)(nil)
)

// Anchoring is the anchor run's wiring (App.Anchoring).
type Anchoring struct {
	Blobs     AnchorBlobs
	Records   AnchorRecords
	Container string // default blobstore.AnchorContainer
}

// AnchorReport is what one run did.
type AnchorReport struct {
	Previous string // the newest anchor before the run ("" = none)
	Written  string // the anchor written ("" = none)
	Seq      int
	Examined int // records read
	Leaves   int
}

// Anchor is the AuditAnchor timer function.
func (a *App) Anchor(ctx context.Context, inv *funchost.Invocation) (funchost.Result, error) {
	log := funchost.Logger(ctx)
	rep, err := a.RunAnchor(ctx)
	var ce *clip.Error
	if errors.As(err, &ce) && ce.Code == AnchorRaced {
		log.Warn("audit anchor: another run wrote this anchor; the next run continues from it", "code", AnchorRaced, "error", err)
		return funchost.Result{}, nil
	}
	if err != nil {
		log.Error("audit anchor failed", "error", err, "previous", rep.Previous, "examined", rep.Examined)
		return funchost.Result{}, err
	}
	log.Info("audit anchor done", "previous", rep.Previous, "written", rep.Written, "seq", rep.Seq, "examined", rep.Examined, "leaves", rep.Leaves)
	return funchost.Result{}, nil
}

// RunAnchor anchors every audit head that moved since the newest anchor:
//  1. read the newest anchor (by name) and check it, leaves and all; a
//     damaged newest anchor stops the run (ANCHOR_CHAIN_INVALID);
//  2. read Cosmos DB's time (the window's end), then the heads of every
//     record Cosmos wrote (_ts) since the previous window's end, less
//     AnchorOverlap; a head the newest anchor already holds is skipped;
//  3. build the next anchor (window: the previous end up to that Cosmos
//     time) and write it create-only under a name fixed by the previous
//     anchor.
//
// A run that finds nothing new writes nothing. A crash before 3 leaves
// nothing; a repeat run reads the same newest anchor and does the same.
// Two runs at once compute the same name, so one write fails
// (ANCHOR_RACED) and the chain cannot fork.
func (a *App) RunAnchor(ctx context.Context) (AnchorReport, error) {
	var rep AnchorReport
	w := a.Anchoring
	if w.Blobs == nil || w.Records == nil {
		return rep, clip.Errorf(clip.Internal, "", "the audit anchor is not wired (App.Anchoring)")
	}
	cont := w.Container
	if cont == "" {
		cont = blobstore.AnchorContainer
	}
	now := a.now()
	prev, err := newestAnchor(ctx, w.Blobs, cont)
	if err != nil {
		return rep, err
	}
	since := time.Time{}
	held := map[string]audit.Leaf{}
	if prev != nil {
		rep.Previous = prev.Name
		end, _ := time.Parse(audit.AnchorTimeLayout, prev.WindowTo) // checked by newestAnchor
		since = end.Add(-AnchorOverlap)
		for _, l := range prev.Leaves {
			held[l.ClipID] = l
		}
	}
	// The window ends at Cosmos's time, read before the records: every
	// write after it has a _ts at or after it and is read by the next run.
	end, err := w.Records.ServerTime(ctx)
	if err != nil {
		return rep, err
	}
	heads := map[string]audit.Leaf{}
	err = w.Records.AuditHeadsChangedSince(ctx, since, 500, func(rs []cosmosdb.HeadRef) error {
		for _, r := range rs {
			rep.Examined++
			if r.Audit.Seq <= 0 {
				continue // nothing to anchor; bwv audit verify reports such a record
			}
			l := audit.LeafOf(r.ID, r.Audit.Seq, r.Audit.Hash)
			if h, ok := held[r.ID]; ok && h == l {
				continue
			}
			// A record moving partition (metadata correction) can be seen
			// twice: keep the longer chain.
			if old, ok := heads[r.ID]; !ok || l.Seq > old.Seq {
				heads[r.ID] = l
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	if len(heads) == 0 {
		return rep, nil
	}
	leaves := make([]audit.Leaf, 0, len(heads))
	for _, l := range heads {
		leaves = append(leaves, l)
	}
	next, err := audit.NewAnchor(prev, leaves, end, now)
	if err != nil {
		return rep, clip.Wrap(clip.Internal, err, "building the next anchor")
	}
	if err := w.Blobs.PutAnchor(ctx, cont, next); err != nil {
		if clip.IsKind(err, clip.Conflict) {
			e := clip.Wrap(clip.Conflict, err, "anchor %s was written by another run", next.Name)
			e.Code = AnchorRaced
			return rep, e
		}
		return rep, err
	}
	rep.Written, rep.Seq, rep.Leaves = next.Name, next.Seq, next.LeafCount
	return rep, nil
}

// newestAnchor reads and checks the newest anchor (nil when there is none).
func newestAnchor(ctx context.Context, b AnchorBlobs, cont string) (*audit.Anchor, error) {
	names, err := b.AnchorNames(ctx, cont)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	last := names[len(names)-1]
	an, err := b.ReadAnchor(ctx, cont, last)
	if err != nil {
		return nil, err
	}
	if an.Name != last {
		return nil, clip.Errorf(clip.Internal, AnchorChainInvalid, "anchor blob %s names itself %q", last, an.Name)
	}
	if err := an.Check(true); err != nil {
		e := clip.Wrap(clip.Internal, err, "the newest anchor does not check; nothing written")
		e.Code = AnchorChainInvalid
		return nil, e
	}
	return &an, nil
}
