package functions

import (
	"context"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// Storage-level protection (docs/retention.md › What Storage itself
// enforces). The record in Cosmos DB says how long a clip is kept; the
// blob version that holds its content carries the same as an immutability
// policy (until the date the sweep may first delete it) and, while the
// clip is on hold, a legal hold, so that Storage itself refuses to delete
// or overwrite it, whoever asks.
//
// Protection first, relaxation last (a failure to protect first blocks
// only a change that lowers protection: applyChange): before a record write, the blob gets
// the protection of both the record as it is and as it will be (extend
// only); after the write, the protection is brought to what the record
// now says, and lowered (a policy shortened, a hold cleared) only when the
// change itself lowered the clip's schedule (a release or a cleared hold),
// never below the date the clip becomes due, release grace included. A
// crash between the two leaves the clip more protected than its record
// says, and repeating the request converges.
//
// Policies are always Unlocked: a court order or a wrong classification
// must be able to bring deletion earlier, and a Locked policy could never
// be shortened. A clip with no deletion date (held, kept until released)
// gets a policy until now + BWV_HOLD_HORIZON_DAYS, which ClipManage and
// the sweep move on.

// ImmutableBlobs is what the functions need from Storage to protect footage.
type ImmutableBlobs interface {
	ProtectionOf(ctx context.Context, container, name, versionID string) (clip.Protection, error)
	SetImmutability(ctx context.Context, container, name, versionID string, until time.Time, locked bool) error
	DeleteImmutability(ctx context.Context, container, name, versionID string) error
	SetLegalHold(ctx context.Context, container, name, versionID string, hold bool) error
}

var _ ImmutableBlobs = (*blobstore.Store)(nil)

// defaultHoldHorizon applies when Config.HoldHorizon is not set (tools
// that build an App without reading the handler's settings).
const defaultHoldHorizon = 90 * 24 * time.Hour

func (a *App) holdHorizon() time.Duration {
	if a.Config.HoldHorizon > 0 {
		return a.Config.HoldHorizon
	}
	return defaultHoldHorizon
}

// protectTarget is the blob version Storage protects for c: the upload of
// a verified clip, the quarantine copy once the content was moved. A
// received clip (verification decides within minutes) and a quarantined
// one whose move is pending are not protected yet: the move must be able
// to delete the source. Tombstones and refusals have no content.
func protectTarget(c clip.Clip) (tagTarget, bool) {
	t, ok := tagTargetOf(c)
	if !ok || (c.Quarantine == nil && c.Status != clip.StatusVerified) {
		return tagTarget{}, false
	}
	return t, true
}

// protectUntil is when c's policy may end: the first moment the sweep may
// delete it (its date, the minimum dwell and a pending release's grace
// included), or now + the hold horizon when it has no date, is held, or
// would not be deleted by the sweep at that date.
func (a *App) protectUntil(c clip.Clip) time.Time {
	if a.rolls(c) {
		return ceilSecond(a.now().Add(a.holdHorizon()))
	}
	s := retention.ScheduleOf(a.Policy, c)
	t := *s.RetainUntil
	for _, b := range []*time.Time{s.NotBefore, s.ReleaseFrom} {
		if b != nil && b.After(t) {
			t = *b
		}
	}
	// Protection follows the sweep's decision, not only the schedule: a
	// record the sweep would still keep at that date (an inconsistent
	// schedule, an unknown receipt time) keeps the rolling horizon.
	if !retention.DecideClip(a.Policy, c, ceilSecond(t)).Delete {
		return ceilSecond(a.now().Add(a.holdHorizon()))
	}
	return ceilSecond(t)
}

// ceilSecond rounds up to Storage's one-second resolution, so a policy
// never ends before the moment it stands for.
func ceilSecond(t time.Time) time.Time {
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second).UTC()
	}
	return t.UTC()
}

