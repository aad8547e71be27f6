package functions

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// ClipManage correct-metadata: a person corrects a quarantined clip's
// metadata (never its declared hash). The corrected metadata is validated
// by the ingest rules (clip.ParseMetadata with a.metadataRules()); a clip
// with no problem left is not made verified here — its hash was never
// computed (ClipVerify only moves a metadata-quarantined clip) — but left
// quarantined with VERIFICATION_PENDING and handed to ClipVerify, which
// hashes the quarantined copy and makes it verified, or HASH_MISMATCH.
// docs/metadata.md › Correcting metadata.

// ActionCorrectMetadata is the route action.
const ActionCorrectMetadata = "correct-metadata"

// MetadataCorrection is the "metadata" object of a correct-metadata body:
// the fields to correct, each as the dock would have sent it; absent
// fields keep the record's value.
type MetadataCorrection struct {
	OfficerID     *string  `json:"officerId,omitempty"`
	DeviceID      *string  `json:"deviceId,omitempty"`
	RecordedStart *string  `json:"recordedStart,omitempty"`
	RecordedEnd   *string  `json:"recordedEnd,omitempty"`
	Categories    []string `json:"categories,omitempty"`
	IncidentRefs  []string `json:"incidentRefs,omitempty"`
	StationID     *string  `json:"stationId,omitempty"`
	// SHA256 is accepted only to refuse it with HASH_NOT_CORRECTABLE.
	SHA256 *string `json:"sha256,omitempty"`
}

// correctionError is CORRECTION_INVALID with every broken rule, so the
// answer lists them (Problem.Reasons).
type correctionError struct {
	err     *clip.Error
	reasons []clip.Reason
}

func (e *correctionError) Error() string { return e.err.Error() }
func (e *correctionError) Unwrap() error { return e.err }

// CorrectionReasons are the rules the corrected metadata broke.
func (e *correctionError) CorrectionReasons() []clip.Reason { return e.reasons }

// correctionReasons returns the reasons carried by a CORRECTION_INVALID error.
func correctionReasons(err error) []clip.Reason {
	var ce *correctionError
	if errors.As(err, &ce) {
		return ce.reasons
	}
	return nil
}

// correctionMutation checks the shape of a correct-metadata body before
// anything is read. The change itself needs the record (correctMetadata).
func correctionMutation(body ManageRequest) (func(*clip.Clip) error, error) {
	m := body.Metadata
	switch {
	case len(body.Categories) > 0 || len(body.IncidentRefs) > 0:
		return nil, clip.Errorf(clip.Invalid, clip.CodeRequestMalformed, "correct-metadata takes the fields to correct inside \"metadata\" (e.g. {\"metadata\": {\"officerId\": \"AB1234\"}})")
	case m == nil:
		return nil, clip.Errorf(clip.Invalid, clip.CodeCorrectionEmpty, "correct-metadata needs \"metadata\" with at least one field to correct: officerId, deviceId, recordedStart, recordedEnd, categories, incidentRefs, stationId")
	case m.SHA256 != nil:
		return nil, clip.Errorf(clip.Invalid, clip.CodeHashNotCorrectable, "the declared sha256 is the dock's evidence of what it sent and cannot be corrected; a clip whose content does not match it stays quarantined")
	case m.OfficerID == nil && m.DeviceID == nil && m.RecordedStart == nil && m.RecordedEnd == nil && m.Categories == nil && m.IncidentRefs == nil && m.StationID == nil:
		return nil, clip.Errorf(clip.Invalid, clip.CodeCorrectionEmpty, "\"metadata\" names no field to correct")
	}
	return func(*clip.Clip) error { return nil }, nil
}

