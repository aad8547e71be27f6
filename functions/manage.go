package functions

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// Binding names in ClipManage/function.json.
const (
	bindingReq = "req"
	bindingRes = "res"
)

// Management actions: the {action} of the route clips/{id}/{action}.
const (
	ActionReclassify     = "reclassify"
	ActionLinkIncident   = "link-incident"
	ActionUnlinkIncident = "unlink-incident"
	ActionSetLegalHold   = "set-legal-hold"
	ActionClearLegalHold = "clear-legal-hold"
	// ActionCorrectMetadata ("correct-metadata") is in manage_correct.go.
)

// ManageRequest is the JSON body of a POST.
type ManageRequest struct {
	Justification string   `json:"justification"`
	Categories    []string `json:"categories,omitempty"`
	IncidentRefs  []string `json:"incidentRefs,omitempty"`
	// Metadata holds the fields a correct-metadata request corrects.
	Metadata *MetadataCorrection `json:"metadata,omitempty"`
	// Actor is accepted for old clients and ignored: who acts is always
	// the platform's authenticated principal, never a name in the body.
	Actor string `json:"actor,omitempty"`
}

// ManageResponse is the body of a successful answer.
type ManageResponse struct {
	Clip    clip.Clip `json:"clip"`
	ETag    string    `json:"etag"`
	Changed bool      `json:"changed"`
	// DueNow: the recomputed schedule is already due, so the next sweep
	// deletes the clip (e.g. a hold cleared on old footage).
	DueNow     bool           `json:"dueNow"`
	Audit      []audit.Entry  `json:"audit,omitempty"`
	AuditChain *ChainStatus   `json:"auditChain,omitempty"`
	Warnings   []string       `json:"warnings,omitempty"`
	Actor      *ResolvedActor `json:"actor,omitempty"`
	// Withheld says why Clip carries only its id: the caller may change
	// the clip but not read it (no read role), and a change's answer must
	// not become a read that leaves no consulted entry.
	Withheld string `json:"withheld,omitempty"`

	// verify, when set, is written to the clip-verify queue with the
	// answer (a corrected clip whose hash ClipVerify must check).
	verify *VerifyMessage
}

