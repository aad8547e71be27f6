package blobstore

import (
	"context"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Properties is what ingest needs from GetProperties.
type Properties struct {
	ETag         string
	Size         int64
	ContentType  string
	LastModified time.Time
	VersionID    string
	// Metadata as the SDK returns it (it canonicalises key case, e.g.
	// "Officerid"): compare keys case-insensitively, as clip.ParseMetadata does.
	Metadata map[string]string
}

// Properties reads a blob's properties and metadata.
func (s *Store) Properties(ctx context.Context, container, name string) (Properties, error) {
	r, err := s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name).GetProperties(ctx, nil)
	if err != nil {
		return Properties{}, classify(err, "reading properties of %s/%s", container, name)
	}
	p := Properties{Metadata: map[string]string{}}
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
