package functions

import (
	"context"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// Verify handles one clip-verify message: it hashes a received clip and
// records it verified or quarantined, or finishes moving a quarantined
// clip's content. Everything before the final conditional write is
// read-only, so a crash at any point is repaired by the queue's retry.
func (a *App) Verify(ctx context.Context, inv *funchost.Invocation) (funchost.Result, error) {
	var msg VerifyMessage
	if err := inv.Trigger(bindingMessage, clip.CodeMessageMalformed, &msg); err != nil {
		return funchost.Result{}, err
	}
	if msg.V != 1 || msg.ClipID == "" || msg.OfficerID == "" {
		return funchost.Result{}, clip.Errorf(clip.Invalid, clip.CodeMessageMalformed,
			"clip-verify message needs v=1, clipId and officerId (got v=%d clipId=%q officerId=%q)", msg.V, msg.ClipID, msg.OfficerID)
	}
	log := funchost.Logger(ctx).With("clip_id", msg.ClipID, "officer", msg.OfficerID)
	ctx = funchost.WithLogger(ctx, log)
	if n, ok := dequeueCount(inv); ok && n > 1 {
		log.Info("retry of a clip-verify message", "dequeue_count", n)
	}
	c, err := a.Records.GetClip(ctx, msg.OfficerID, msg.ClipID)
	if clip.IsKind(err, clip.NotFound) {
		return funchost.Result{}, clip.Errorf(clip.Invalid, clip.CodeClipNotFound, "clip-verify message names clip %s of officer %s, which has no record", msg.ClipID, msg.OfficerID)
	}
	if err != nil {
		return funchost.Result{}, err
	}
	switch {
	case c.Status == clip.StatusReceived:
		err := a.hashAndDecide(ctx, c)
		if err != nil && clip.OutcomeOf(err).Retry {
			n, _ := dequeueCount(inv)
			a.noteVerifyFailure(ctx, c, n, err)
		}
		return funchost.Result{}, err
	case pendingReverify(c):
		return funchost.Result{}, a.reverify(ctx, c)
	case needsVerify(c):
		return funchost.Result{}, a.finishQuarantine(ctx, c)
	}
	log.Info("nothing to do: clip already final", "status", c.Status)
	// The protection and the tags are still brought in line with the
	// record: a retry after a failed step lands here.
	if err := a.syncProtection(ctx, c.OfficerID, c.ID, false); err != nil {
		return funchost.Result{}, protectionFailed(ctx, err)
	}
	return funchost.Result{}, a.syncIndexTags(ctx, c.OfficerID, c.ID)
}

func dequeueCount(inv *funchost.Invocation) (int, bool) {
	var n int
	ok, err := inv.Metadata("DequeueCount", &n)
	return n, ok && err == nil
}

func (a *App) hashAndDecide(ctx context.Context, c clip.Clip) error {
	log := funchost.Logger(ctx)
	started := time.Now()
	log.Debug("hashing started", "bytes", c.Blob.Size)
	sum, n, err := a.Blobs.Hash(ctx, c.Blob.Container, c.Blob.Name, c.Blob.ETag, c.Blob.Size, a.hashOptions())
	switch {
	case clip.IsKind(err, clip.NotFound), clip.IsKind(err, clip.Conflict):
		code, msg := unavailable(err, "the blob was deleted before its hash could be verified",
			"the blob was overwritten by a new version before this version's hash could be verified")
		log.Error("content unavailable for verification", "code", code, "error", err)
		_, err := a.transition(ctx, c, audit.Entry{Action: audit.ActionVerifyBlobMissing, Key: "verify:" + c.Blob.ETag,
			Actor: system(NameVerify), Justification: msg, Details: map[string]string{"reason": string(code)}},
			func(c *clip.Clip) {
				c.Status = clip.StatusQuarantined
				c.Reasons = append(c.Reasons, clip.Reason{Code: code, Field: "content", Message: msg})
				c.QuarantinedAt = clip.Ptr(a.now())
				c.Retention = a.Policy.RecordFor(*c)
			})
		return err
	case err != nil:
		return err
	}
	secs := time.Since(started).Seconds()
	log.Info("hashed", "bytes", n, "seconds", secs, "mb_per_s", float64(n)/1e6/max(secs, 1e-9))

	if sum == c.SHA256.Declared {
		// Storage protects the verified version first (until its
		// retainUntil), then the record says verified, then the tags from
		// the record as it then is (c was read before hashing and may be
		// stale); a failed step fails the invocation, and the retry
		// repeats it.
		verified := c
		verified.Status = clip.StatusVerified
		if err := a.protectFirst(ctx, verified); err != nil {
			return protectionFailed(ctx, err)
		}
		rec, err := a.transition(ctx, c, audit.Entry{Action: audit.ActionVerified, Key: "verify:" + c.Blob.ETag,
			Actor: system(NameVerify), Justification: "SHA-256 of the content matches the dock's declared hash",
			Details: map[string]string{"sha256": sum}},
			func(c *clip.Clip) {
				c.Status = clip.StatusVerified
				c.SHA256.Computed = sum
				c.VerifiedAt = clip.Ptr(a.now())
			})
		if err != nil {
			return err
		}
		log.Info("clip verified", "status", rec.Status)
		if err := a.syncProtection(ctx, c.OfficerID, c.ID, false); err != nil {
			return protectionFailed(ctx, err)
		}
		return a.syncIndexTags(ctx, c.OfficerID, c.ID)
	}

	msg := "the SHA-256 of the content (" + sum + ") does not match the dock's declared hash (" + c.SHA256.Declared + ")"
	log.Warn("hash mismatch: quarantining", "code", clip.CodeHashMismatch, "computed", sum, "declared", c.SHA256.Declared)
	rec, err := a.transition(ctx, c, audit.Entry{Action: audit.ActionQuarantined, Key: "verify:" + c.Blob.ETag,
		Actor: system(NameVerify), Justification: msg, Details: map[string]string{"reason": string(clip.CodeHashMismatch), "sha256": sum}},
		func(c *clip.Clip) {
			c.Status = clip.StatusQuarantined
			c.SHA256.Computed = sum
			c.Reasons = append(c.Reasons, clip.Reason{Code: clip.CodeHashMismatch, Field: "content", Message: msg})
			c.QuarantinedAt = clip.Ptr(a.now())
			c.Retention = a.Policy.RecordFor(*c)
		})
	if err != nil {
		return err
	}
	return a.finishQuarantine(ctx, rec)
}

// finishQuarantine moves a quarantined clip's content out of the upload
// container (copy, then delete the source only if unchanged) and records
// where it went. The content is never deleted without a finished copy.
func (a *App) finishQuarantine(ctx context.Context, c clip.Clip) error {
	log := funchost.Logger(ctx)
	dst := blobstore.QuarantineName(c.ID, c.Blob.Name)
	// The copy gets cautious tags (until its record names it) and its
	// protection (until the quarantine rule's date) once complete and
	// before the source is deleted: the content is never unprotected.
	protectCopy := func(ref clip.QuarantineRef) error {
		moved := c
		moved.Quarantine = &ref
		if err := a.setTags(ctx, tagTarget{container: ref.Container, name: ref.Name, versionID: ref.VersionID}, cautiousTags(moved)); err != nil {
			return err
		}
		return protectionFailed(ctx, a.protectFirst(ctx, moved))
	}
	ref, err := a.Blobs.Move(ctx, c.Blob.Container, c.Blob.Name, c.Blob.ETag, a.Config.QuarantineContainer, dst, protectCopy)
	switch {
	case clip.IsKind(err, clip.NotFound), clip.IsKind(err, clip.Conflict):
		code, msg := clip.CodeBlobGone, "the blob was deleted before it could be moved to quarantine"
		if clip.IsKind(err, clip.Conflict) {
			code, msg = clip.CodeBlobChanged, "the blob was overwritten by a new version before this version could be moved to quarantine"
		}
		log.Error("content unavailable for quarantine", "code", code, "error", err)
		_, err := a.transition(ctx, c, audit.Entry{Action: audit.ActionVerifyBlobMissing, Key: "move:" + c.Blob.ETag,
			Actor: system(NameVerify), Justification: msg, Details: map[string]string{"reason": string(code)}},
			func(c *clip.Clip) {
				c.Reasons = append(c.Reasons, clip.Reason{Code: code, Field: "content", Message: msg})
			})
		return err
	case err != nil:
		return err
	}
	details := map[string]string{"container": ref.Container, "name": ref.Name, "sourceDeleted": boolText(ref.SourceDeleted)}
	_, err = a.transition(ctx, c, audit.Entry{Action: audit.ActionMovedToQuarantine, Key: "move:" + c.Blob.ETag,
		Actor: system(NameVerify), Justification: "quarantined content moved out of the upload container", Details: details},
		func(c *clip.Clip) { c.Quarantine = &ref })
	if err != nil {
		return err
	}
	log.Info("content moved to quarantine", "to", ref.Container+"/"+ref.Name, "source_deleted", ref.SourceDeleted)
	if err := a.syncProtection(ctx, c.OfficerID, c.ID, false); err != nil {
		return protectionFailed(ctx, err)
	}
	return a.syncIndexTags(ctx, c.OfficerID, c.ID)
}

// reverify hashes the quarantined copy of a clip whose metadata was
// corrected (VERIFICATION_PENDING) and decides: verified when the hash
// matches the declared one (the content stays where it is; retention then
// follows its categories), HASH_MISMATCH otherwise, BLOB_GONE/BLOB_CHANGED
// when the copy is gone or not the recorded one. Read-only until the final
// conditional write, as hashAndDecide.
func (a *App) reverify(ctx context.Context, c clip.Clip) error {
	log := funchost.Logger(ctx)
	before := c
	q := *c.Quarantine
	sum, _, err := a.Blobs.Hash(ctx, q.Container, q.Name, q.ETag, c.Blob.Size, a.hashOptions())
	key := "reverify:" + q.ETag
	switch {
	case clip.IsKind(err, clip.NotFound), clip.IsKind(err, clip.Conflict):
		code, msg := unavailable(err, "the quarantined copy was deleted before its hash could be verified",
			"the quarantined copy is not the recorded version: its hash cannot be verified")
		log.Error("quarantined content unavailable for verification", "code", code, "error", err)
		_, err := a.transition(ctx, c, audit.Entry{Action: audit.ActionVerifyBlobMissing, Key: key,
			Actor: system(NameVerify), Justification: msg, Details: map[string]string{"reason": string(code)}},
			func(c *clip.Clip) {
				c.Reasons = []clip.Reason{{Code: code, Field: "content", Message: msg}}
				c.Retention = a.Policy.RecordFor(*c)
			})
		return err
	case err != nil:
		return err
	}
	if sum == c.SHA256.Declared {
		verified := func(c *clip.Clip) {
			c.Status = clip.StatusVerified
			c.SHA256.Computed = sum
			c.Reasons = []clip.Reason{}
			c.VerifiedAt = clip.Ptr(a.now())
			// Quarantine → verified can bring deletion earlier (the
			// quarantine rule gives way to the categories): the same
			// release grace as a person's change.
			c.Retention = a.retentionAfterChange(before, *c, system(NameVerify))
		}
		next := c
		verified(&next)
		// The grace is counted from this instance's clock: a re-verification
		// that brings deletion earlier waits (the message is retried) while
		// that clock is off the database's, as a person's lowering change is
		// refused.
		if a.lowers(before, next) {
			if err := a.checkChangeClock(ctx); err != nil {
				return &clip.Error{Kind: clip.Transient, Code: clip.CodeOf(err), Message: "re-verification brings deletion earlier; retried until this instance's clock agrees with the database's", Err: err}
			}
		}
		if err := a.protectFirst(ctx, c, next); err != nil {
			return protectionFailed(ctx, err)
		}
		rec, err := a.transition(ctx, c, audit.Entry{Action: audit.ActionVerified, Key: key,
			Actor: system(NameVerify), Justification: "metadata corrected; SHA-256 of the quarantined content matches the dock's declared hash",
			Details: map[string]string{"sha256": sum, "container": q.Container, "name": q.Name}},
			verified)
		if err != nil {
			return err
		}
		log.Info("corrected clip verified", "status", rec.Status, "rule", rec.Retention.Rule)
		// Relaxation last: the quarantine rule's policy is lowered to the
		// categories' date (release grace included) only now.
		if err := a.syncProtection(ctx, c.OfficerID, c.ID, a.lowers(before, rec)); err != nil {
			return protectionFailed(ctx, err)
		}
		return a.syncIndexTags(ctx, c.OfficerID, c.ID)
	}
	msg := "the SHA-256 of the content (" + sum + ") does not match the dock's declared hash (" + c.SHA256.Declared + ")"
	log.Warn("hash mismatch after metadata correction: stays quarantined", "code", clip.CodeHashMismatch, "computed", sum, "declared", c.SHA256.Declared)
	_, err = a.transition(ctx, c, audit.Entry{Action: audit.ActionQuarantined, Key: key,
		Actor: system(NameVerify), Justification: msg, Details: map[string]string{"reason": string(clip.CodeHashMismatch), "sha256": sum}},
		func(c *clip.Clip) {
			c.SHA256.Computed = sum
			c.Reasons = []clip.Reason{{Code: clip.CodeHashMismatch, Field: "content", Message: msg}}
			c.Retention = a.Policy.RecordFor(*c)
		})
	if err != nil {
		return err
	}
	return a.syncIndexTags(ctx, c.OfficerID, c.ID)
}

func (a *App) hashOptions() clip.HashOptions {
	return clip.HashOptions{RangeBytes: a.Config.VerifyRangeBytes, Parallelism: a.Config.VerifyParallelism}
}

// unavailable is the reason for content that could not be read: BLOB_GONE
// (NotFound) or BLOB_CHANGED (Conflict), with the matching message.
func unavailable(err error, goneMsg, changedMsg string) (clip.Code, string) {
	if clip.IsKind(err, clip.Conflict) {
		return clip.CodeBlobChanged, changedMsg
	}
	return clip.CodeBlobGone, goneMsg
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// noteVerifyFailure records a failed attempt on the record, so a clip whose
// message ends in the poison queue says so (status stays received: nothing
// about the clip was decided). Best effort: the invocation fails anyway and
// a lost race here only loses the note. Not an audit entry: no state changed.
func (a *App) noteVerifyFailure(ctx context.Context, c clip.Clip, dequeue int, cause error) {
	fresh, err := a.Records.GetClip(ctx, c.OfficerID, c.ID)
	if err != nil || fresh.Status != clip.StatusReceived {
		return
	}
	code := clip.CodeOf(cause)
	if code == "" {
		code = clip.CodeStorageUnavailable
	}
	msg := cause.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	fresh.VerifyFailures = append(fresh.VerifyFailures, clip.VerifyFailure{At: clip.At(a.now()), DequeueCount: dequeue, Code: code, Message: msg})
	if n := len(fresh.VerifyFailures); n > clip.MaxVerifyFailures {
		fresh.VerifyFailures = fresh.VerifyFailures[n-clip.MaxVerifyFailures:]
	}
	fresh.UpdatedAt = clip.At(a.now())
	if _, err := a.Records.ReplaceClip(ctx, fresh); err != nil {
		funchost.Logger(ctx).Warn("could not record the failed attempt", "error", err)
	}
}
