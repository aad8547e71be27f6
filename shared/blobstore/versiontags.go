package blobstore

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
)

// SetVersionTags replaces the index tags of one blob version. Where the
// account keeps versions, a clip's record names its version, and only
// that version may carry the clip's tags: after an overwrite the current
// blob is another clip, which SetTags (no version) would tag instead.
// versionID "" is the current blob, as SetTags. Azurite has no versions
// and ignores the version (docs/platform-facts.md).
func (s *Store) SetVersionTags(ctx context.Context, container, name, versionID string, tags map[string]string) error {
	var o *blob.SetTagsOptions
	if versionID != "" {
		o = &blob.SetTagsOptions{VersionID: &versionID}
	}
	_, err := s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name).SetTags(ctx, tags, o)
	if versionID != "" {
		return classify(err, "setting tags on version %s of %s/%s", versionID, container, name)
	}
	return classify(err, "setting tags on %s/%s", container, name)
}