// rawMetadataOf rebuilds the dock metadata a record stands for (values as
// the record stores them; fields that failed validation are absent) with
// the correction applied, for clip.ParseMetadata.
func rawMetadataOf(c clip.Clip, m MetadataCorrection) map[string]string {
	raw := map[string]string{}
	for k, v := range c.Metadata {
		raw[k] = v
	}
	set := func(key, v string) {
		if v != "" {
			raw[key] = v
		}
	}
	if c.OfficerID != clip.UnattributedOfficer {
		set(clip.KeyOfficerID, c.OfficerID)
	}
	set(clip.KeyDeviceID, c.DeviceID)
	if c.RecordedStart != nil {
		set(clip.KeyRecordedStart, c.RecordedStart.UTC().Format(time.RFC3339Nano))
	}
	if c.RecordedEnd != nil {
		set(clip.KeyRecordedEnd, c.RecordedEnd.UTC().Format(time.RFC3339Nano))
	}
	set(clip.KeySHA256, c.SHA256.Declared)
	if cats := slices.DeleteFunc(slices.Clone(c.Categories), func(s string) bool { return s == clip.Uncategorised }); len(cats) > 0 {
		set(clip.KeyCategory, strings.Join(cats, ","))
	}
	set(clip.KeyIncidentRef, strings.Join(c.IncidentRefs, ","))
	set(clip.KeyStationID, c.StationID)
	if c.Location != nil {
		raw[clip.KeyLatitude] = formatFloat(c.Location.Latitude)
		raw[clip.KeyLongitude] = formatFloat(c.Location.Longitude)
	}
	put := func(key string, v *string) {
		if v != nil {
			raw[key] = *v
		}
	}
	put(clip.KeyOfficerID, m.OfficerID)
	put(clip.KeyDeviceID, m.DeviceID)
	put(clip.KeyRecordedStart, m.RecordedStart)
	put(clip.KeyRecordedEnd, m.RecordedEnd)
	put(clip.KeyStationID, m.StationID)
	if m.Categories != nil {
		// A comma inside one name is a malformed list for ParseMetadata too.
		raw[clip.KeyCategory] = strings.Join(m.Categories, ",")
	}
	if m.IncidentRefs != nil {
		raw[clip.KeyIncidentRef] = strings.Join(m.IncidentRefs, ",")
	}
	return raw
}

// correctMetadata applies a correct-metadata request to the record c (read
// and checked against If-Match by changeClip).
func (a *App) correctMetadata(ctx context.Context, c clip.Clip, body ManageRequest, who caller, just string) (ManageResponse, string, error) {
	actor := who.ResolvedActor
	switch {
	case c.Status != clip.StatusQuarantined:
		return ManageResponse{}, c.ETag, clip.Errorf(clip.Refused, clip.CodeClipNotQuarantined,
			"clip %s is %s: only a quarantined clip's metadata is corrected (reclassify or link incidents instead)", c.ID, c.Status)
	case needsVerify(c) && !pendingReverify(c):
		return ManageResponse{}, c.ETag, clip.Errorf(clip.Refused, clip.CodeCorrectionMovePending,
			"clip %s's content is still being moved to quarantine by ClipVerify: try again once the record shows where it went (quarantine)", c.ID)
	}
	now := a.now()
	meta, reasons := clip.ParseMetadata(rawMetadataOf(c, *body.Metadata), c.Blob.Size, now, a.metadataRules())
	if len(reasons) > 0 {
		codes := make([]string, len(reasons))
		for i, r := range reasons {
			codes[i] = string(r.Code) + " (" + r.Message + ")"
		}
		return ManageResponse{}, c.ETag, &correctionError{
			err:     clip.Errorf(clip.Invalid, clip.CodeCorrectionInvalid, "the corrected metadata still breaks the contract; nothing was changed: %s", strings.Join(codes, "; ")),
			reasons: reasons,
		}
	}

	next := c
	next.OfficerID, next.DeviceID, next.StationID = meta.OfficerID, meta.DeviceID, meta.StationID
	next.RecordedStart, next.RecordedEnd = clip.Ptr(meta.RecordedStart), clip.Ptr(meta.RecordedEnd)
	next.Categories, next.IncidentRefs, next.Location = meta.Categories, meta.IncidentRefs, meta.Location
	if body.Metadata.Categories != nil {
		next.CategoriesSetBy = ""
		if actor.Authenticated {
			next.CategoriesSetBy = actor.Name
		}
	}
	// Integrity and identity problems stay whatever the correction says.
	kept := slices.DeleteFunc(slices.Clone(c.Reasons), func(r clip.Reason) bool { return clip.IsMetadataReason(r.Code) })
	if len(kept) == 0 {
		kept = []clip.Reason{{Code: clip.CodeVerificationPending, Field: "content",
			Message: "metadata corrected; the quarantined content's SHA-256 is being verified against the declared hash"}}
	}
	next.Reasons = kept
	next.Retention = a.retentionAfterChange(c, next, actor.Name)
	// The role follows from the schedule the correction leads to: for a
	// clip left pending verification, the one it gets once verified (its
	// categories instead of the quarantine rule), since verification needs
	// no person — a correction that lets a clip be deleted sooner than its
	// quarantine needs the release role.
	eventual := next
	if pendingReverify(next) {
		eventual.Status, eventual.Reasons = clip.StatusVerified, []clip.Reason{}
	}
	if err := a.authoriseChange(who, ActionCorrectMetadata, a.classifyChange(c, eventual)); err != nil {
		return ManageResponse{}, c.ETag, err
	}

	details := correctionDetails(c, next)
	entry := audit.Entry{Action: audit.ActionMetadataCorrected, Key: "manage:" + ActionCorrectMetadata + ":" + normaliseETag(c.ETag),
		Actor: actor.Name, ActorAuthenticated: actor.Authenticated, Justification: just, Details: details}
	var rec clip.Clip
	var warnings []string
	var err error
	if next.OfficerID == c.OfficerID {
		rec, warnings, err = a.applyCorrection(ctx, c, next, entry)
	} else {
		rec, warnings, err = a.moveCorrection(ctx, c, next, entry)
	}
	if err != nil {
		return ManageResponse{}, c.ETag, err
	}
	funchost.Logger(ctx).Info("clip metadata corrected", "actor", actor.Name, "authenticated", actor.Authenticated,
		"officer", rec.OfficerID, "from_officer", c.OfficerID, "reasons", len(rec.Reasons), "rule", rec.Retention.Rule)
	out := ManageResponse{Clip: rec, ETag: rec.ETag, Changed: true, DueNow: a.dueNow(rec), Warnings: warnings, Actor: &actor}
	if needsVerify(rec) {
		msg := verifyMessage(rec)
		out.verify = &msg
	}
	return a.answerFor(who, out), rec.ETag, nil
}

