package functions

import (
	"context"
	"fmt"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// RetentionRecords is what the sweep and ClipManage need from Cosmos DB
// beyond Records: the cross-partition queries and the audit trail.
type RetentionRecords interface {
	DueForDeletion(ctx context.Context, now time.Time, pageSize int, continuation string) (clip.Page[clip.Ref], error)
	PendingDeletions(ctx context.Context, pageSize int, continuation string) (clip.Page[clip.Ref], error)
	FindClip(ctx context.Context, id string) (clip.Clip, error)
	ListAudit(ctx context.Context, clipID string) ([]audit.Entry, error)
	// ServerTime is the database's clock (the Date header of a real
	// response): the sweep checks its own clock against it first.
	ServerTime(ctx context.Context) (time.Time, error)
}

// RetentionBlobs is what the sweep needs from blob storage beyond Blobs.
type RetentionBlobs interface {
	DeleteVersion(ctx context.Context, container, name, etag, versionID string) (clip.BlobDeleted, error)
	ImmutableBlobs
}

var (
	_ RetentionRecords = (*cosmosdb.Store)(nil)
	_ RetentionBlobs   = (*blobstore.Store)(nil)
)

// Sweep outcome codes, besides retention.Decision codes: stable, they
// appear in the run summary and the logs (docs/runbook.md).
const (
	SweepDeleted           = "DELETED"             // tombstoned and its content deleted in this run
	SweepDeletedGone       = "DELETED_BLOB_GONE"   // tombstoned; its content was already gone
	SweepFinished          = "FINISHED_PENDING"    // content deletion of an earlier tombstone finished
	SweepBlobChanged       = "SKIP_BLOB_CHANGED"   // the blob's ETag is not the recorded one: nothing deleted
	SweepRecordChanged     = "SKIP_RECORD_CHANGED" // the record changed between read and tombstone: decided again next run
	SweepMovePending       = "SKIP_QUARANTINE_MOVE_PENDING"
	SweepNoContentETag     = "SKIP_NO_CONTENT_ETAG"
	SweepTombstoneConflict = "PENDING_BLOB_CHANGED_AFTER_TOMBSTONE" // tombstoned, but the blob changed before it could be deleted
	SweepError             = "ERROR"
	// Storage itself protects the content (its immutability policy has not
	// expired, or it carries a legal hold) although the record says due:
	// nothing deleted, the record stays. Before the tombstone when the
	// sweep's own check sees it; after it when Storage refuses the delete
	// (the tombstone then waits, PendingDeletions, until Storage allows).
	SweepRefusedImmutable = "SWEEP_REFUSED_IMMUTABLE"
	SweepRefusedLegalHold = "SWEEP_REFUSED_LEGAL_HOLD"
	// SweepHorizonExtended: a clip with no deletion date (held, kept until
	// released) had its policy moved on to now + the hold horizon.
	SweepHorizonExtended = "HORIZON_EXTENDED"
	// SweepProtectionRepaired: a dated clip's policy was below its
	// record's date (a change written while Storage refused its
	// protection) and was extended to it.
	SweepProtectionRepaired = "PROTECTION_REPAIRED"
)

// Run-level codes: logged at error level, and the first two on the error
// RunSweep returns. Stable (docs/retention.md#sweep-alarms).
const (
	// SweepClockSkew: the sweep's clock and the database's differ by more
	// than SweepOptions.MaxClockSkew; the run deleted nothing.
	SweepClockSkew clip.Code = "SWEEP_CLOCK_SKEW"
	// SweepClockUnchecked: the database's time could not be read; the run
	// deleted nothing.
	SweepClockUnchecked clip.Code = "SWEEP_CLOCK_UNCHECKED"
	// SweepTruncated: the run stopped at a bound (clips, time, stuck clips)
	// with candidates left; the next run continues.
	SweepTruncated clip.Code = "SWEEP_TRUNCATED"
	// SweepNeedsAttention: clips that will come back every run until a
	// person looks (needsPerson); they do not count against MaxClips.
	SweepNeedsAttention clip.Code = "SWEEP_NEEDS_ATTENTION"
)

// needsPerson reports outcomes that recur on every run until a person
// acts: they must not use up the run's clip budget (MaxClips), or a few
// thousand of them would stop every later deletion. They have their own
// bound, MaxStuck.
func needsPerson(code string) bool {
	switch code {
	case SweepBlobChanged, SweepTombstoneConflict, SweepNoContentETag, SweepMovePending, retention.DecisionInconsistent,
		SweepRefusedImmutable, SweepRefusedLegalHold:
		return true
	}
	return false
}

// SweepOptions bounds one sweep run.
type SweepOptions struct {
	RunID       string        // recorded on every certificate; "" = generated
	MaxClips    int           // candidates examined per run (default 2000), not counting those that need a person
	MaxStuck    int           // clips needing a person examined per run (default 10000): bounds the time they take
	PageSize    int           // query page size (default 100)
	MaxDuration time.Duration // stop starting new clips after this (default 4m, inside host.json's 10-minute functionTimeout and the 5-minute schedule)
	// MaxConsecutiveErrors aborts the run when a dependency is down
	// (default 5); the next run resumes, since every step is idempotent.
	MaxConsecutiveErrors int
	// MaxClockSkew is how far the sweep's clock may be from the database's
	// before the run is refused (default 5m).
	MaxClockSkew time.Duration
	// MaxHorizon bounds the protection pass (sweep_horizon.go): clips it
	// acts on per run (default 2000); clips that need nothing do not count.
	MaxHorizon int
	// HorizonDuration is the protection pass's own time, kept out of the
	// due passes' share of MaxDuration (default 30s; at most half of
	// MaxDuration): the pass also gets whatever time the due passes leave.
	HorizonDuration time.Duration
}

func (o SweepOptions) withDefaults(inv string) SweepOptions {
	if o.RunID == "" {
		o.RunID = "sweep-" + inv
	}
	if o.MaxClips <= 0 {
		o.MaxClips = SweepDefaultMaxClips
	}
	if o.MaxStuck <= 0 {
		o.MaxStuck = 10000
	}
	if o.MaxClockSkew <= 0 {
		o.MaxClockSkew = 5 * time.Minute
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	if o.MaxDuration <= 0 {
		o.MaxDuration = SweepDefaultMaxDuration
	}
	if o.MaxConsecutiveErrors <= 0 {
		o.MaxConsecutiveErrors = 5
	}
	if o.MaxHorizon <= 0 {
		o.MaxHorizon = 2000
	}
	if o.HorizonDuration <= 0 {
		o.HorizonDuration = 30 * time.Second
	}
	return o
}

// SweepReport summarises one run.
type SweepReport struct {
	RunID      string         `json:"runId"`
	Now        clip.Time      `json:"now"`
	ServerTime *clip.Time     `json:"serverTime,omitempty"` // the database's clock, checked before anything is deleted
	Aborted    clip.Code      `json:"aborted,omitempty"`    // SweepClockSkew or SweepClockUnchecked: nothing was examined
	Examined   int            `json:"examined"`
	Outcomes   map[string]int `json:"outcomes"`             // sweep outcome or retention decision code → clips
	Stuck      int            `json:"stuck"`                // examined clips that need a person (needsPerson); not counted against MaxClips
	StuckClips []string       `json:"stuckClips,omitempty"` // the first few of them
	Truncated  bool           `json:"truncated"`
	Errors     []string       `json:"errors,omitempty"` // first few, for the log
}

func (r *SweepReport) count(id, code string) {
	r.Outcomes[code]++
	if needsPerson(code) {
		r.Stuck++
		if len(r.StuckClips) < 20 {
			r.StuckClips = append(r.StuckClips, id)
		}
	}
}

// Deleted is the number of clips tombstoned in this run.
func (r *SweepReport) Deleted() int { return r.Outcomes[SweepDeleted] + r.Outcomes[SweepDeletedGone] }

// bindingTimer is the timer trigger's name in RetentionSweep/function.json.
const bindingTimer = "timer"

// Sweep is the RetentionSweep timer function: it deletes clips whose
// retention has ended, leaving a tombstone with a deletion certificate.
func (a *App) Sweep(ctx context.Context, inv *funchost.Invocation) (funchost.Result, error) {
	log := funchost.Logger(ctx)
	var ti funchost.TimerInfo
	if err := inv.Trigger(bindingTimer, clip.CodeMessageMalformed, &ti); err != nil {
		log.Info("timer payload not readable; running anyway", "error", err)
	}
	rep, err := a.RunSweep(ctx, SweepOptions{RunID: "sweep-" + inv.ID})
	log.Info("retention sweep done", "run_id", rep.RunID, "examined", rep.Examined, "deleted", rep.Deleted(),
		"outcomes", rep.Outcomes, "stuck", rep.Stuck, "truncated", rep.Truncated, "aborted", rep.Aborted, "past_due", ti.IsPastDue)
	return funchost.Result{}, err
}

// RunSweep runs one sweep at a.now(). It first checks that clock against
// the database's (a clock running fast would make clips due early: the run
// is refused, SWEEP_CLOCK_SKEW, before anything is read or deleted), then
// finishes tombstones whose content deletion was interrupted, then
// examines the clips the due query returns, each re-read and decided
// again. It returns an error only when the run was aborted (the clock
// check, repeated dependency failures or a wiring bug); per-clip failures
// are counted in the report and retried next run.
//
// Order of the steps for one clip, chosen so a crash anywhere converges
// and nothing can be put on hold after its content is gone:
//  1. point-read the record; retention.Decide on its stored schedule,
//     hold flag and status; anything but DUE keeps it;
//  2. read the content blob's properties: gone → the tombstone says so;
//     another ETag → keep (SKIP_BLOB_CHANGED), nothing is deleted;
//  3. append the "deleted" audit entry (idempotent by key) and replace the
//     record with If-Match on the ETag read in 1: status deleted and the
//     certificate. This is the commit point: a hold, reclassification or
//     any other change since step 1 makes it fail, and the clip is kept;
//     once it lands, ClipManage refuses changes to the clip;
//  4. delete the blob with If-Match on the recorded ETag (snapshots and,
//     where versioning is on, the recorded version);
//  5. append the "deletion-confirmed" audit entry (idempotent by key) and
//     set the record's deletedAt (If-Match): content deletion confirmed.
//
// A crash after 3 leaves a tombstone without deletedAt, which the next
// run's PendingDeletions query finds and finishes with 4 and 5; a crash
// inside 3 or 5 leaves an audit entry the retry adopts by its key.
func (a *App) RunSweep(ctx context.Context, o SweepOptions) (SweepReport, error) {
	o = o.withDefaults(fmt.Sprint(time.Now().UnixNano()))
	now := a.now()
	rep := SweepReport{RunID: o.RunID, Now: clip.At(now), Outcomes: map[string]int{}}
	recs, blobs := a.Records, a.Blobs
	log := funchost.Logger(ctx).With("run_id", o.RunID)
	ctx = funchost.WithLogger(ctx, log)
	if err := a.checkClock(ctx, &rep, now, o.MaxClockSkew); err != nil {
		return rep, err
	}
	// The due passes stop HorizonDuration before the end of the run's time,
	// so the protection pass has at least that much and the whole run stays
	// within MaxDuration (the schedule keeps runs apart by more than it).
	end := time.Now().Add(o.MaxDuration)
	deadline := end.Add(-min(o.HorizonDuration, o.MaxDuration/2))
	consecutive := 0
	// record counts an outcome; it aborts the run after too many
	// consecutive errors (a dependency is down: stop, the next run resumes).
	record := func(id, code string, err error) error {
		if err == nil {
			consecutive = 0
			rep.count(id, code)
			return nil
		}
		rep.count(id, SweepError)
		if len(rep.Errors) < 10 {
			rep.Errors = append(rep.Errors, err.Error())
		}
		log.Error("sweep step failed; retried next run", "error", err, "kind", clip.KindOf(err), "code", clip.CodeOf(err))
		consecutive++
		if consecutive >= o.MaxConsecutiveErrors {
			return fmt.Errorf("retention sweep aborted after %d consecutive failures: %w", consecutive, err)
		}
		return nil
	}
	// Clips that need a person count against MaxStuck, not MaxClips.
	budgetLeft := func() bool {
		return rep.Examined-rep.Stuck < o.MaxClips && rep.Stuck < o.MaxStuck && time.Now().Before(deadline) && ctx.Err() == nil
	}

	// Unfinished deletions first: they are already decided.
	seen := map[string]bool{}
	truncated, err := a.eachRef(ctx, func(cont string) (clip.Page[clip.Ref], error) {
		return recs.PendingDeletions(ctx, o.PageSize, cont)
	}, seen, budgetLeft, func(ref clip.Ref) error {
		rep.Examined++
		c, err := a.Records.GetClip(ctx, ref.OfficerID, ref.ID)
		if clip.IsKind(err, clip.NotFound) {
			return nil
		}
		if err != nil {
			return record(ref.ID, "", err)
		}
		code, err := a.finishDeletion(ctx, blobs, c, o.RunID)
		return record(ref.ID, code, err)
	})
	rep.Truncated = truncated
	if err != nil {
		return rep, err
	}

	// Then due candidates, in passes: a deletion removes a clip from the
	// query's results, which can make an offset-based continuation skip
	// others (the local server's tokens are offsets); a new pass from the
	// start picks them up. A pass that finds nothing new ends the run.
	for !rep.Truncated {
		before := len(seen)
		truncated, err := a.eachRef(ctx, func(cont string) (clip.Page[clip.Ref], error) {
			return recs.DueForDeletion(ctx, now, o.PageSize, cont)
		}, seen, budgetLeft, func(ref clip.Ref) error {
			rep.Examined++
			code, err := a.sweepOne(ctx, blobs, ref, now, o.RunID)
			return record(ref.ID, code, err)
		})
		rep.Truncated = truncated
		if err != nil {
			return rep, err
		}
		if len(seen) == before {
			break
		}
	}
	// Then Storage's protection: policies of clips with no deletion date
	// roll on, and pending protection is put in place. It has its own
	// budget and time, and runs also when the due pass stopped at its
	// bound: a backlog of due clips must not let held clips' policies lapse.
	if err := a.refreshHorizons(ctx, &rep, o.MaxHorizon, o.PageSize, end); err != nil {
		if rerr := record("", "", err); rerr != nil {
			return rep, rerr
		}
	}
	if rep.Stuck > 0 {
		log.Error("clips the sweep cannot finish without a person: they come back every run (docs/retention.md#sweep-alarms)",
			"code", SweepNeedsAttention, "stuck", rep.Stuck, "clip_ids", rep.StuckClips, "outcomes", rep.Outcomes)
	}
	if rep.Truncated {
		log.Error("sweep stopped at its bound with candidates left; the next run continues, but a backlog is building (docs/retention.md#sweep-alarms)",
			"code", SweepTruncated, "examined", rep.Examined, "stuck", rep.Stuck, "max_clips", o.MaxClips, "max_stuck", o.MaxStuck,
			"max_duration", o.MaxDuration.String())
	}
	return rep, nil
}

// checkClock refuses the run when now is more than maxSkew from the
// database's clock, or when that clock cannot be read: deletion dates are
// compared with now, so a host clock running days fast would delete clips
// days early. The database's Date header has one-second resolution, hence
// the extra second.
func (a *App) checkClock(ctx context.Context, rep *SweepReport, now time.Time, maxSkew time.Duration) error {
	log := funchost.Logger(ctx)
	server, err := a.Records.ServerTime(ctx)
	if err != nil {
		rep.Aborted = SweepClockUnchecked
		log.Error("sweep refused: the database's clock could not be read, so this host's clock cannot be checked; nothing deleted",
			"code", SweepClockUnchecked, "error", err)
		return &clip.Error{Kind: clip.Transient, Code: SweepClockUnchecked, Message: "retention sweep refused: reading the database's clock", Err: err}
	}
	rep.ServerTime = clip.Ptr(server)
	skew := now.Sub(server)
	if skew < 0 {
		skew = -skew
	}
	if now.IsZero() || skew > maxSkew+time.Second {
		rep.Aborted = SweepClockSkew
		log.Error("sweep refused: this host's clock and the database's disagree; nothing deleted (docs/retention.md#sweep-alarms)",
			"code", SweepClockSkew, "now", now.UTC().Format(time.RFC3339Nano), "server_time", server.Format(time.RFC3339), "skew", skew.String(), "max_skew", maxSkew.String())
		return clip.Errorf(clip.Refused, SweepClockSkew, "retention sweep refused: clock %s is %s from the database's %s (allowed %s)",
			now.UTC().Format(time.RFC3339), skew, server.Format(time.RFC3339), maxSkew)
	}
	return nil
}

// eachRef pages through a query and calls f once per clip not seen yet in
// this run, while budget allows. truncated reports that it stopped with a
// clip left (or was cancelled): a run that used its whole budget on
// exactly the clips there were is not truncated, so the SWEEP_TRUNCATED
// alarm means a backlog.
func (a *App) eachRef(ctx context.Context, page func(cont string) (clip.Page[clip.Ref], error), seen map[string]bool, budget func() bool, f func(clip.Ref) error) (truncated bool, err error) {
	cont := ""
	for {
		if ctx.Err() != nil {
			return true, nil
		}
		p, err := page(cont)
		if err != nil {
			return false, err
		}
		for _, ref := range p.Items {
			if seen[ref.ID] {
				continue
			}
			if !budget() {
				return true, nil
			}
			seen[ref.ID] = true
			if err := f(ref); err != nil {
				return false, err
			}
		}
		if cont = p.Continuation; cont == "" {
			return false, nil
		}
	}
}
