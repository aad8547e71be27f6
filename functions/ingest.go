package functions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/eventgrid"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// ingestAPIs are the Storage operations that finish a blob; others (e.g.
// PutBlock) are ignored, as the Event Grid subscription filter also does.
var ingestAPIs = []string{"PutBlob", "PutBlockList", "CopyBlob", "FlushWithClose"}

// VerifyMessage is the clip-verify queue message: "finish this clip".
// ClipVerify decides what that means from the record's state (hash a
// received clip; move a quarantined one whose content is still in uploads).
type VerifyMessage struct {
	V         int    `json:"v"`
	ClipID    string `json:"clipId"`
	OfficerID string `json:"officerId"`
	Container string `json:"container"`
	Name      string `json:"name"`
	ETag      string `json:"etag"`
	Size      int64  `json:"size"`
}

func verifyMessage(c clip.Clip) VerifyMessage {
	return VerifyMessage{V: 1, ClipID: c.ID, OfficerID: c.OfficerID, Container: c.Blob.Container, Name: c.Blob.Name, ETag: c.Blob.ETag, Size: c.Blob.Size}
}

// needsVerify reports whether a record still has work for ClipVerify.
func needsVerify(c clip.Clip) bool {
	return c.Status == clip.StatusReceived || pendingReverify(c) ||
		(c.Status == clip.StatusQuarantined && c.Quarantine == nil && !hasReason(c, clip.CodeBlobGone) && !hasReason(c, clip.CodeBlobChanged))
}

// pendingReverify reports a quarantined clip whose metadata was corrected
// (ClipManage correct-metadata) and which has no problem left but the
// unproven hash: ClipVerify hashes its quarantined copy and decides.
func pendingReverify(c clip.Clip) bool {
	return c.Status == clip.StatusQuarantined && c.Quarantine != nil &&
		len(c.Reasons) == 1 && c.Reasons[0].Code == clip.CodeVerificationPending
}

func hasReason(c clip.Clip, code clip.Code) bool {
	return slices.ContainsFunc(c.Reasons, func(r clip.Reason) bool { return r.Code == code })
}