// ChainStatus reports whether a clip's audit chain verifies.
type ChainStatus struct {
	Verified bool   `json:"verified"`
	BrokenAt int    `json:"brokenAt,omitempty"`
	EntryID  string `json:"entryId,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// ResolvedActor is who made a change and whether the platform vouched for it.
type ResolvedActor struct {
	Name          string `json:"name"`
	Authenticated bool   `json:"authenticated"`
}

// Manage is the ClipManage HTTP function: GET clips/{id} reads a clip with
// its audit trail; POST clips/{id}/{action} changes it. Every answer goes
// out through the http output binding, also errors, so callers get a
// status and a reason code; only a panic fails the invocation itself.
func (a *App) Manage(ctx context.Context, inv *funchost.Invocation) (funchost.Result, error) {
	var req funchost.HTTPRequest
	if err := inv.Trigger(bindingReq, clip.CodeRequestMalformed, &req); err != nil {
		return respond(problemOf(err), nil), nil
	}
	log := funchost.Logger(ctx).With("clip_id", req.Param("id"), "action", req.Param("action"), "method", req.Method)
	ctx = funchost.WithLogger(ctx, log)
	out, etag, err := a.manage(ctx, req)
	if err != nil {
		p := problemOf(err)
		level := slog.LevelWarn
		if p.StatusCode >= 500 {
			level = slog.LevelError
		}
		log.Log(ctx, level, "clip management refused or failed",
			"status", p.StatusCode, "code", clip.CodeOf(err), "error", err)
		if etag != "" {
			p.Headers["ETag"] = quoteETag(etag)
			p.Body = withETag(p.Body, etag)
		}
		return respond(p, nil), nil
	}
	b, _ := json.Marshal(out)
	res := respond(funchost.HTTPResponse{StatusCode: http.StatusOK, Headers: map[string]string{"ETag": quoteETag(out.ETag)}, Body: string(b)}, nil)
	if out.verify != nil {
		res.Outputs[bindingVerify] = *out.verify
	}
	return res, nil
}

func (a *App) manage(ctx context.Context, req funchost.HTTPRequest) (ManageResponse, string, error) {
	id := req.Param("id")
	action := strings.ToLower(req.Param("action"))
	method := strings.ToUpper(req.Method)
	// Who is asking comes first: nobody unauthenticated learns anything,
	// not even whether an id is well formed.
	who, err := authenticate(req, a.Config.TrustPrincipalHeaders)
	if err != nil {
		return ManageResponse{}, "", err
	}
	if id == "" {
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeRequestMalformed, "the URL names no clip id: use /api/clips/{id}")
	}
	if err := a.validTarget(id, req.QueryValue("officer")); err != nil {
		return ManageResponse{}, "", err
	}
	switch {
	case method == http.MethodGet && action == "":
		return a.readClip(ctx, req, id, who)
	case method == http.MethodPost && action != "":
		return a.changeClip(ctx, req, id, action, who)
	case method == http.MethodPost:
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeActionUnknown, "POST needs an action: /api/clips/{id}/{%s}", strings.Join(actions, "|"))
	case method == http.MethodGet:
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeMethodNotAllowed, "GET reads /api/clips/{id}; actions are POSTed")
	}
	return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeMethodNotAllowed, "method %s is not supported: GET reads a clip, POST changes it", method)
}

// lookup reads the clip: a point read when ?officer= is given, otherwise
// a query by id across officers.
func (a *App) lookup(ctx context.Context, req funchost.HTTPRequest, id string) (clip.Clip, error) {
	if officer := strings.ToUpper(strings.TrimSpace(req.QueryValue("officer"))); officer != "" {
		c, err := a.Records.GetClip(ctx, officer, id)
		if clip.IsKind(err, clip.NotFound) {
			return c, clip.Errorf(clip.NotFound, clip.CodeClipNotFound, "no clip %s for officer %s", id, officer)
		}
		return c, err
	}
	return a.Records.FindClip(ctx, id)
}

// readClip answers a read, which needs the read role and a purpose, and
// is logged in the clip's trail (consultClip).
func (a *App) readClip(ctx context.Context, req funchost.HTTPRequest, id string, who caller) (ManageResponse, string, error) {
	if err := who.require(a.Config.Roles.Read, "reading a clip and its trail"); err != nil {
		return ManageResponse{}, "", err
	}
	purpose, err := purposeOf(req)
	if err != nil {
		return ManageResponse{}, "", err
	}
	return a.consultClip(ctx, req, id, who, purpose)
}

func (a *App) changeClip(ctx context.Context, req funchost.HTTPRequest, id, action string, who caller) (ManageResponse, string, error) {
	if err := a.mayChange(who); err != nil {
		return ManageResponse{}, "", err
	}
	if !slices.Contains(actions, action) {
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeActionUnknown, "unknown action %q; actions are %s", action, strings.Join(actions, ", "))
	}
	var body ManageRequest
	dec := json.NewDecoder(bytes.NewReader(req.BodyText()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeRequestMalformed, "the body must be one JSON object with justification and the action's fields: %v", err)
	}
	if dec.More() {
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeRequestMalformed, "the body must be one JSON object; found more after it")
	}
	just := strings.TrimSpace(body.Justification)
	switch {
	case just == "":
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeJustificationMissing, "every change needs a justification: say why, for the audit trail")
	case len(just) > maxJustification:
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeJustificationTooLong, "the justification has %d characters; at most %d", len(just), maxJustification)
	}
	actor := who.ResolvedActor // never the body's "actor"
	mutate, err := a.mutation(action, body, actor)
	if err != nil {
		return ManageResponse{}, "", err
	}
	ifMatch := strings.TrimSpace(req.Header("If-Match"))
	switch {
	case ifMatch == "":
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeIfMatchRequired,
			"send If-Match with the ETag of the clip as you read it (GET /api/clips/%s), so a concurrent change is not overwritten", id)
	case ifMatch == "*":
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeIfMatchWildcard,
			"If-Match: * names no state of the clip: send the ETag of the clip as you read it (GET /api/clips/%s), so the change is decided on what you saw", id)
	case normaliseETag(ifMatch) == "":
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeIfMatchEmpty,
			"If-Match carries an empty ETag: send the ETag of the clip as you read it (GET /api/clips/%s)", id)
	}

	c, err := a.lookup(ctx, req, id)
	if err != nil {
		return ManageResponse{}, "", err
	}
	if normaliseETag(ifMatch) != normaliseETag(c.ETag) {
		return ManageResponse{}, c.ETag, clip.Errorf(clip.Conflict, clip.CodeConcurrentUpdate,
			"the clip changed since you read it (If-Match %s, now %s): read it again and decide again", ifMatch, quoteETag(c.ETag))
	}
	switch {
	case c.Status == clip.StatusDeleted:
		return ManageResponse{}, c.ETag, clip.Errorf(clip.Refused, clip.CodeClipDeleted, "clip %s was deleted by the retention sweep; its tombstone cannot change", c.ID)
	case c.Type != clip.DocTypeClip || c.Status == clip.StatusRefused:
		return ManageResponse{}, c.ETag, clip.Errorf(clip.Refused, clip.CodeClipNotManageable, "clip %s has status %s: no footage was recorded for it", c.ID, c.Status)
	}

	if action == ActionCorrectMetadata {
		return a.correctMetadata(ctx, c, body, who, just)
	}
	next := c
	next.Categories = slices.Clone(c.Categories)
	next.IncidentRefs = slices.Clone(c.IncidentRefs)
	if err := mutate(&next); err != nil {
		return ManageResponse{}, c.ETag, err
	}
	next.Retention = a.retentionAfterChange(c, next, actor.Name)
	// The role follows from what the change does to the schedule (the
	// natural before/after, whatever next.Retention was set to above, so the
	// release grace does not hide an earlier schedule), also for a change
	// that turns out to change nothing.
	if err := a.authoriseChange(who, action, a.classifyChange(c, next)); err != nil {
		return ManageResponse{}, c.ETag, err
	}
	if sameManaged(c, next) {
		// Nothing to change, but the tags are rewritten from the record:
		// they may have been left stale by a writer that lost a race.
		// The same for Storage's protection; lowered to the record's only
		// for the release role, so a request repeated after a failed
		// relaxation (a hold not cleared) converges.
		// Never lowered on an unchecked clock (checkChangeClock).
		relax := who.has(a.Config.Roles.Release) && a.checkChangeClock(ctx) == nil
		warnings := append(a.syncTagsWarning(ctx, c), a.syncProtectionWarning(ctx, c.OfficerID, c.ID, relax)...)
		return a.answerFor(who, ManageResponse{Clip: c, ETag: c.ETag, Actor: &actor, DueNow: a.dueNow(c), Warnings: warnings}), c.ETag, nil
	}

	details := map[string]string{
		"fromCategories": strings.Join(c.Categories, " "), "toCategories": strings.Join(next.Categories, " "),
		"fromIncidentRefs": strings.Join(c.IncidentRefs, " "), "toIncidentRefs": strings.Join(next.IncidentRefs, " "),
		"fromLegalHold": boolText(c.Retention.LegalHold), "toLegalHold": boolText(next.Retention.LegalHold),
		"fromPolicyVersion": c.Retention.PolicyVersion, "toPolicyVersion": next.Retention.PolicyVersion,
		"fromRule": c.Retention.Rule, "toRule": next.Retention.Rule,
		"fromRetainUntil": timeText(c.Retention.RetainUntil), "toRetainUntil": timeText(next.Retention.RetainUntil),
	}
	if c.CategoriesSetBy != next.CategoriesSetBy {
		details["fromCategoriesSetBy"], details["toCategoriesSetBy"] = c.CategoriesSetBy, next.CategoriesSetBy
	}
	for k, v := range releaseDetails(c.Retention, next.Retention) {
		details[k] = v
	}
	entry := audit.Entry{Action: auditActionOf(action), Key: "manage:" + action + ":" + normaliseETag(c.ETag),
		Actor: actor.Name, ActorAuthenticated: actor.Authenticated, Justification: just, Details: details}
	rec, warnings, err := a.applyChange(ctx, c, next, entry)
	if err != nil {
		return ManageResponse{}, c.ETag, err
	}
	funchost.Logger(ctx).Info("clip changed", "actor", actor.Name, "authenticated", actor.Authenticated,
		"rule", rec.Retention.Rule, "retain_until", timeText(rec.Retention.RetainUntil), "legal_hold", rec.Retention.LegalHold)
	return a.answerFor(who, ManageResponse{Clip: rec, ETag: rec.ETag, Changed: true, DueNow: a.dueNow(rec), Warnings: warnings, Actor: &actor}), rec.ETag, nil
}

// applyChange writes a change: the clock check for a change that lowers
// protection (checkChangeClock), the cautious index tags (backstop keep,
// held if either state is held) and Storage's protection of both states
// (protectFirst; a failure blocks only a lowering change, otherwise the
// record is marked protection.pending for the sweep and the caller
// warned), then the audit entry and the record (If-Match),
// then the protection and the tags from the record as it now is
// (syncProtection, lowering only for a change that lowers; syncIndexTags),
// also when the record write failed: a lost race must not leave this
// writer's tags behind a newer change. A crash at any point leaves tags
// that keep the clip, so the lifecycle backstop cannot act on a
// half-applied change.
func (a *App) applyChange(ctx context.Context, c, next clip.Clip, e audit.Entry) (clip.Clip, []string, error) {
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
	// A change that lowers protection waits for Storage: its record write
	// must not run ahead of a protection that is not in place. A change
	// that does not lower it is written whatever Storage answers: the
	// record is what the sweep obeys, so a hold or an extension that
	// failed to reach Storage must still reach the record (the failure is
	// a coded warning that alerts; the post-write sync and the sweep's
	// horizon pass catch Storage up).
	var warnings []string
	pending := false
	if err := a.protectFirst(ctx, c, next); err != nil {
		if a.lowers(c, next) {
			return c, nil, err
		}
		pending = true
		warnings = protectionWarning(ctx, err, "Storage protection not put in place before the record write; the record is written (it is what the sweep obeys) and Storage is caught up after it")
	}
	rec, err := a.transition(ctx, c, e, func(x *clip.Clip) {
		x.Categories, x.CategoriesSetBy, x.IncidentRefs, x.Retention = next.Categories, next.CategoriesSetBy, next.IncidentRefs, next.Retention
		if pending { // the sweep's horizon pass finds it, dated or not
			x.Protection = &clip.ProtectionMark{Pending: true}
		}
	})
	tagWarnings := a.syncTagsWarning(ctx, c)
	if err != nil {
		return c, nil, err
	}
	warnings = append(tagWarnings, warnings...)
	warnings = append(warnings, a.syncProtectionWarning(ctx, c.OfficerID, c.ID, a.lowers(c, next))...)
	return rec, warnings, nil
}

// syncTagsWarning runs syncIndexTags for c's record and turns a failure
// into a warning for the caller: the record is the truth, and the tags
// stay at values that keep the clip until the next write.
func (a *App) syncTagsWarning(ctx context.Context, c clip.Clip) []string {
	if err := a.syncIndexTags(ctx, c.OfficerID, c.ID); err != nil {
		funchost.Logger(ctx).Error("index tags not brought up to date with the record; they keep the clip until the next change", "error", err)
		return []string{"the blob's index tags could not be updated: they keep the conservative (keep) values until the next change"}
	}
	return nil
}

func auditActionOf(action string) string {
	switch action {
	case ActionReclassify:
		return audit.ActionReclassified
	case ActionLinkIncident:
		return audit.ActionIncidentLinked
	case ActionUnlinkIncident:
		return audit.ActionIncidentUnlinked
	case ActionSetLegalHold:
		return audit.ActionHoldSet
	}
	return audit.ActionHoldCleared
}

// sameManaged reports whether a change leaves every managed field as it was.
func sameManaged(a, b clip.Clip) bool {
	ja, _ := json.Marshal([]any{a.Categories, a.CategoriesSetBy, a.IncidentRefs, a.Retention})
	jb, _ := json.Marshal([]any{b.Categories, b.CategoriesSetBy, b.IncidentRefs, b.Retention})
	return bytes.Equal(ja, jb)
}

// dueNow reports whether the sweep, run now, would delete c: the sweep's
// own decision (retention.DecideClip, as sweepOne calls it) on the record
// as stored, under the same policy and clock.
func (a *App) dueNow(c clip.Clip) bool {
	return retention.DecideClip(a.Policy, c, a.now()).Delete
}

func timeText(t *clip.Time) string {
	if t == nil {
		return "none"
	}
	return t.String()
}
