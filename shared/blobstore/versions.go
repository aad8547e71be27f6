package blobstore

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// versionWithETag finds the version id of the version of container/name
// whose ETag is etag, among the versions the account keeps; "" when there
// is none (no versioning, as on Azurite, or that version is gone). Used
// when a blob's current version is gone and its version id was not read
// before (a repeat of an interrupted move).
func (s *Store) versionWithETag(ctx context.Context, containerName, name, etag string) (string, error) {
	pager := s.client.NewListBlobsFlatPager(containerName, &azblob.ListBlobsFlatOptions{
		Prefix:  &name,
		Include: container.ListBlobsInclude{Versions: true},
	})
	want := clip.NormalizeETag(etag)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return "", classify(err, "listing versions of %s/%s", containerName, name)
		}
		for _, b := range page.Segment.BlobItems {
			if b.Name == nil || *b.Name != name || b.VersionID == nil || b.Properties == nil || b.Properties.ETag == nil {
				continue
			}
			if clip.NormalizeETag(string(*b.Properties.ETag)) == want {
				return *b.VersionID, nil
			}
		}
	}
	return "", nil
}