// correctionDetails are the audit details of a correction: each changed
// field's old and new value, and the reasons before and after.
func correctionDetails(c, next clip.Clip) map[string]string {
	d := map[string]string{}
	field := func(name, from, to string) {
		if from != to {
			d["from"+name], d["to"+name] = from, to
		}
	}
	field("OfficerId", c.OfficerID, next.OfficerID)
	field("DeviceId", c.DeviceID, next.DeviceID)
	field("RecordedStart", timeText(c.RecordedStart), timeText(next.RecordedStart))
	field("RecordedEnd", timeText(c.RecordedEnd), timeText(next.RecordedEnd))
	field("Categories", strings.Join(c.Categories, " "), strings.Join(next.Categories, " "))
	field("IncidentRefs", strings.Join(c.IncidentRefs, " "), strings.Join(next.IncidentRefs, " "))
	field("StationId", c.StationID, next.StationID)
	field("Location", locationText(c.Location), locationText(next.Location))
	d["fromReasons"], d["toReasons"] = reasonText(c.Reasons), reasonText(next.Reasons)
	d["fromRule"], d["toRule"] = c.Retention.Rule, next.Retention.Rule
	d["fromRetainUntil"], d["toRetainUntil"] = timeText(c.Retention.RetainUntil), timeText(next.Retention.RetainUntil)
	return d
}

func reasonText(rs []clip.Reason) string {
	codes := make([]string, len(rs))
	for i, r := range rs {
		codes[i] = string(r.Code)
	}
	return strings.Join(codes, " ")
}

func locationText(l *clip.Location) string {
	if l == nil {
		return "none"
	}
	return formatFloat(l.Latitude) + "," + formatFloat(l.Longitude)
}

// correctedFields copies the fields a correction changes onto x.
func correctedFields(x *clip.Clip, next clip.Clip) {
	x.OfficerID, x.DeviceID, x.StationID = next.OfficerID, next.DeviceID, next.StationID
	x.RecordedStart, x.RecordedEnd, x.Location = next.RecordedStart, next.RecordedEnd, next.Location
	x.Categories, x.IncidentRefs, x.CategoriesSetBy = next.Categories, next.IncidentRefs, next.CategoriesSetBy
	x.Reasons, x.Retention = next.Reasons, next.Retention
}

// applyCorrection writes a correction that keeps the officer (the same
// partition): as applyChange, cautious tags and protection, audit entry
// and record (If-Match), protection and tags from the record.
func (a *App) applyCorrection(ctx context.Context, c, next clip.Clip, e audit.Entry) (clip.Clip, []string, error) {
	// A correction that brings deletion earlier stores a release grace
	// counted from this instance's clock: refused when that clock is off
	// the database's, as applyChange refuses any lowering change.
	if a.lowers(c, next) {
		if err := a.checkChangeClock(ctx); err != nil {
			return c, nil, err
		}
	}
	if t, ok := tagTargetOf(c); ok {
		if err := a.setTags(ctx, t, cautiousTags(c, next)); err != nil {
			return c, nil, err
		}
	}
	if err := a.protectFirst(ctx, c, next); err != nil {
		return c, nil, err
	}
	rec, err := a.transition(ctx, c, e, func(x *clip.Clip) { correctedFields(x, next) })
	warnings := a.syncTagsWarning(ctx, c)
	if err != nil {
		return c, nil, err
	}
	warnings = append(warnings, a.syncProtectionWarning(ctx, c.OfficerID, c.ID, a.lowers(c, next))...)
	return rec, warnings, nil
}

