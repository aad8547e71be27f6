package blobstore

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// QuarantineName is where a quarantined clip's content goes: under its clip
// id, so two versions of one name never overwrite each other, and with its
// original name, so a person can recognise it.
func QuarantineName(clipID, name string) string { return clipID + "/" + name }

// Move copies src (only while its ETag is still etag) to dst, waits for the
// copy to finish, then deletes the source only if its ETag is unchanged.
// The content is never lost: if the source changed during the move it is
// left in place (SourceDeleted false). Safe to repeat after a crash: a
// source already gone with a finished copy in place counts as done.
//
// Where the account keeps versions, deleting the source only makes it a
// previous version, kept forever: Move records the copy's version
// (VersionID) and the source's (SourceVersionID), and deletes the source's
// version by id after the source (DeleteVersion), also when the current
// source is a newer upload (that one is left alone). Without versioning
// (Azurite) both ids are empty and nothing more happens.
//
// copied, if given, run once the copy is complete and before the source
// is deleted (ClipVerify protects the copy there, so the content is never
// unprotected between the two); an error from one stops the move with the
// source in place.
func (s *Store) Move(ctx context.Context, srcContainer, name, etag, dstContainer, dstName string, copied ...func(clip.QuarantineRef) error) (clip.QuarantineRef, error) {
	done := func(ref clip.QuarantineRef) error {
		for _, f := range copied {
			if err := f(ref); err != nil {
				return err
			}
		}
		return nil
	}
	ref := clip.QuarantineRef{Container: dstContainer, Name: dstName}
	svc := s.client.ServiceClient()
	src := svc.NewContainerClient(srcContainer).NewBlobClient(name)
	dst := svc.NewContainerClient(dstContainer).NewBlobClient(dstName)
	ifMatch := azcore.ETag(quote(etag))

	// The source's version id, while it is the version to move (the copy
	// below is conditional on the same ETag, so it copies this version).
	if p, err := src.GetProperties(ctx, nil); err == nil && p.ETag != nil && clip.NormalizeETag(string(*p.ETag)) == clip.NormalizeETag(etag) && p.VersionID != nil {
		ref.SourceVersionID = *p.VersionID
	}
	_, err := dst.StartCopyFromURL(ctx, src.URL(), &blob.StartCopyFromURLOptions{
		SourceModifiedAccessConditions: &blob.SourceModifiedAccessConditions{SourceIfMatch: &ifMatch},
	})
	if err != nil {
		if busy := busyConflict(err, "copying %s/%s to %s/%s", srcContainer, name, dstContainer, dstName); busy != nil {
			return ref, busy
		}
		cerr := s.goneOrChanged(ctx, srcContainer, name, classify(err, "copying %s/%s to %s/%s", srcContainer, name, dstContainer, dstName))
		if clip.IsKind(cerr, clip.NotFound) {
			// The source is gone: done before (crash after delete), or
			// someone removed it. Only a finished copy counts as done;
			// the source's version, if the account keeps one, is found
			// by its ETag and deleted as a first run would have.
			if p, perr := dst.GetProperties(ctx, nil); perr == nil && p.CopyStatus != nil && *p.CopyStatus == blob.CopyStatusTypeSuccess {
				ref.ETag = clip.NormalizeETag(string(*p.ETag))
				if p.VersionID != nil {
					ref.VersionID = *p.VersionID
				}
				if err := done(ref); err != nil {
					return ref, err
				}
				v, verr := s.versionWithETag(ctx, srcContainer, name, etag)
				if verr != nil {
					return ref, verr
				}
				if v != "" {
					ref.SourceVersionID = v
					if _, derr := s.DeleteVersion(ctx, srcContainer, name, etag, v); derr != nil {
						return ref, derr
					}
				}
				ref.SourceDeleted = true
				return ref, nil
			}
		}
		if clip.IsKind(cerr, clip.Conflict) {
			return ref, clip.Wrap(clip.Conflict, err, "source changed before it could be quarantined")
		}
		return ref, cerr
	}
	if err := waitForCopy(ctx, dst); err != nil {
		return ref, err
	}
	p, err := dst.GetProperties(ctx, nil)
	if err != nil {
		return ref, classify(err, "reading quarantined copy")
	}
	ref.ETag = clip.NormalizeETag(string(*p.ETag))
	if p.VersionID != nil {
		ref.VersionID = *p.VersionID
	}
	if err := done(ref); err != nil {
		return ref, err
	}

	_, err = s.DeleteVersion(ctx, srcContainer, name, etag, ref.SourceVersionID)
	if busy := busyConflict(err, "deleting the quarantined source %s/%s", srcContainer, name); busy != nil {
		return ref, busy
	}
	switch {
	case err == nil:
		ref.SourceDeleted = true
	case clip.IsKind(err, clip.Conflict):
		ref.SourceDeleted = false // a new version arrived; keep it, it has its own event
	default:
		return ref, err
	}
	return ref, nil
}

// conditionCodes are the Storage error codes of a failed access condition:
// the only conflicts that mean "the blob is not the version we named".
var conditionCodes = []bloberror.Code{bloberror.ConditionNotMet, bloberror.SourceConditionNotMet, bloberror.TargetConditionNotMet}

// busyConflict returns a transient QUARANTINE_COPY_FAILED error for a 409
// that is not a failed access condition — PendingCopyOperation,
// CopyIDMismatch, BlobBeingRehydrated, LeaseAlreadyPresent, … : the blob is
// busy, not changed, so the move is retried (the source is untouched)
// rather than recorded as BLOB_CHANGED, which would stop ClipVerify moving
// it for good. It returns nil for any other error (classify decides).
func busyConflict(err error, format string, args ...any) error {
	var re *azcore.ResponseError
	if err == nil || !errors.As(err, &re) || re.StatusCode != http.StatusConflict {
		return nil
	}
	for _, c := range conditionCodes {
		if bloberror.HasCode(err, c) {
			return nil
		}
	}
	e := clip.Wrap(clip.Transient, err, format, args...)
	e.Code = clip.CodeQuarantineCopyFailed
	return e
}

// waitForCopy polls a destination until its copy is no longer pending.
// Azurite finishes at once; Azure may report pending for large blobs.
func waitForCopy(ctx context.Context, dst *blob.Client) error {
	delay := 100 * time.Millisecond
	for {
		p, err := dst.GetProperties(ctx, nil)
		if err != nil {
			return classify(err, "polling copy status")
		}
		status := blob.CopyStatusTypeSuccess
		if p.CopyStatus != nil {
			status = *p.CopyStatus
		}
		switch status {
		case blob.CopyStatusTypeSuccess:
			return nil
		case blob.CopyStatusTypeFailed, blob.CopyStatusTypeAborted:
			desc := ""
			if p.CopyStatusDescription != nil {
				desc = *p.CopyStatusDescription
			}
			return clip.Errorf(clip.Transient, clip.CodeQuarantineCopyFailed, "copy to quarantine %s: %s", status, desc)
		}
		select {
		case <-ctx.Done():
			return classify(ctx.Err(), "waiting for copy")
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
}

func to[T any](v T) *T { return &v }