// Ingest handles one Event Grid event. It is cheap whatever the clip's
// size (properties, metadata and a few small writes): hashing and moving
// content happen in ClipVerify, behind the queue.
func (a *App) Ingest(ctx context.Context, inv *funchost.Invocation) (funchost.Result, error) {
	log := funchost.Logger(ctx)
	var raw json.RawMessage
	if err := inv.Trigger(bindingEvent, clip.CodeEventMalformed, &raw); err != nil {
		return funchost.Result{}, err
	}
	ev, err := eventgrid.Parse(raw)
	if err != nil {
		return funchost.Result{}, err
	}
	switch ev.Kind {
	case eventgrid.KindValidation:
		log.Info("answered subscription validation", "event_id", ev.ID)
		return funchost.Result{ReturnValue: map[string]string{"validationResponse": ev.ValidationCode}}, nil
	case eventgrid.KindOther:
		log.Info("ignored event", "code", clip.CodeIgnoredEvent, "event_type", ev.Type, "event_id", ev.ID)
		return funchost.Result{}, nil
	}
	b := ev.Blob
	if b.Container != a.Config.UploadContainer || !slices.Contains(ingestAPIs, b.API) {
		log.Info("ignored event", "code", clip.CodeIgnoredEvent, "container", b.Container, "api", b.API, "event_id", ev.ID)
		return funchost.Result{}, nil
	}
	log = log.With("blob", b.Container+"/"+b.Name, "etag", b.ETag, "sequencer", b.Sequencer, "event_id", ev.ID)
	ctx = funchost.WithLogger(ctx, log)

	if err := a.Config.Residency().CheckBlob(b.Account, b.URL); err != nil {
		return funchost.Result{}, a.refuse(ctx, b, err)
	}

	// The blob's properties come first, then the name claim is created
	// without reading it: the common case (a new clip) costs one Storage
	// and three Cosmos round trips (claim, first audit entry, record). The
	// claim is read only when it exists already (a duplicate event, or
	// another version under the same name) and then decided exactly as
	// before; creation is the test, so idempotency does not depend on the
	// order of the reads.
	id := clip.ID(b.Account, b.Container, b.Name, b.ETag)
	claimKey := clip.NameKey(b.Account, b.Container, b.Name)
	props, perr := a.Blobs.Properties(ctx, b.Container, b.Name)
	if perr == nil && props.ETag == b.ETag {
		c, action := a.versionRecord(b, props, id, nil)
		_, err := a.Records.CreateNameClaim(ctx, firstClaim(a, b, claimKey, id, c.OfficerID))
		if err == nil {
			return a.writeVersion(ctx, b, c, action, nil)
		}
		if !clip.IsKind(err, clip.Conflict) {
			return funchost.Result{}, err
		}
	}

	claim, err := a.Records.GetNameClaim(ctx, claimKey)
	hasClaim := err == nil
	if err != nil && !clip.IsKind(err, clip.NotFound) {
		return funchost.Result{}, err
	}
	var tamperOf *clip.NameClaim
	if hasClaim && claim.LatestETag != b.ETag && claim.FirstETag != b.ETag {
		if !clip.SequencerLess(claim.Sequencer, b.Sequencer) {
			// An older version's event, after a newer version's: stale for
			// the name, but this version existed (its footage was written
			// and overwritten) and must be on record, never dropped.
			return funchost.Result{}, a.recordUnread(ctx, b, claim, false,
				"an older version of this blob name, overwritten (by the version clip "+claim.FirstClipID+" names first) before ingest read it; its event arrived after the newer version's")
		}
		tamperOf = &claim
	}

	switch {
	case clip.IsKind(perr, clip.NotFound):
		// Gone before we looked: a duplicate of an event whose clip was
		// already moved to quarantine or deleted (its record and the queue
		// finish it), or a blob removed at once; nothing left to read.
		log.Warn("blob gone before ingest could read it", "code", clip.CodeBlobGone)
		return funchost.Result{}, nil
	case perr != nil:
		return funchost.Result{}, perr
	case props.ETag != b.ETag:
		// The event's version was overwritten before we could read it.
		// Its newer version has its own event; record this one so the
		// overwrite is not silent, and claim the name for it.
		if hasClaim {
			// A version after the claimed one, itself overwritten before
			// we read it: a second version (tamper signal) whose metadata
			// is lost, recorded all the same.
			return funchost.Result{}, a.recordUnread(ctx, b, claim, tamperOf != nil,
				"the blob was overwritten (now ETag "+props.ETag+") before this version's metadata could be read")
		}
		return funchost.Result{}, a.recordSuperseded(ctx, b, props.ETag)
	}

	return a.recordVersion(ctx, b, props, id, !hasClaim, tamperOf)
}

// firstClaim is the name claim of the first version seen under a name.
func firstClaim(a *App, b *eventgrid.BlobCreated, key, id, officer string) clip.NameClaim {
	return clip.NameClaim{ID: key, Account: b.Account, Container: b.Container, Name: b.Name, FirstClipID: id,
		FirstETag: b.ETag, Officer: officer, Sequencer: b.Sequencer, LatestETag: b.ETag, UpdatedAt: clip.At(a.now())}
}

// recordVersion validates a blob version's metadata and records it: a new
// record with its first audit entry, or, for a duplicate event, the record
// already there. It asks ClipVerify to finish the clip while it needs it.
//
// claim says to create the name claim first: this is the first version
// seen under its name.
func (a *App) recordVersion(ctx context.Context, b *eventgrid.BlobCreated, props clip.BlobProperties, id string, claim bool, tamperOf *clip.NameClaim) (funchost.Result, error) {
	c, action := a.versionRecord(b, props, id, tamperOf)
	if claim {
		if _, err := a.Records.CreateNameClaim(ctx, firstClaim(a, b, clip.NameKey(b.Account, b.Container, b.Name), id, c.OfficerID)); err != nil {
			// Conflict: another version claimed the name at the same
			// moment; the retry sees the claim and decides again.
			return funchost.Result{}, err
		}
	}
	return a.writeVersion(ctx, b, c, action, tamperOf)
}