// protectFirst gives the content of the last state the protection of all
// states (the latest date, a hold if any is held), extending only. It runs
// before a record write; its error stops a write that lowers protection
// (and a verification), while a change that does not lower it is written
// anyway with a coded warning and a pending mark (applyChange).
func (a *App) protectFirst(ctx context.Context, states ...clip.Clip) error {
	if a.Config.ImmutabilityOff {
		return nil
	}
	t, ok := protectTarget(states[len(states)-1])
	if !ok {
		return nil
	}
	var until time.Time
	hold := false
	for _, c := range states {
		if u := a.protectUntil(c); u.After(until) {
			until = u
		}
		hold = hold || c.Retention.LegalHold
	}
	_, err := a.extendProtection(ctx, t, until, hold)
	return err
}

// extendProtection sets a hold (if hold) and moves the policy to until if
// that is later than the one in place. It never lowers anything. A blob
// that is gone has nothing to protect. It returns the protection in place.
func (a *App) extendProtection(ctx context.Context, t tagTarget, until time.Time, hold bool) (clip.Protection, error) {
	cur, err := a.Blobs.ProtectionOf(ctx, t.container, t.name, t.versionID)
	if clip.IsKind(err, clip.NotFound) {
		return cur, nil
	}
	if err != nil {
		return cur, err
	}
	if hold && !cur.LegalHold {
		if err := a.Blobs.SetLegalHold(ctx, t.container, t.name, t.versionID, true); err != nil {
			return cur, err
		}
		cur.LegalHold = true
	}
	if until.After(a.now()) && (cur.Until == nil || until.After(*cur.Until)) {
		// The mode in place is kept: extending a policy someone locked
		// must not fail for asking to unlock it.
		if err := a.Blobs.SetImmutability(ctx, t.container, t.name, t.versionID, until, cur.Locked); err != nil {
			return cur, err
		}
		cur.Until = &until
	}
	return cur, nil
}

// relaxProtection lowers c's content's protection to the record's: clears
// the hold when the record has none, and shortens an Unlocked policy to
// until (deletes it when until has passed: Storage refuses a date in the
// past). Each lowering call acts on a fresh view: just before it, the
// record is read again (a newer record is not lowered to c's: it gets the
// protection of both instead, and its writer syncs after its own write)
// and so is Storage's protection; just after it, the record is read again,
// and one that changed meanwhile (a hold set by a writer whose
// protectFirst saw the hold this call has just cleared) gets its
// protection back at once, not only from that writer's own sync.
func (a *App) relaxProtection(ctx context.Context, t tagTarget, c clip.Clip, until time.Time, hold bool) error {
	// current reads the record and Storage's protection; ok false means
	// there is nothing (more) to lower: the record changed, or is gone.
	current := func() (cur clip.Protection, ok bool, err error) {
		now, err := a.Records.GetClip(ctx, c.OfficerID, c.ID)
		switch {
		case clip.IsKind(err, clip.NotFound):
			return cur, false, nil
		case err != nil:
			return cur, false, err
		case !sameRecordState(c, now):
			return cur, false, a.protectFirst(ctx, c, now)
		}
		cur, err = a.Blobs.ProtectionOf(ctx, t.container, t.name, t.versionID)
		if clip.IsKind(err, clip.NotFound) {
			return cur, false, nil
		}
		return cur, err == nil, err
	}
	lowerings := []struct {
		needed func(clip.Protection) bool
		lower  func() error
	}{
		{func(cur clip.Protection) bool { return !hold && cur.LegalHold }, func() error {
			return a.Blobs.SetLegalHold(ctx, t.container, t.name, t.versionID, false)
		}},
		{func(cur clip.Protection) bool { return cur.Until != nil && !cur.Locked && until.Before(*cur.Until) }, func() error {
			if !until.After(a.now()) {
				return a.Blobs.DeleteImmutability(ctx, t.container, t.name, t.versionID)
			}
			return a.Blobs.SetImmutability(ctx, t.container, t.name, t.versionID, until, false)
		}},
	}
	cur, ok, err := current()
	for _, l := range lowerings {
		if !ok || err != nil {
			return err
		}
		if !l.needed(cur) {
			continue
		}
		if err := l.lower(); err != nil {
			return err
		}
		// The fresh view after this lowering is the one before the next.
		cur, ok, err = current()
	}
	return err
}

