package functions

import (
	"context"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// Index tags mirror a clip's record onto its blob, and a Storage lifecycle
// rule deletes blobs tagged backstop=short some days after they are due
// (docs/retention.md). A tag written from a stale copy of the record is
// therefore dangerous: "short" left behind a newer legal hold lets the
// lifecycle rule delete a held clip. So every writer (ClipVerify,
// ClipManage, the policy recompute) writes tags only through
// syncIndexTags, which reads the record fresh, writes what it says, and
// then reads it again: a record that changed meanwhile is written again,
// and one that keeps changing gets the cautious tags (backstop keep).
// Tags written before a record write are always the cautious ones.
//
// Why that is enough: every record write is followed by its writer's own
// sync, whose tag write comes after that record write. A writer whose
// re-read still shows the record it tagged from wrote before any later
// record write, so the later writer's sync overwrites it. What remains is
// a writer that crashes between its record write and its sync while a
// stale writer's tag write lands in between: the next change, verify
// retry or recompute of that clip repairs it (all rewrite the tags, also
// when nothing changes).

// maxTagAttempts bounds how often syncIndexTags follows a record that
// changes under it before it settles for the cautious tags.
const maxTagAttempts = 3

// tagTarget is the blob version that carries a clip's index tags.
type tagTarget struct {
	container, name, versionID string
}

// tagTargetOf locates the blob that carries a clip's index tags: the
// quarantine copy once the content was moved, else the upload, each at its
// recorded version where the account keeps versions. Tombstones and
// refusals carry none (content deleted or never read).
func tagTargetOf(c clip.Clip) (tagTarget, bool) {
	switch {
	case c.Type != clip.DocTypeClip, c.Status == clip.StatusDeleted, c.Status == clip.StatusRefused:
		return tagTarget{}, false
	case c.Quarantine != nil:
		return tagTarget{container: c.Quarantine.Container, name: c.Quarantine.Name, versionID: c.Quarantine.VersionID}, true
	case c.Blob.Container == "" || c.Blob.Name == "":
		return tagTarget{}, false
	}
	return tagTarget{container: c.Blob.Container, name: c.Blob.Name, versionID: c.Blob.VersionID}, true
}

// setTags writes tags on t; a blob that is not there is not an error.
func (a *App) setTags(ctx context.Context, t tagTarget, tags map[string]string) error {
	var err error
	if t.versionID == "" {
		err = a.Blobs.SetTags(ctx, t.container, t.name, tags)
	} else {
		err = a.Blobs.SetVersionTags(ctx, t.container, t.name, t.versionID, tags)
	}
	if clip.IsKind(err, clip.NotFound) {
		return nil
	}
	return err
}

// syncIndexTags makes a clip's index tags say what its record says now
// (see the comment at the top of this file). A record that is gone, a
// tombstone or a blob that is gone leave nothing to tag.
func (a *App) syncIndexTags(ctx context.Context, officerID, id string) error {
	read := func() (clip.Clip, error) { return a.Records.GetClip(ctx, officerID, id) }
	c, err := read()
	if clip.IsKind(err, clip.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		t, ok := tagTargetOf(c)
		if !ok {
			return nil
		}
		if err := a.setTags(ctx, t, clip.IndexTags(c)); err != nil {
			return err
		}
		after, err := read()
		if err != nil {
			// Not known whether the record moved on: make sure the tags
			// written cannot let the backstop act.
			return firstErr(a.setTags(ctx, t, cautiousTags(c)), err)
		}
		if sameRecordState(c, after) {
			return nil
		}
		funchost.Logger(ctx).Info("record changed while its index tags were written; writing them again",
			"clip_id", id, "attempt", attempt)
		if attempt == maxTagAttempts {
			at, ok := tagTargetOf(after)
			if !ok {
				return nil
			}
			return a.setTags(ctx, at, cautiousTags(c, after))
		}
		c = after
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// sameRecordState reports whether two reads of a record are the same
// write: same ETag and same audit head.
func sameRecordState(a, b clip.Clip) bool {
	return normaliseETag(a.ETag) == normaliseETag(b.ETag) && a.Audit == b.Audit
}

// cautiousTags are tags that keep a clip under every given state: held if
// any is held, the latest (or no) retain-until date, and backstop "keep",
// so the lifecycle rule never acts on them. Status and categories are the
// last state's. They are what is written before a record write, and when
// a record keeps changing under syncIndexTags.
func cautiousTags(states ...clip.Clip) map[string]string {
	t := clip.IndexTags(states[len(states)-1])
	for _, c := range states {
		ct := clip.IndexTags(c)
		if ct[clip.TagLegalHold] == "true" {
			t[clip.TagLegalHold] = "true"
		}
		if cu, tu := ct[clip.TagRetainUntil], t[clip.TagRetainUntil]; cu == "none" || (tu != "none" && cu > tu) {
			t[clip.TagRetainUntil] = cu
		}
	}
	t[clip.TagBackstop] = clip.BackstopKeep
	return t
}