// versionRecord builds the record of a blob version from its properties
// and metadata (no I/O), and the audit action that opens its trail.
func (a *App) versionRecord(b *eventgrid.BlobCreated, props clip.BlobProperties, id string, tamperOf *clip.NameClaim) (clip.Clip, string) {
	now := a.now()
	meta, reasons := clip.ParseMetadata(props.Metadata, props.Size, now, a.metadataRules())
	var lastModified *clip.Time
	if !props.LastModified.IsZero() {
		lastModified = clip.Ptr(props.LastModified)
	}
	c := clip.Clip{
		ID: id, Type: clip.DocTypeClip,
		OfficerID: meta.OfficerID, DeviceID: meta.DeviceID, StationID: meta.StationID,
		Categories: meta.Categories, IncidentRefs: meta.IncidentRefs, Location: meta.Location,
		Status: clip.StatusReceived,
		Blob: clip.BlobRef{
			Account: b.Account, Container: b.Container, Name: b.Name, URL: b.URL, ETag: props.ETag,
			Size: props.Size, Region: a.Config.StorageRegion, Sequencer: b.Sequencer, ContentType: props.ContentType,
			LastModified: lastModified, VersionID: props.VersionID,
		},
		SHA256:     clip.Hashes{Declared: meta.SHA256},
		Reasons:    reasons,
		Metadata:   meta.Extra,
		ReceivedAt: clip.At(now),
		UpdatedAt:  clip.At(now),
	}
	if c.Reasons == nil {
		c.Reasons = []clip.Reason{}
	}
	if c.OfficerID == "" {
		c.OfficerID = clip.UnattributedOfficer
	}
	if !meta.RecordedStart.IsZero() {
		c.RecordedStart = clip.Ptr(meta.RecordedStart)
	}
	if !meta.RecordedEnd.IsZero() {
		c.RecordedEnd = clip.Ptr(meta.RecordedEnd)
	}
	if tamperOf != nil {
		c.Tamper = &clip.Tamper{FirstClipID: tamperOf.FirstClipID, FirstETag: tamperOf.FirstETag, DetectedAt: clip.At(now)}
		c.Reasons = append(c.Reasons, clip.Reason{Code: clip.CodeTamperOverwrite, Field: "blob",
			Message: "a second version was written under a blob name already recorded as clip " + tamperOf.FirstClipID + "; the first record is kept and this version is quarantined for review"})
	}
	action := audit.ActionReceived
	if len(c.Reasons) > 0 {
		c.Status = clip.StatusQuarantined
		c.QuarantinedAt = clip.Ptr(now)
		action = audit.ActionQuarantined
	}
	c.Retention = a.Policy.RecordFor(c)
	return c, action
}

// writeVersion writes a version's record and first audit entry (or finds
// them, for a duplicate event), flags the first record of an overwritten
// name, and asks ClipVerify to finish the clip while it needs it.
func (a *App) writeVersion(ctx context.Context, b *eventgrid.BlobCreated, c clip.Clip, action string, tamperOf *clip.NameClaim) (funchost.Result, error) {
	log := funchost.Logger(ctx)
	rec, created, err := a.createRecord(ctx, c, audit.Entry{
		Action: action, Key: "ingest:" + c.Blob.ETag, Actor: system(NameIngest),
		Justification: "BlobCreated event " + b.API, Details: reasonDetails(c.Reasons),
	})
	if err != nil {
		return funchost.Result{}, err
	}
	if created {
		log.Info("clip recorded", "clip_id", rec.ID, "officer", rec.OfficerID, "status", rec.Status, "reasons", len(rec.Reasons))
	} else {
		log.Info("duplicate event: clip already recorded", "clip_id", rec.ID, "status", rec.Status)
	}
	if tamperOf != nil {
		if err := a.flagOverwrite(ctx, *tamperOf, b, rec); err != nil {
			return funchost.Result{}, err
		}
	}
	res := funchost.Result{Outputs: map[string]any{}}
	if needsVerify(rec) {
		res.Outputs[bindingVerify] = verifyMessage(rec)
	}
	return res, nil
}

