package clip

// Status is where a clip is in its life. The values are a contract with
// analysts (docs/schema.md).
type Status string

const (
	// Received: recorded from its BlobCreated event, metadata valid,
	// waiting for its hash to be verified.
	StatusReceived Status = "received"
	// Verified: the content's SHA-256 matched the dock's declared hash.
	StatusVerified Status = "verified"
	// Quarantined: broke a rule; the content was moved to the quarantine
	// container (never deleted) and Reasons says why.
	StatusQuarantined Status = "quarantined"
	// Deleted: removed by the retention sweep; the record is the tombstone.
	StatusDeleted Status = "deleted"
	// Refused: the event came from an account or region outside the
	// residency rules; the blob was not touched.
	StatusRefused Status = "refused"
)

// DocType values distinguish documents that share a container.
const (
	DocTypeClip      = "clip"
	DocTypeNameClaim = "nameclaim"
)

// UnattributedOfficer is the partition used for records whose officer is
// not known, such as residency refusals (the blob is never read).
const UnattributedOfficer = "UNATTRIBUTED"

// Clip is the Cosmos document for one blob version: the analysts' interface.
type Clip struct {
	ID            string            `json:"id"`
	Type          string            `json:"type"`
	OfficerID     string            `json:"officerId"`
	DeviceID      string            `json:"deviceId,omitempty"`
	StationID     string            `json:"stationId,omitempty"`
	RecordedStart *Time             `json:"recordedStart,omitempty"`
	RecordedEnd   *Time             `json:"recordedEnd,omitempty"`
	Categories    []string          `json:"categories"`
	IncidentRefs  []string          `json:"incidentRefs"`
	Location      *Location         `json:"location,omitempty"`
	Status        Status            `json:"status"`
	Blob          BlobRef           `json:"blob"`
	SHA256        Hashes            `json:"sha256"`
	Reasons       []Reason          `json:"reasons"`
	Retention     Retention         `json:"retention"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Tamper        *Tamper           `json:"tamper,omitempty"`
	// CategoriesSetBy names the authenticated person who last set the categories through ClipManage; set, they count for a quarantined clip too.
	CategoriesSetBy string `json:"categoriesSetBy,omitempty"`
	// OverwrittenBy lists the clip ids of later versions written under
	// this record's blob name (tamper signals; the first record is kept).
	OverwrittenBy []string       `json:"overwrittenBy,omitempty"`
	Quarantine    *QuarantineRef `json:"quarantine,omitempty"`
	Deletion      *Deletion      `json:"deletion,omitempty"`
	Audit         AuditHead      `json:"audit"`
	// VerifyFailures are the failed verification attempts (transient
	// storage or Cosmos faults) of a clip still received: when their
	// dequeue count reaches host.json's maxDequeueCount, the message is in
	// the poison queue. The newest MaxVerifyFailures are kept.
	VerifyFailures []VerifyFailure `json:"verifyFailures,omitempty"`
	ReceivedAt     Time            `json:"receivedAt"`
	UpdatedAt      Time            `json:"updatedAt"`
	VerifiedAt     *Time           `json:"verifiedAt,omitempty"`
	QuarantinedAt  *Time           `json:"quarantinedAt,omitempty"`
	DeletedAt      *Time           `json:"deletedAt,omitempty"`
	// Protection is the sweep's bookkeeping of Storage's protection of the
	// content (ProtectionMark); every audited change clears it.
	Protection *ProtectionMark `json:"protection,omitempty"`

	// ETag is Cosmos' _etag, used for If-Match on every replace.
	ETag string `json:"_etag,omitempty"`
}

// Location is where the camera was when recording started.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// BlobRef identifies the blob version a record describes.
type BlobRef struct {
	Account      string `json:"account"`
	Container    string `json:"container"`
	Name         string `json:"name"`
	URL          string `json:"url"`
	ETag         string `json:"etag"`
	Size         int64  `json:"size"`
	Region       string `json:"region"`
	Sequencer    string `json:"sequencer,omitempty"`
	ContentType  string `json:"contentType,omitempty"`
	LastModified *Time  `json:"lastModified,omitempty"`
	VersionID    string `json:"versionId,omitempty"`
}

// Hashes holds the dock's declared SHA-256 and the one computed here.
type Hashes struct {
	Declared string `json:"declared,omitempty"`
	Computed string `json:"computed,omitempty"`
}

// Retention is the clip's retention state; see shared/retention.
type Retention struct {
	PolicyVersion     string `json:"policyVersion"`
	Rule              string `json:"rule"`
	CountedFrom       *Time  `json:"countedFrom,omitempty"`
	RetainUntil       *Time  `json:"retainUntil"`
	ReviewDate        *Time  `json:"reviewDate,omitempty"`
	HeldUntilReleased bool   `json:"heldUntilReleased"`
	// Quarantined says the schedule was computed for a quarantined clip
	// (the quarantine rule); the sweep refuses a schedule whose flag
	// disagrees with the record's status.
	Quarantined bool `json:"quarantined"`
	LegalHold   bool `json:"legalHold"`
	// Review, when set, asks a person to look at the clip: code
	// RECORDED_START_IMPLAUSIBLE means the recorded start lies more than
	// the policy's maxDockDelay before receipt (a camera clock reset), so
	// the periods count from receipt. Analysts query it (docs/schema.md).
	Review *RetentionReview `json:"review,omitempty"`
	// PendingRelease is a change that brought the deletion date earlier:
	// the clip is not deleted before EffectiveFrom (now + the policy's
	// releaseGrace when it was asked). A protecting change within the
	// grace cancels it (CancelledAt/CancelledBy set; the record keeps it).
	PendingRelease *PendingRelease `json:"pendingRelease,omitempty"`
}

// RetentionReview is a flag on a clip's schedule for a person to look at.
type RetentionReview struct {
	Code   string `json:"code"`
	Since  Time   `json:"since"`
	Detail string `json:"detail"`
}

// PendingRelease is a release (an earlier deletion date) waiting for its
// grace to end.
type PendingRelease struct {
	RequestedBy   string `json:"requestedBy"`
	RequestedAt   Time   `json:"requestedAt"`
	EffectiveFrom Time   `json:"effectiveFrom"`
	FromRule      string `json:"fromRule"`
	ToRule        string `json:"toRule"`
	CancelledBy   string `json:"cancelledBy,omitempty"`
	CancelledAt   *Time  `json:"cancelledAt,omitempty"`
}

// Active reports whether the release is still pending (not cancelled).
func (p *PendingRelease) Active() bool { return p != nil && p.CancelledAt == nil }

// Tamper records a second version written under an already-recorded name.
type Tamper struct {
	FirstClipID string `json:"firstClipId"`
	FirstETag   string `json:"firstEtag"`
	DetectedAt  Time   `json:"detectedAt"`
}

// QuarantineRef says where quarantined content now lives.
type QuarantineRef struct {
	Container string `json:"container"`
	Name      string `json:"name"`
	ETag      string `json:"etag,omitempty"`
	// VersionID is the copy's version where the account keeps versions
	// (empty otherwise): the sweep deletes that version by id, and index
	// tags are set on it.
	VersionID string `json:"versionId,omitempty"`
	// SourceVersionID is the moved upload's version (empty without
	// versioning): the move deletes it by id, so versioning does not keep
	// the quarantined content in the upload container.
	SourceVersionID string `json:"sourceVersionId,omitempty"`
	// SourceDeleted is false when the source changed during the move and
	// was left in place (a copy exists in quarantine either way).
	SourceDeleted bool `json:"sourceDeleted"`
}

// Deletion is the certificate the retention sweep leaves on a tombstone.
type Deletion struct {
	SweepRunID      string `json:"sweepRunId"`
	PolicyVersion   string `json:"policyVersion"`
	Rule            string `json:"rule"`
	DueAt           *Time  `json:"dueAt"`
	DeletedAt       Time   `json:"deletedAt"`
	SHA256          string `json:"sha256"`
	BlobETag        string `json:"blobEtag"`
	BlobAlreadyGone bool   `json:"blobAlreadyGone"`
	Actor           string `json:"actor"`
}

// MaxVerifyFailures bounds Clip.VerifyFailures.
const MaxVerifyFailures = 20

// VerifyFailure is one failed verification attempt.
type VerifyFailure struct {
	At           Time   `json:"at"`
	DequeueCount int    `json:"dequeueCount"`
	Code         Code   `json:"code"`
	Message      string `json:"message"`
}

// AuditHead links the record to the last entry of its audit chain.
type AuditHead struct {
	Seq  int    `json:"seq"`
	Hash string `json:"hash"`
}

// NameClaim is the first-come record of a blob name. It lives in the audit
// container (partition /clipId, where ClipID is the claim's own key) so a
// point read finds it without knowing the officer. It carries the highest
// sequencer seen, which makes stale events no-ops.
type NameClaim struct {
	ID          string `json:"id"`
	ClipID      string `json:"clipId"` // partition key: equals ID
	Type        string `json:"type"`
	Account     string `json:"account"`
	Container   string `json:"container"`
	Name        string `json:"name"`
	FirstClipID string `json:"firstClipId"`
	FirstETag   string `json:"firstEtag"`
	Officer     string `json:"officerId"` // partition of the first clip
	Sequencer   string `json:"sequencer"`
	LatestETag  string `json:"latestEtag"`
	UpdatedAt   Time   `json:"updatedAt"`
	ETag        string `json:"_etag,omitempty"`
}
