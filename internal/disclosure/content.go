package disclosure

import "github.com/bwv-ingest/bwv-ingest/shared/clip"

// Content is the blob version that holds a clip's bytes.
type Content struct {
	Kind      string // "upload" or "quarantine"
	Container string
	Name      string
	ETag      string
	VersionID string
}

// ContentOf is where c's bytes are: its upload, or for a quarantined clip
// the quarantine copy. It is what Export discloses, and what `bwv clip show
// --rehash` reads again. Clips with no content (received, refused, deleted)
// answer CodeClipNotExportable.
func ContentOf(c clip.Clip) (Content, error) {
	s, err := sourceOf(c)
	return Content{Kind: s.kind, Container: s.container, Name: s.name, ETag: s.etag, VersionID: s.versionID}, err
}