// createRecord writes the first audit entry and then the record (both
// create-if-absent). A duplicate returns the existing record, created false.
func (a *App) createRecord(ctx context.Context, c clip.Clip, first audit.Entry) (clip.Clip, bool, error) {
	first.At = c.ReceivedAt
	_, head, err := a.Records.AppendAudit(ctx, c.ID, clip.AuditHead{}, first)
	if err != nil {
		return c, false, err
	}
	c.Audit = head
	rec, err := a.Records.CreateClip(ctx, c)
	if clip.IsKind(err, clip.Conflict) {
		existing, gerr := a.Records.GetClip(ctx, c.OfficerID, c.ID)
		return existing, false, gerr
	}
	return rec, err == nil, err
}

// flagOverwrite records a second version on the first record (an audit
// entry and overwrittenBy, once) and moves the claim to the new version, so
// older events for this name become stale.
func (a *App) flagOverwrite(ctx context.Context, claim clip.NameClaim, b *eventgrid.BlobCreated, second clip.Clip) error {
	log := funchost.Logger(ctx)
	log.Error("ALERT: a second version was written under an already-recorded blob name", "code", clip.CodeTamperOverwrite,
		"first_clip_id", claim.FirstClipID, "second_clip_id", second.ID)
	if claim.Officer != "" {
		first, err := a.Records.GetClip(ctx, claim.Officer, claim.FirstClipID)
		switch {
		case clip.IsKind(err, clip.NotFound):
			// The first version's record was never finished; the claim
			// still proves it existed.
		case err != nil:
			return err
		case !slices.Contains(first.OverwrittenBy, second.ID):
			_, err := a.transition(ctx, first, audit.Entry{
				Action: audit.ActionTamperDetected, Key: "overwritten-by:" + second.ID, Actor: system(NameIngest),
				Justification: "a second version was written under this clip's blob name",
				Details:       map[string]string{"secondClipId": second.ID, "secondEtag": second.Blob.ETag},
			}, func(c *clip.Clip) { c.OverwrittenBy = append(c.OverwrittenBy, second.ID) })
			if err != nil {
				return err
			}
		}
	}
	claim.Sequencer = b.Sequencer
	claim.LatestETag = b.ETag
	claim.UpdatedAt = clip.At(a.now())
	_, err := a.Records.ReplaceNameClaim(ctx, claim)
	return err
}

// refuse records a residency refusal. The blob is not read, moved or
// tagged: it is not in an account this system may process.
func (a *App) refuse(ctx context.Context, b *eventgrid.BlobCreated, cause error) error {
	var ce *clip.Error
	if !errors.As(cause, &ce) {
		ce = &clip.Error{Code: clip.CodeResidencyAccount, Message: cause.Error()}
	}
	funchost.Logger(ctx).Warn("refused event: residency", "code", ce.Code, "account", b.Account, "error", cause)
	c := unattributed(a, b, b.ETag, clip.StatusRefused, clip.Reason{Code: ce.Code, Field: "source", Message: ce.Message})
	_, _, err := a.createRecord(ctx, c, audit.Entry{Action: audit.ActionRefused, Key: "ingest:" + b.ETag, Actor: system(NameIngest),
		Justification: "residency rule", Details: reasonDetails(c.Reasons)})
	return err
}

// recordSuperseded records an event whose version was overwritten before
// it could be read, and claims the name for it, so the newer version is
// treated as a second version (tamper signal), never silently as the first.
func (a *App) recordSuperseded(ctx context.Context, b *eventgrid.BlobCreated, currentETag string) error {
	funchost.Logger(ctx).Error("ALERT: blob overwritten before ingest could read it", "code", clip.CodeBlobChanged, "current_etag", currentETag)
	c := unattributed(a, b, b.ETag, clip.StatusQuarantined, clip.Reason{Code: clip.CodeBlobChanged, Field: "blob",
		Message: "the blob was overwritten (now ETag " + currentETag + ") before this version's metadata could be read"})
	c.QuarantinedAt = clip.Ptr(a.now())
	claimKey := clip.NameKey(b.Account, b.Container, b.Name)
	_, err := a.Records.CreateNameClaim(ctx, clip.NameClaim{ID: claimKey, Account: b.Account, Container: b.Container, Name: b.Name,
		FirstClipID: c.ID, FirstETag: b.ETag, Officer: c.OfficerID, Sequencer: b.Sequencer, LatestETag: b.ETag, UpdatedAt: clip.At(a.now())})
	if err != nil {
		return err
	}
	_, _, err = a.createRecord(ctx, c, audit.Entry{Action: audit.ActionQuarantined, Key: "ingest:" + b.ETag, Actor: system(NameIngest),
		Justification: "version superseded before ingest", Details: reasonDetails(c.Reasons)})
	return err
}

