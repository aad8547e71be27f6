package clip

import "time"

// The values the functions exchange with blob storage and the record
// store, named in the domain: the interfaces the functions consume
// (functions.Blobs, Records, RetentionBlobs, RetentionRecords) name no
// adapter type, and shared/blobstore and shared/cosmosdb return these.

// BlobProperties is what ingest needs from a blob's properties.
type BlobProperties struct {
	ETag         string
	Size         int64
	ContentType  string
	LastModified time.Time
	VersionID    string
	// Protection is what Storage itself enforces on this version.
	Protection Protection
	// Metadata as the SDK returns it (it canonicalises key case, e.g.
	// "Officerid"): compare keys case-insensitively, as ParseMetadata does.
	Metadata map[string]string
}

// Protection is a blob version's Storage-level protection: a time-based
// immutability policy (until Until; Locked ones can only be extended) and
// a legal hold. While either is in force Storage refuses to delete or
// overwrite the version.
type Protection struct {
	Until     *time.Time // nil: no policy
	Locked    bool
	LegalHold bool
}

// ProtectionMark is what a record notes about Storage's protection of its
// content, so the sweep's horizon pass queries only the clips that need it
// (docs/retention.md › What Storage itself enforces): Until is when the
// pass last saw the content's policy end; Pending says a change was
// written although its protection could not be put in place first (the
// pass puts it in place). It is bookkeeping, never a retention decision:
// the sweep decides on Retention alone.
type ProtectionMark struct {
	Until   *Time `json:"until,omitempty"`
	Pending bool  `json:"pending,omitempty"`
}

// PolicyActive reports whether the policy still protects at now.
func (p Protection) PolicyActive(now time.Time) bool { return p.Until != nil && p.Until.After(now) }

// Protects reports whether Storage refuses deletion at now.
func (p Protection) Protects(now time.Time) bool { return p.LegalHold || p.PolicyActive(now) }

// HashOptions tunes the streamed hash of a blob version.
type HashOptions struct {
	RangeBytes  int64 // size of each ranged GET
	Parallelism int   // ranged GETs in flight
}

// BlobDeleted says what deleting a recorded blob version removed.
type BlobDeleted struct {
	// AlreadyGone: the blob was not there (deleted earlier, e.g. by an
	// interrupted sweep run or the lifecycle backstop).
	AlreadyGone bool
	// VersionDeleted: the blob version named by versionID was removed too
	// (only where the account keeps versions).
	VersionDeleted bool
}

// Ref names one clip record: its id and partition.
type Ref struct {
	ID        string `json:"id"`
	OfficerID string `json:"officerId"`
}

// Page is one page of a query and the token to resume after it ("" = done).
type Page[T any] struct {
	Items        []T
	Continuation string
}
