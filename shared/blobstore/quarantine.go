package blobstore

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"

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
func (s *Store) Move(ctx context.Context, srcContainer, name, etag, dstContainer, dstName string) (clip.QuarantineRef, error) {
	ref := clip.QuarantineRef{Container: dstContainer, Name: dstName}
	svc := s.client.ServiceClient()
	src := svc.NewContainerClient(srcContainer).NewBlobClient(name)
	dst := svc.NewContainerClient(dstContainer).NewBlobClient(dstName)
	ifMatch := azcore.ETag(quote(etag))

	_, err := dst.StartCopyFromURL(ctx, src.URL(), &blob.StartCopyFromURLOptions{
		SourceModifiedAccessConditions: &blob.SourceModifiedAccessConditions{SourceIfMatch: &ifMatch},
	})
	if err != nil {
		cerr := s.goneOrChanged(ctx, srcContainer, name, classify(err, "copying %s/%s to %s/%s", srcContainer, name, dstContainer, dstName))
		if clip.IsKind(cerr, clip.NotFound) {
			// The source is gone: done before (crash after delete), or
			// someone removed it. Only a finished copy counts as done.
			if p, perr := dst.GetProperties(ctx, nil); perr == nil && p.CopyStatus != nil && *p.CopyStatus == blob.CopyStatusTypeSuccess {
				ref.ETag = clip.NormalizeETag(string(*p.ETag))
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

	_, err = src.Delete(ctx, &blob.DeleteOptions{
		DeleteSnapshots:  to(blob.DeleteSnapshotsOptionTypeInclude),
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: &ifMatch}},
	})
	switch derr := classify(err, "deleting quarantined source"); {
	case err == nil, clip.IsKind(derr, clip.NotFound):
		ref.SourceDeleted = true
	case clip.IsKind(derr, clip.Conflict):
		ref.SourceDeleted = false // a new version arrived; keep it, it has its own event
	default:
		return ref, derr
	}
	return ref, nil
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