// syncProtection runs after a record write: it reads the record fresh and
// brings its content's protection to what it says, extending always and,
// when relax (the write lowered the schedule or cleared a hold), lowering
// to the record's, then reads the record again. A record that changed
// meanwhile is followed (its own writer syncs after its write too); one
// that keeps changing gets the protection of both states, extend only.
func (a *App) syncProtection(ctx context.Context, officerID, id string, relax bool) error {
	if a.Config.ImmutabilityOff {
		return nil
	}
	read := func() (clip.Clip, error) { return a.Records.GetClip(ctx, officerID, id) }
	c, err := read()
	if clip.IsKind(err, clip.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		t, ok := protectTarget(c)
		if !ok {
			return nil
		}
		until, hold := a.protectUntil(c), c.Retention.LegalHold
		if _, err := a.extendProtection(ctx, t, until, hold); err != nil {
			return err
		}
		after, err := read()
		if err != nil {
			return err
		}
		if sameRecordState(c, after) {
			if relax {
				return a.relaxProtection(ctx, t, c, until, hold)
			}
			return nil
		}
		if attempt == maxTagAttempts {
			return a.protectFirst(ctx, c, after)
		}
		c = after
	}
}

// lowers reports whether a change from c to next may lower Storage's
// protection: it brings the schedule earlier (the release role's path,
// with its grace) or clears a hold.
func (a *App) lowers(c, next clip.Clip) bool {
	return (c.Retention.LegalHold && !next.Retention.LegalHold) || a.classifyChange(c, next) == retention.ClassEarlier
}

// syncProtectionWarning is syncProtection after a record write that
// succeeded: a failure is a warning for the caller (the protection put in
// place before the write stays, so the clip is at least as protected as
// its record says until the next change or sweep).
func (a *App) syncProtectionWarning(ctx context.Context, officerID, id string, relax bool) []string {
	if err := a.syncProtection(ctx, officerID, id, relax); err != nil {
		return protectionWarning(ctx, err, "Storage protection not brought in line with the record; the sweep's horizon pass retries")
	}
	return nil
}

// protectionCode is the code a failed protection step is logged under:
// always an IMMUTABILITY_ one, so the alert on that prefix fires whatever
// the underlying cause (throttling, a 403, a gone version).
func protectionCode(err error) clip.Code {
	if code := clip.CodeOf(err); strings.HasPrefix(string(code), "IMMUTABILITY_") {
		return code
	}
	return clip.CodeImmutabilityFailed
}

// protectionFailed logs a protection step that failed where the step
// fails too (ClipVerify, retried), under an IMMUTABILITY_ code so the alert
// fires, and returns err (nil stays nil). A transient failure is only
// retried (a persistent one ends in the poison queue, which alerts).
func protectionFailed(ctx context.Context, err error) error {
	if err != nil && !clip.IsKind(err, clip.Transient) {
		funchost.Logger(ctx).Error("Storage protection could not be put in place; retried", "code", protectionCode(err), "cause_code", clip.CodeOf(err), "error", err)
	}
	return err
}

// protectionWarning logs a protection step that failed where the change
// goes on (at error level, with an IMMUTABILITY_ code and the underlying
// one as cause_code) and returns the caller's warning.
func protectionWarning(ctx context.Context, err error, msg string) []string {
	code := protectionCode(err)
	funchost.Logger(ctx).Error(msg, "code", code, "cause_code", clip.CodeOf(err), "error", err)
	return []string{string(code) + ": Storage's immutability policy or legal hold could not be brought in line with the record (the record decides what the sweep deletes; Storage is caught up by the next change or sweep)"}
}
