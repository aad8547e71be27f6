package clipview

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/disclosure"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Blobs is what Rehash needs of blob storage (*blobstore.Store).
type Blobs interface {
	Download(ctx context.Context, container, name, etag, versionID string, w io.Writer) (int64, error)
}

// Rehashed is the result of reading the stored content again.
type Rehashed struct {
	Source    string `json:"source"` // "upload" or "quarantine"
	Container string `json:"container"`
	Name      string `json:"name"`
	ETag      string `json:"etag,omitempty"`
	VersionID string `json:"versionId,omitempty"`
	Bytes     int64  `json:"bytes"`
	SHA256    string `json:"sha256"`
	Recorded  string `json:"recordedSha256"`
	Match     bool   `json:"match"`
}

// Rehash streams c's stored content (If-Match its recorded ETag, or its
// version by id) through SHA-256, counting bytes into progress (may be
// nil), and compares digest and size with the record. A mismatch is
// returned with the result filled in and CodeHashMismatch.
func Rehash(ctx context.Context, blobs Blobs, c clip.Clip, progress func(n int64)) (Rehashed, error) {
	src, err := disclosure.ContentOf(c)
	if err != nil {
		return Rehashed{}, reason.Errorf(CodeNoContent, nil, "clip %s is %s: it has no stored content to read", c.ID, c.Status)
	}
	r := Rehashed{Source: src.Kind, Container: src.Container, Name: src.Name, ETag: src.ETag, VersionID: src.VersionID, Recorded: c.SHA256.Computed}
	if r.Recorded == "" {
		return r, reason.Errorf(CodeNoContent, nil, "clip %s has no recorded SHA-256 (not verified yet): nothing to compare with", c.ID)
	}
	h := sha256.New()
	var w io.Writer = h
	if progress != nil {
		w = io.MultiWriter(h, counter(progress))
	}
	n, err := blobs.Download(ctx, src.Container, src.Name, src.ETag, src.VersionID, w)
	r.Bytes = n
	switch {
	case clip.IsKind(err, clip.Conflict) || clip.IsKind(err, clip.NotFound):
		return r, reason.Errorf(CodeContentChanged, err, "clip %s: %s/%s is not the content that was recorded", c.ID, src.Container, src.Name)
	case err != nil:
		return r, reason.Errorf(CodeReadFailed, err, "reading %s/%s", src.Container, src.Name)
	}
	r.SHA256 = hex.EncodeToString(h.Sum(nil))
	r.Match = strings.EqualFold(r.SHA256, r.Recorded) && (c.Blob.Size <= 0 || n == c.Blob.Size)
	if !r.Match {
		return r, reason.Errorf(CodeHashMismatch, nil, "clip %s: %d bytes of %s/%s hash to %s; recorded %s (%d bytes)",
			c.ID, n, src.Container, src.Name, r.SHA256, r.Recorded, c.Blob.Size)
	}
	return r, nil
}

type counter func(int64)

func (c counter) Write(p []byte) (int, error) { c(int64(len(p))); return len(p), nil }
