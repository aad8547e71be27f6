package functions

import (
	"slices"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// Which app role a ClipManage request needs (docs/runbook.md › Access
// model): the read role to GET; for a change, the protect role when it
// keeps footage at least as long and the release role when it can bring
// deletion earlier — decided by comparing the clip's schedules before and
// after the change (classifyChange), never by the action's name.

// has reports whether the caller's token carries role. An empty role name
// (a misconfigured App built without config.FromEnv) is never held.
func (w caller) has(role string) bool {
	return role != "" && slices.Contains(w.roles, role)
}

// require refuses with ROLE_REQUIRED unless the caller holds role; why says
// what the role is needed for.
func (w caller) require(role, why string) error {
	if w.has(role) {
		return nil
	}
	held := "no app roles"
	if len(w.roles) > 0 {
		held = "only " + strings.Join(w.roles, ", ")
	}
	return clip.Errorf(clip.Refused, clip.CodeRoleRequired, "%s needs the app role %s; %s's token carries %s", why, role, w.Name, held)
}

// mayChange is the check before anything is read for a change: a caller
// with neither change role cannot make any change.
func (a *App) mayChange(w caller) error {
	if w.has(a.Config.Roles.Protect) || w.has(a.Config.Roles.Release) {
		return nil
	}
	return w.require(a.Config.Roles.Protect, "changing a clip")
}

// classifyChange is the one classification of a change c → next: the
// natural schedules of both records' facts under the running policy
// (retention.ClassifyChange), so it is unaffected by anything later code
// does to next.Retention (such as a release grace).
func (a *App) classifyChange(c, next clip.Clip) retention.Classification {
	return retention.ClassifyChange(a.Policy, c, next)
}

// authoriseChange refuses a change the caller's roles do not cover.
func (a *App) authoriseChange(w caller, action string, class retention.Classification) error {
	if class == retention.ClassEarlier {
		return w.require(a.Config.Roles.Release, action+" brings this clip's deletion earlier (its schedule after the change can become due sooner), which")
	}
	return w.require(a.Config.Roles.Protect, action+" keeps this clip at least as long, which")
}

// answerFor withholds the record from a caller without the read role: a
// change may be allowed (protect or release) while reading is not, and a
// change's answer carrying the whole record would be a read with no
// purpose and no consulted entry. Such a caller gets the id, the ETag,
// whether it changed and dueNow.
func (a *App) answerFor(who caller, r ManageResponse) ManageResponse {
	if who.has(a.Config.Roles.Read) {
		return r
	}
	r.Clip = clip.Clip{ID: r.Clip.ID, Type: r.Clip.Type}
	r.Withheld = "the record is shown only to the read role (" + a.Config.Roles.Read + "): GET it with a purpose"
	return r
}
