package functions

import (
	"context"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// One clip's deletion: decide again on the re-read record, find its
// content, tombstone it with a certificate, delete the content, confirm.

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
		loc = content{container: c.Quarantine.Container, name: c.Quarantine.Name, etag: c.Quarantine.ETag, versionID: c.Quarantine.VersionID}
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

// deleteKey is the audit key of a clip's deletion: a clip is deleted once,
// so a retry adopts the entry an interrupted attempt wrote.
const deleteKey = "retention-delete"

// sweepOne decides one candidate and, if it is due, tombstones it and
// deletes its content (steps 1-5 of RunSweep).
func (a *App) sweepOne(ctx context.Context, blobs RetentionBlobs, ref clip.Ref, now time.Time, runID string) (string, error) {
	log := funchost.Logger(ctx).With("clip_id", ref.ID, "officer", ref.OfficerID)
	c, err := a.Records.GetClip(ctx, ref.OfficerID, ref.ID)
	if clip.IsKind(err, clip.NotFound) {
		return SweepRecordChanged, nil
	}
	if err != nil {
		return "", err
	}
	d := retention.DecideClip(a.Policy, c, now)
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
		if code := a.storageRefuses(ctx, loc, p.Protection, now); code != "" {
			return code, nil
		}
	}
	if gone && loc.versionID != "" {
		// The current blob is gone, but the recorded version may remain
		// (versioning keeps it) under its own policy or hold: Storage is
		// consulted before the tombstone here too.
		p, err := blobs.ProtectionOf(ctx, loc.container, loc.name, loc.versionID)
		switch {
		case clip.IsKind(err, clip.NotFound):
		case err != nil:
			return "", err
		default:
			if code := a.storageRefuses(ctx, loc, p, now); code != "" {
				return code, nil
			}
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
	tomb, err = a.Records.ReplaceClip(ctx, tomb)
	if clip.IsKind(err, clip.Conflict) {
		log.Info("record changed since it was read: kept, decided again next run", "code", SweepRecordChanged)
		return SweepRecordChanged, nil
	}
	if err != nil {
		return "", err
	}
	code, err := a.finishDeletion(ctx, blobs, tomb, runID)
	if err != nil || code != SweepFinished {
		return code, err
	}
	if gone {
		log.Info("tombstoned; content was already gone", "code", SweepDeletedGone, "rule", cert.Rule, "due_at", cert.DueAt)
		return SweepDeletedGone, nil
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

// confirmKey is the audit key of a deletion's confirmation: one per clip,
// so a retry adopts the entry an interrupted attempt wrote.
const confirmKey = "retention-delete-confirmed"

// finishDeletion deletes a tombstone's content (If-Match on the ETag the
// certificate recorded; nothing when the certificate says it was already
// gone) and confirms it: a "deletion-confirmed" audit entry and the
// record's deletedAt.
func (a *App) finishDeletion(ctx context.Context, blobs RetentionBlobs, c clip.Clip, runID string) (string, error) {
	if c.Status != clip.StatusDeleted || c.Deletion == nil {
		return "", clip.Errorf(clip.Internal, "", "clip %s is listed as a pending deletion but has status %s and no certificate", c.ID, c.Status)
	}
	if c.DeletedAt != nil {
		return SweepFinished, nil
	}
	loc, _, _ := contentOf(c)
	// A recorded version is deleted by id even when the current blob was
	// already gone: versioning keeps it as a previous version otherwise.
	if !c.Deletion.BlobAlreadyGone || loc.versionID != "" {
		if loc.container == "" || loc.name == "" || c.Deletion.BlobETag == "" {
			return "", clip.Errorf(clip.Internal, "", "tombstone %s does not say which blob to delete", c.ID)
		}
		_, err := blobs.DeleteVersion(ctx, loc.container, loc.name, c.Deletion.BlobETag, loc.versionID)
		if code := refusalOutcome(err); code != "" {
			funchost.Logger(ctx).Error("Storage refused to delete a tombstoned clip's content: it stays, and the tombstone waits (docs/retention.md)",
				"code", code, "clip_id", c.ID, "blob", loc.container+"/"+loc.name, "error", err)
			return code, nil
		}
		if clip.IsKind(err, clip.Conflict) && c.Deletion.BlobAlreadyGone {
			err = nil // a later upload under the name, not this clip: only its version was to go, and it went
		}
		if clip.IsKind(err, clip.Conflict) {
			funchost.Logger(ctx).Error("tombstoned clip's blob changed before its deletion; a person must look (docs/runbook.md)",
				"code", SweepTombstoneConflict, "clip_id", c.ID, "blob", loc.container+"/"+loc.name)
			return SweepTombstoneConflict, nil
		}
		if err != nil {
			return "", err
		}
	}
	details := map[string]string{"runId": runID, "blobAlreadyGone": boolText(c.Deletion.BlobAlreadyGone), "blobEtag": c.Deletion.BlobETag}
	why := "the clip's content was deleted"
	if c.Deletion.BlobAlreadyGone {
		why = "the clip's content was already gone when the sweep came; nothing left to delete"
	} else {
		details["container"], details["name"] = loc.container, loc.name
		if loc.versionID != "" {
			details["versionId"] = loc.versionID
		}
	}
	entry, head, err := a.Records.AppendAudit(ctx, c.ID, c.Audit, audit.Entry{
		Action: audit.ActionDeletionConfirmed, Key: confirmKey, Actor: system(NameSweep), ActorAuthenticated: true,
		Justification: why, At: clip.At(a.now()), Details: details,
	})
	if err != nil {
		return "", err
	}
	done := c
	done.Audit = head
	// The entry a retry adopts carries the first attempt's time.
	done.DeletedAt = clip.Ptr(entry.At.Time)
	done.UpdatedAt = clip.At(a.now())
	if _, err := a.Records.ReplaceClip(ctx, done); err != nil {
		return "", err
	}
	return SweepFinished, nil
}

// storageRefuses is the sweep's own look at what Storage enforces, before
// the tombstone: a version under an unexpired policy or a legal hold is
// not deleted, whatever the record says (a record edited in the database,
// or a bug in the decision), and the disagreement is logged for a person.
// Should Storage's clock be behind the sweep's, Storage refuses the delete
// at step 4 instead, and the tombstone finishes in a later run.
func (a *App) storageRefuses(ctx context.Context, loc content, p clip.Protection, now time.Time) string {
	code := ""
	switch {
	case p.LegalHold:
		code = SweepRefusedLegalHold
	case p.PolicyActive(now):
		code = SweepRefusedImmutable
	default:
		return ""
	}
	until := "none"
	if p.Until != nil {
		until = p.Until.UTC().Format(time.RFC3339)
	}
	funchost.Logger(ctx).Error("due by its record, but Storage protects the content: nothing deleted, the record stays (docs/retention.md)",
		"code", code, "blob", loc.container+"/"+loc.name, "legal_hold", p.LegalHold, "policy_until", until)
	return code
}

// refusalOutcome maps Storage's refusal of a delete to its sweep outcome.
func refusalOutcome(err error) string {
	switch clip.CodeOf(err) {
	case clip.CodeBlobImmutable:
		return SweepRefusedImmutable
	case clip.CodeBlobLegalHold:
		return SweepRefusedLegalHold
	}
	return ""
}
