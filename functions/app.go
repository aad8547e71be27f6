package functions

import (
	"context"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/config"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// Function names: the contract with function.json and Terraform.
const (
	NameIngest = "ClipIngest"
	NameVerify = "ClipVerify"
	NameSweep  = "RetentionSweep"
	NameManage = "ClipManage"
)

// Binding names used in function.json.
const (
	bindingEvent   = "event"
	bindingVerify  = "verify"
	bindingMessage = "message"
)

// Blobs is what the functions need from blob storage.
type Blobs interface {
	Properties(ctx context.Context, container, name string) (clip.BlobProperties, error)
	Hash(ctx context.Context, container, name, etag string, size int64, o clip.HashOptions) (string, int64, error)
	Move(ctx context.Context, srcContainer, name, etag, dstContainer, dstName string, copied ...func(clip.QuarantineRef) error) (clip.QuarantineRef, error)
	SetTags(ctx context.Context, container, name string, tags map[string]string) error
	// SetVersionTags tags one blob version (accounts that keep versions).
	SetVersionTags(ctx context.Context, container, name, versionID string, tags map[string]string) error
	RetentionBlobs
}

// Records is what the functions need from Cosmos DB.
type Records interface {
	GetClip(ctx context.Context, officerID, id string) (clip.Clip, error)
	CreateClip(ctx context.Context, c clip.Clip) (clip.Clip, error)
	ReplaceClip(ctx context.Context, c clip.Clip) (clip.Clip, error)
	// DeleteClip deletes a record If-Match etag: only to finish moving it
	// to another officer's partition (metadata correction).
	DeleteClip(ctx context.Context, officerID, id, etag string) error
	GetNameClaim(ctx context.Context, key string) (clip.NameClaim, error)
	CreateNameClaim(ctx context.Context, n clip.NameClaim) (clip.NameClaim, error)
	ReplaceNameClaim(ctx context.Context, n clip.NameClaim) (clip.NameClaim, error)
	AppendAudit(ctx context.Context, clipID string, head clip.AuditHead, e audit.Entry) (audit.Entry, clip.AuditHead, error)
	RetentionRecords
}

// App carries what every function needs. main builds one and registers
// its methods with the funchost server.
type App struct {
	Config  config.Config
	Blobs   Blobs
	Records Records
	Policy  *retention.Policy
	// Anchoring wires the AuditAnchor timer function (anchor.go).
	Anchoring Anchoring
	// Now is the clock (tests replace it).
	Now func() time.Time
}

// Register adds the functions to s.
func (a *App) Register(s *funchost.Server) {
	s.Handle(NameIngest, a.Ingest)
	s.Handle(NameVerify, a.Verify)
	s.Handle(NameSweep, a.Sweep)
	s.Handle(NameManage, a.Manage)
	s.Handle(NameAnchor, a.Anchor)
}

// metadataRules are the metadata contract's configurable rules: ingest
// validates a dock's metadata with them and a metadata correction
// validates the corrected metadata with the same (one rule, one place).
func (a *App) metadataRules() clip.Rules {
	return clip.Rules{MaxDuration: a.Config.MaxClipDuration, ClockSkew: a.Config.ClockSkew, KnownCategory: a.Policy.Known}
}

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// system is the actor of automatic transitions.
func system(function string) string { return "system:" + function }

// transition appends an audit entry to a clip's chain and writes the
// record with If-Match, after mutate has applied the change. A concurrent
// writer makes it fail with clip.Conflict: the invocation is retried and
// decides again from a fresh read.
func (a *App) transition(ctx context.Context, c clip.Clip, e audit.Entry, mutate func(*clip.Clip)) (clip.Clip, error) {
	if e.At.IsZero() {
		e.At = clip.At(a.now())
	}
	_, head, err := a.Records.AppendAudit(ctx, c.ID, c.Audit, e)
	if err != nil {
		return c, err
	}
	// Every audited change sends the clip back to the sweep's protection
	// check (its horizon query selects records without a mark).
	c.Protection = nil
	mutate(&c)
	c.Audit = head
	c.UpdatedAt = clip.At(a.now())
	return a.Records.ReplaceClip(ctx, c)
}
