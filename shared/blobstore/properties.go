package blobstore

import (
	"context"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Properties reads a blob's properties and metadata.
func (s *Store) Properties(ctx context.Context, container, name string) (clip.BlobProperties, error) {
	r, err := s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name).GetProperties(ctx, nil)
	if err != nil {
		return clip.BlobProperties{}, classify(err, "reading properties of %s/%s", container, name)
	}
	p := clip.BlobProperties{Metadata: map[string]string{}}
	if r.ETag != nil {
		p.ETag = clip.NormalizeETag(string(*r.ETag))
	}
	if r.ContentLength != nil {
		p.Size = *r.ContentLength
	}
	if r.ContentType != nil {
		p.ContentType = *r.ContentType
	}
	if r.LastModified != nil {
		p.LastModified = *r.LastModified
	}
	p.Protection = protectionOf(r)
	if r.VersionID != nil {
		p.VersionID = *r.VersionID
	}
	for k, v := range r.Metadata {
		if v != nil {
			p.Metadata[k] = *v
		} else {
			p.Metadata[k] = ""
		}
	}
	return p, nil
}
