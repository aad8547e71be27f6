package blobstore

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// DeleteVersion deletes one recorded blob version: the base blob with all
// its snapshots, only while its ETag is still etag (If-Match), and then,
// when versionID is not empty, that version itself by id, which versioning
// would otherwise keep as a previous version after the base is deleted.
//
// A changed base blob (someone wrote a new version or changed its
// metadata) is a clip.Conflict with BLOB_CHANGED and the base is not
// deleted: it is not the content the caller decided on. The recorded
// version is still deleted by id (VersionDeleted): a version is immutable,
// so its id names exactly the caller's content, and no later upload can
// race it. A missing blob is not an error (AlreadyGone), so a retry after
// a crash converges. Other versions of the same name are never touched:
// they are other clips with their own records.
//
// Azurite implements neither versions nor version deletes (docs/platform-facts.md), so
// the version step runs only against Azure.
func (s *Store) DeleteVersion(ctx context.Context, container, name, etag, versionID string) (clip.BlobDeleted, error) {
	var out clip.BlobDeleted
	if etag == "" {
		return out, clip.Errorf(clip.Internal, "", "refusing to delete %s/%s without an ETag: it would be an unconditional delete", container, name)
	}
	bc := s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name)
	ifMatch := azcore.ETag(quote(etag))
	_, err := bc.Delete(ctx, &blob.DeleteOptions{
		DeleteSnapshots:  to(blob.DeleteSnapshotsOptionTypeInclude),
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: &ifMatch}},
	})
	var changed error // the base is another version: reported after the recorded version is deleted
	switch derr := classify(err, "deleting %s/%s", container, name); {
	case err == nil:
	case clip.IsKind(derr, clip.NotFound):
		out.AlreadyGone = true
	case clip.IsKind(derr, clip.Conflict):
		// If-Match on a blob that no longer exists fails the precondition
		// (412 on Azurite, as HTTP prescribes) rather than answering 404:
		// look before calling it changed.
		if _, perr := bc.GetProperties(ctx, nil); !clip.IsKind(classify(perr, "reading %s/%s", container, name), clip.NotFound) {
			changed = derr
		} else {
			out.AlreadyGone = true
		}
	default:
		return out, derr
	}
	if versionID == "" {
		return out, changed
	}
	vc, err := bc.WithVersionID(versionID)
	if err != nil {
		return out, clip.Wrap(clip.Internal, err, "addressing version %s of %s/%s", versionID, container, name)
	}
	_, err = vc.Delete(ctx, nil)
	switch derr := classify(err, "deleting version %s of %s/%s", versionID, container, name); {
	case err == nil:
		out.VersionDeleted = true
	case clip.IsKind(derr, clip.NotFound):
	default:
		return out, derr
	}
	return out, changed
}
