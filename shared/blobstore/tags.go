package blobstore

import (
	"context"
)

// SetTags replaces the blob's index tags. Tags mirror the clip's status,
// categories and retain-until, so a Storage lifecycle rule can act as a
// retention backstop (docs/retention.md). Setting tags does not change the
// blob's ETag.
func (s *Store) SetTags(ctx context.Context, container, name string, tags map[string]string) error {
	_, err := s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name).SetTags(ctx, tags, nil)
	return classify(err, "setting tags on %s/%s", container, name)
}

// Tags reads the blob's index tags.
func (s *Store) Tags(ctx context.Context, container, name string) (map[string]string, error) {
	r, err := s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name).GetTags(ctx, nil)
	if err != nil {
		return nil, classify(err, "reading tags of %s/%s", container, name)
	}
	out := map[string]string{}
	for _, t := range r.BlobTagSet {
		if t.Key != nil && t.Value != nil {
			out[*t.Key] = *t.Value
		}
	}
	return out, nil
}
