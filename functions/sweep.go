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
	DueForDeletion(ctx context.Context, now time.Time, pageSize int, continuation string) (cosmosdb.Page[cosmosdb.ClipRef], error)
	PendingDeletions(ctx context.Context, pageSize int, continuation string) (cosmosdb.Page[cosmosdb.ClipRef], error)
	FindClip(ctx context.Context, id string) (clip.Clip, error)
	ListAudit(ctx context.Context, clipID string) ([]audit.Entry, error)
}

// RetentionBlobs is what the sweep needs from blob storage beyond Blobs.
type RetentionBlobs interface {
	DeleteVersion(ctx context.Context, container, name, etag, versionID string) (blobstore.Deleted, error)
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
)

// SweepOptions bounds one sweep run.
type SweepOptions struct {
	RunID       string        // recorded on every certificate; "" = generated
	MaxClips    int           // candidates examined per run (default 2000)
	PageSize    int           // query page size (default 100)
	MaxDuration time.Duration // stop starting new clips after this (default 4m, inside the 5-minute default function timeout)
	// MaxConsecutiveErrors aborts the run when a dependency is down
	// (default 5); the next run resumes, since every step is idempotent.
	MaxConsecutiveErrors int
}

func (o SweepOptions) withDefaults(inv string) SweepOptions {
	if o.RunID == "" {
		o.RunID = "sweep-" + inv
	}
	if o.MaxClips <= 0 {
		o.MaxClips = 2000
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	if o.MaxDuration <= 0 {
		o.MaxDuration = 4 * time.Minute
	}
	if o.MaxConsecutiveErrors <= 0 {
		o.MaxConsecutiveErrors = 5
	}
	return o
}

// SweepReport summarises one run.
type SweepReport struct {
	RunID     string         `json:"runId"`
	Now       clip.Time      `json:"now"`
	Examined  int            `json:"examined"`
	Outcomes  map[string]int `json:"outcomes"` // sweep outcome or retention decision code → clips
	Truncated bool           `json:"truncated"`
	Errors    []string       `json:"errors,omitempty"` // first few, for the log
}

func (r *SweepReport) count(code string) { r.Outcomes[code]++ }

// Deleted is the number of clips tombstoned in this run.
func (r *SweepReport) Deleted() int { return r.Outcomes[SweepDeleted] + r.Outcomes[SweepDeletedGone] }

// bindingTimer is the timer trigger's name in RetentionSweep/function.json.
const bindingTimer = "timer"

type timerInfo struct {
	IsPastDue bool `json:"IsPastDue"`
}

// Sweep is the RetentionSweep timer function: it deletes clips whose
// retention has ended, leaving a tombstone with a deletion certificate.
func (a *App) Sweep(ctx context.Context, inv *funchost.Invocation) (funchost.Result, error) {
	log := funchost.Logger(ctx)
	var ti timerInfo
	if err := inv.Trigger(bindingTimer, clip.CodeMessageMalformed, &ti); err != nil {
		log.Info("timer payload not readable; running anyway", "error", err)
	}
	rep, err := a.RunSweep(ctx, SweepOptions{RunID: "sweep-" + inv.ID})
	log.Info("retention sweep done", "run_id", rep.RunID, "examined", rep.Examined, "deleted", rep.Deleted(),
		"outcomes", rep.Outcomes, "truncated", rep.Truncated, "past_due", ti.IsPastDue)
	return funchost.Result{}, err
}

// RunSweep runs one sweep at a.now(). It first finishes tombstones whose
// content deletion was interrupted, then examines the clips the due query
// returns, each re-read and decided again. It returns an error only when
// the run was aborted (repeated dependency failures or a wiring bug);
// per-clip failures are counted in the report and retried next run.
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
//  5. set the record's deletedAt (If-Match): content deletion confirmed.
//
// A crash after 3 leaves a tombstone without deletedAt, which the next
// run's PendingDeletions query finds and finishes with 4 and 5; a crash
// inside 3 leaves an audit entry the retry adopts by its key.
func (a *App) RunSweep(ctx context.Context, o SweepOptions) (SweepReport, error) {
	o = o.withDefaults(fmt.Sprint(time.Now().UnixNano()))
	now := a.now()
	rep := SweepReport{RunID: o.RunID, Now: clip.At(now), Outcomes: map[string]int{}}
	recs, blobs := a.Records, a.Blobs
	log := funchost.Logger(ctx).With("run_id", o.RunID)
	ctx = funchost.WithLogger(ctx, log)
	deadline := time.Now().Add(o.MaxDuration)
	consecutive := 0
	// record counts an outcome; it aborts the run after too many
	// consecutive errors (a dependency is down: stop, the next run resumes).
	record := func(code string, err error) error {
		if err == nil {
			consecutive = 0
			rep.count(code)
			return nil
		}
		rep.count(SweepError)
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
	budgetLeft := func() bool {
		if rep.Examined >= o.MaxClips || time.Now().After(deadline) || ctx.Err() != nil {
			rep.Truncated = true
			return false
		}
		return true
	}

	// Unfinished deletions first: they are already decided.
	seen := map[string]bool{}
	err := a.eachRef(ctx, func(cont string) (cosmosdb.Page[cosmosdb.ClipRef], error) {
		return recs.PendingDeletions(ctx, o.PageSize, cont)
	}, seen, budgetLeft, func(ref cosmosdb.ClipRef) error {
		rep.Examined++
		c, err := a.Records.GetClip(ctx, ref.OfficerID, ref.ID)
		if clip.IsKind(err, clip.NotFound) {
			return nil
		}
		if err != nil {
			return record("", err)
		}
		code, err := a.finishDeletion(ctx, blobs, c)
		return record(code, err)
	})
	if err != nil {
		return rep, err
	}

	// Then due candidates, in passes: a deletion removes a clip from the
	// query's results, which can make an offset-based continuation skip
	// others (the local server's tokens are offsets); a new pass from the
	// start picks them up. A pass that finds nothing new ends the run.
	for budgetLeft() {
		before := len(seen)
		err := a.eachRef(ctx, func(cont string) (cosmosdb.Page[cosmosdb.ClipRef], error) {
			return recs.DueForDeletion(ctx, now, o.PageSize, cont)
		}, seen, budgetLeft, func(ref cosmosdb.ClipRef) error {
			rep.Examined++
			code, err := a.sweepOne(ctx, blobs, ref, now, o.RunID)
			return record(code, err)
		})
		if err != nil {
			return rep, err
		}
		if len(seen) == before {
			break
		}
	}
	if rep.Truncated {
		log.Warn("sweep stopped at its bound; the next run continues", "examined", rep.Examined, "max_clips", o.MaxClips)
	}
	return rep, nil
}

// eachRef pages through a query and calls f once per clip not seen yet in
// this run, while budget allows.
func (a *App) eachRef(ctx context.Context, page func(cont string) (cosmosdb.Page[cosmosdb.ClipRef], error), seen map[string]bool, budget func() bool, f func(cosmosdb.ClipRef) error) error {
	cont := ""
	for budget() {
		p, err := page(cont)
		if err != nil {
			return err
		}
		for _, ref := range p.Items {
			if seen[ref.ID] {
				continue
			}
			if !budget() {
				return nil
			}
			seen[ref.ID] = true
			if err := f(ref); err != nil {
				return err
			}
		}
		if cont = p.Continuation; cont == "" {
			return nil
		}
	}
	return nil
}

// content is where a clip's bytes are: the blob version its record names.
type content struct {
	container, name, etag, versionID string
}

// contentOf locates a clip's content: the upload blob for a verified clip,
// the quarantine copy for a quarantined one. gone reports a quarantined clip
// whose content vanished or was replaced before it could be moved (its
// reasons say so); code explains why there is nothing safe to delete.
func contentOf(c clip.Clip) (loc content, gone bool, code string) {
	if c.Quarantine != nil {
		loc = content{container: c.Quarantine.Container, name: c.Quarantine.Name, etag: c.Quarantine.ETag}
	} else if c.Status == clip.StatusQuarantined || c.Retention.Quarantined {
		if hasReason(c, clip.CodeBlobGone) || hasReason(c, clip.CodeBlobChanged) {
			return content{}, true, ""
		}
		return content{}, false, SweepMovePending
	} else {
		loc = content{container: c.Blob.Container, name: c.Blob.Name, etag: c.Blob.ETag, versionID: c.Blob.VersionID}
	}
	if loc.etag == "" || loc.container == "" || loc.name == "" {
		return loc, false, SweepNoContentETag
	}
	return loc, false, ""
}

// scheduleOf is the stored schedule of a record, as retention.Decide reads it.
func scheduleOf(r clip.Retention) retention.Schedule {
	s := retention.Schedule{PolicyVersion: r.PolicyVersion, Rule: r.Rule, HeldUntilReleased: r.HeldUntilReleased, Quarantined: r.Quarantined}
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
	return s
}

// deleteKey is the audit key of a clip's deletion: a clip is deleted once,
// so a retry adopts the entry an interrupted attempt wrote.
const deleteKey = "retention-delete"

// sweepOne decides one candidate and, if it is due, tombstones it and
// deletes its content (steps 1-5 of RunSweep).
func (a *App) sweepOne(ctx context.Context, blobs RetentionBlobs, ref cosmosdb.ClipRef, now time.Time, runID string) (string, error) {
	log := funchost.Logger(ctx).With("clip_id", ref.ID, "officer", ref.OfficerID)
	c, err := a.Records.GetClip(ctx, ref.OfficerID, ref.ID)
	if clip.IsKind(err, clip.NotFound) {
		return SweepRecordChanged, nil
	}
	if err != nil {
		return "", err
	}
	d := retention.Decide(scheduleOf(c.Retention), c.Retention.LegalHold, string(c.Status), now)
	if !d.Delete {
		log.Debug("kept", "decision", d.Code, "reason", d.Reason)
		return d.Code, nil
	}
	loc, gone, skip := contentOf(c)
	if skip != "" {
		log.Warn("due but nothing safe to delete", "code", skip)
		return skip, nil
	}
	if !gone {
		p, err := a.Blobs.Properties(ctx, loc.container, loc.name)
		switch {
		case clip.IsKind(err, clip.NotFound):
			gone = true
		case err != nil:
			return "", err
		case p.ETag != loc.etag:
			log.Warn("due, but the blob is not the recorded version: nothing deleted", "code", SweepBlobChanged,
				"blob", loc.container+"/"+loc.name, "recorded_etag", loc.etag, "current_etag", p.ETag)
			return SweepBlobChanged, nil
		}
	}

	sha := c.SHA256.Computed
	shaSource := "computed"
	if sha == "" {
		sha, shaSource = c.SHA256.Declared, "declared"
	}
	details := map[string]string{
		"runId": runID, "decision": d.Code, "policyVersion": c.Retention.PolicyVersion, "rule": c.Retention.Rule,
		"dueAt": c.Retention.RetainUntil.String(), "sha256": sha, "sha256Source": shaSource,
		"container": loc.container, "name": loc.name, "blobEtag": loc.etag, "blobAlreadyGone": boolText(gone),
	}
	if loc.versionID != "" {
		details["versionId"] = loc.versionID
	}
	entry, head, err := a.Records.AppendAudit(ctx, c.ID, c.Audit, audit.Entry{
		Action: audit.ActionDeleted, Key: deleteKey, Actor: system(NameSweep), ActorAuthenticated: true,
		Justification: d.Reason, At: clip.At(now), Details: details,
	})
	if clip.IsKind(err, clip.Conflict) {
		return SweepRecordChanged, nil
	}
	if err != nil {
		return "", err
	}
	// A retry adopts the entry an interrupted attempt wrote: the
	// certificate is built from that entry, so the two always agree.
	cert := certificateFrom(entry)
	gone = cert.BlobAlreadyGone
	tomb := c
	tomb.Status = clip.StatusDeleted
	tomb.Deletion = &cert
	tomb.Audit = head
	tomb.UpdatedAt = clip.At(a.now())
	if gone {
		tomb.DeletedAt = clip.Ptr(cert.DeletedAt.Time)
	}
	tomb, err = a.Records.ReplaceClip(ctx, tomb)
	if clip.IsKind(err, clip.Conflict) {
		log.Info("record changed since it was read: kept, decided again next run", "code", SweepRecordChanged)
		return SweepRecordChanged, nil
	}
	if err != nil {
		return "", err
	}
	if gone {
		log.Info("tombstoned; content was already gone", "code", SweepDeletedGone, "rule", cert.Rule, "due_at", cert.DueAt)
		return SweepDeletedGone, nil
	}
	code, err := a.finishDeletion(ctx, blobs, tomb)
	if err != nil || code != SweepFinished {
		return code, err
	}
	log.Info("deleted", "code", SweepDeleted, "rule", cert.Rule, "due_at", cert.DueAt, "blob", loc.container+"/"+loc.name)
	return SweepDeleted, nil
}

// certificateFrom reads the deletion certificate back from the audit entry
// that records it.
func certificateFrom(e audit.Entry) clip.Deletion {
	d := clip.Deletion{
		SweepRunID: e.Details["runId"], PolicyVersion: e.Details["policyVersion"], Rule: e.Details["rule"],
		DeletedAt: e.At, SHA256: e.Details["sha256"], BlobETag: e.Details["blobEtag"],
		BlobAlreadyGone: e.Details["blobAlreadyGone"] == "true", Actor: e.Actor,
	}
	if t, err := time.Parse(time.RFC3339Nano, e.Details["dueAt"]); err == nil {
		d.DueAt = clip.Ptr(t)
	}
	return d
}

// finishDeletion deletes a tombstone's content (If-Match on the ETag the
// certificate recorded) and confirms it with the record's deletedAt.
func (a *App) finishDeletion(ctx context.Context, blobs RetentionBlobs, c clip.Clip) (string, error) {
	if c.Status != clip.StatusDeleted || c.Deletion == nil {
		return "", clip.Errorf(clip.Internal, "", "clip %s is listed as a pending deletion but has status %s and no certificate", c.ID, c.Status)
	}
	if c.DeletedAt != nil {
		return SweepFinished, nil
	}
	if !c.Deletion.BlobAlreadyGone {
		loc, _, _ := contentOf(c)
		if loc.container == "" || loc.name == "" || c.Deletion.BlobETag == "" {
			return "", clip.Errorf(clip.Internal, "", "tombstone %s does not say which blob to delete", c.ID)
		}
		_, err := blobs.DeleteVersion(ctx, loc.container, loc.name, c.Deletion.BlobETag, loc.versionID)
		if clip.IsKind(err, clip.Conflict) {
			funchost.Logger(ctx).Error("tombstoned clip's blob changed before its deletion; a person must look (docs/runbook.md)",
				"code", SweepTombstoneConflict, "clip_id", c.ID, "blob", loc.container+"/"+loc.name)
			return SweepTombstoneConflict, nil
		}
		if err != nil {
			return "", err
		}
	}
	done := c
	done.DeletedAt = clip.Ptr(a.now())
	done.UpdatedAt = clip.At(a.now())
	if _, err := a.Records.ReplaceClip(ctx, done); err != nil {
		return "", err
	}
	return SweepFinished, nil
}