// moveCorrection writes a correction that changes the officer, which is
// the clips container's partition key, so the record moves partitions:
//
//  1. cautious tags (keep) on the content;
//  2. the audit entry, on the clip's own chain (the audit container is
//     partitioned by clip id, so the chain simply continues);
//  3. the record in the new partition, create-if-absent: a retry after a
//     crash finds its own copy (same audit head) and adopts it; anything
//     else there is a conflict and nothing more is done;
//  4. the name claim, when it names this clip as the first version, points
//     at the new partition (If-Match);
//  5. the old record is deleted If-Match the ETag the person read: if it
//     changed meanwhile, the new copy is deleted again (If-Match its own
//     ETag) and the answer is CONCURRENT_UPDATE; the audit entry stays in
//     the trail as an interrupted transition (nothing hidden);
//  6. the tags from the new record.
//
// A crash between 3 and 5 leaves the record in both partitions (GET by id
// answers CLIP_ID_AMBIGUOUS): repeating the request with ?officer=<old
// officer> and the same If-Match finishes it (each step is idempotent).
// Both copies are quarantined throughout, so the sweep deletes neither
// before the quarantine rule says so.
func (a *App) moveCorrection(ctx context.Context, c, next clip.Clip, e audit.Entry) (clip.Clip, []string, error) {
	// A correction that brings deletion earlier stores a release grace
	// counted from this instance's clock: refused when that clock is off
	// the database's, as applyChange refuses any lowering change.
	if a.lowers(c, next) {
		if err := a.checkChangeClock(ctx); err != nil {
			return c, nil, err
		}
	}
	if t, ok := tagTargetOf(c); ok {
		if err := a.setTags(ctx, t, cautiousTags(c, next)); err != nil {
			return c, nil, err
		}
	}
	if err := a.protectFirst(ctx, c, next); err != nil {
		return c, nil, err
	}
	e.Details["fromPartition"], e.Details["toPartition"] = c.OfficerID, next.OfficerID
	if e.At.IsZero() {
		e.At = clip.At(a.now())
	}
	_, head, err := a.Records.AppendAudit(ctx, c.ID, c.Audit, e)
	if err != nil {
		return c, nil, err
	}
	moved := c
	correctedFields(&moved, next)
	moved.Audit = head
	moved.UpdatedAt = clip.At(a.now())
	rec, err := a.Records.CreateClip(ctx, moved)
	if clip.IsKind(err, clip.Conflict) {
		existing, gerr := a.Records.GetClip(ctx, moved.OfficerID, moved.ID)
		if gerr != nil {
			return c, nil, gerr
		}
		if existing.Audit != head {
			return c, nil, clip.Errorf(clip.Conflict, clip.CodeClipIDAmbiguous,
				"clip %s already has a record under officer %s that is not this correction's: a person must compare both (GET with ?officer=)", c.ID, moved.OfficerID)
		}
		rec, err = existing, nil
	}
	if err != nil {
		return c, nil, err
	}
	if err := a.moveNameClaim(ctx, c, moved.OfficerID); err != nil {
		return c, nil, err
	}
	if err := a.Records.DeleteClip(ctx, c.OfficerID, c.ID, c.ETag); err != nil {
		if !clip.IsKind(err, clip.Conflict) {
			return c, nil, err
		}
		if _, gerr := a.Records.GetClip(ctx, c.OfficerID, c.ID); clip.IsKind(gerr, clip.NotFound) {
			// Already deleted: a retry of a move that got this far.
		} else {
			if derr := a.Records.DeleteClip(ctx, rec.OfficerID, rec.ID, rec.ETag); derr != nil {
				funchost.Logger(ctx).Error("ALERT: the record is now in two partitions; compare both with ?officer=", "code", clip.CodeClipIDAmbiguous,
					"from_officer", c.OfficerID, "to_officer", rec.OfficerID, "error", derr)
			}
			_ = a.moveNameClaim(ctx, rec, c.OfficerID)
			return c, nil, clip.Errorf(clip.Conflict, clip.CodeConcurrentUpdate,
				"clip %s changed while its record was being moved to officer %s: read it again and decide again", c.ID, rec.OfficerID)
		}
	}
	return rec, append(a.syncTagsWarning(ctx, rec), a.syncProtectionWarning(ctx, rec.OfficerID, rec.ID, a.lowers(c, next))...), nil
}

// moveNameClaim points the blob name's claim at officer when it names c as
// the first version (the claim says where the first record lives).
func (a *App) moveNameClaim(ctx context.Context, c clip.Clip, officer string) error {
	key := clip.NameKey(c.Blob.Account, c.Blob.Container, c.Blob.Name)
	for range 3 {
		n, err := a.Records.GetNameClaim(ctx, key)
		if clip.IsKind(err, clip.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if n.FirstClipID != c.ID || n.Officer == officer {
			return nil
		}
		n.Officer = officer
		n.UpdatedAt = clip.At(a.now())
		if _, err = a.Records.ReplaceNameClaim(ctx, n); !clip.IsKind(err, clip.Conflict) {
			return err
		}
	}
	return clip.Errorf(clip.Conflict, clip.CodeConcurrentUpdate, "the blob name's claim kept changing; try again")
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