// recordUnread records a version of an already-claimed name that ingest
// could not read (it was overwritten first), unless it is recorded already
// (a duplicate event; found by id across officers, since a version read
// earlier lives under its officer): UNATTRIBUTED, quarantined BLOB_CHANGED,
// linked to the name's first clip. newer says it came after the claimed
// versions (a second version: TAMPER_OVERWRITE, the first record flagged
// and the claim moved on, as for a version that could be read); an older
// one leaves the claim as it is, so events older still stay stale.
func (a *App) recordUnread(ctx context.Context, b *eventgrid.BlobCreated, claim clip.NameClaim, newer bool, msg string) error {
	log := funchost.Logger(ctx)
	id := clip.ID(b.Account, b.Container, b.Name, b.ETag)
	_, err := a.Records.FindClip(ctx, id)
	switch {
	case err == nil, clip.CodeOf(err) == clip.CodeClipIDAmbiguous:
		log.Info("ignored event: this version is already recorded", "code", clip.CodeIgnoredEvent, "clip_id", id, "claim_sequencer", claim.Sequencer)
		return nil
	case !clip.IsKind(err, clip.NotFound):
		return err
	}
	log.Error("ALERT: a version of an already-recorded blob name was overwritten before ingest could read it", "code", clip.CodeBlobChanged,
		"clip_id", id, "first_clip_id", claim.FirstClipID, "claim_sequencer", claim.Sequencer, "newer", newer)
	c := unattributed(a, b, b.ETag, clip.StatusQuarantined, clip.Reason{Code: clip.CodeBlobChanged, Field: "blob", Message: msg})
	c.QuarantinedAt = clip.Ptr(a.now())
	c.Tamper = &clip.Tamper{FirstClipID: claim.FirstClipID, FirstETag: claim.FirstETag, DetectedAt: clip.At(a.now())}
	if newer {
		c.Reasons = append(c.Reasons, clip.Reason{Code: clip.CodeTamperOverwrite, Field: "blob",
			Message: "a second version was written under a blob name already recorded as clip " + claim.FirstClipID + "; the first record is kept and this version is quarantined for review"})
	}
	rec, _, err := a.createRecord(ctx, c, audit.Entry{Action: audit.ActionQuarantined, Key: "ingest:" + b.ETag, Actor: system(NameIngest),
		Justification: "version overwritten before ingest", Details: reasonDetails(c.Reasons)})
	if err != nil {
		return err
	}
	if newer {
		return a.flagOverwrite(ctx, claim, b, rec)
	}
	return nil
}

// unattributed builds a record for a version whose metadata was not read.
func unattributed(a *App, b *eventgrid.BlobCreated, etag string, status clip.Status, r clip.Reason) clip.Clip {
	now := clip.At(a.now())
	return clip.Clip{
		ID: clip.ID(b.Account, b.Container, b.Name, etag), Type: clip.DocTypeClip, OfficerID: clip.UnattributedOfficer,
		Categories: []string{}, IncidentRefs: []string{}, Status: status,
		Blob: clip.BlobRef{Account: b.Account, Container: b.Container, Name: b.Name, URL: b.URL, ETag: etag,
			Size: b.ContentLength, Sequencer: b.Sequencer, ContentType: b.ContentType},
		Reasons:    []clip.Reason{r},
		Retention:  clip.Retention{Rule: "not-applicable", HeldUntilReleased: true},
		ReceivedAt: now, UpdatedAt: now,
	}
}

func reasonDetails(rs []clip.Reason) map[string]string {
	if len(rs) == 0 {
		return nil
	}
	d := map[string]string{}
	for i, r := range rs {
		d[fmt.Sprintf("reason%02d", i+1)] = string(r.Code)
	}
	return d
}
