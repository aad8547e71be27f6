package functions

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode"

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
)

// Headers the platform sets for an authenticated caller (App Service
// Authentication). They are trustworthy only because the platform strips
// them from incoming requests when authentication is on (docs/runbook.md).
const (
	HeaderPrincipalName = "X-MS-CLIENT-PRINCIPAL-NAME"
	HeaderPrincipal     = "X-MS-CLIENT-PRINCIPAL"
)

const maxJustification = 2000

// ManageRequest is the JSON body of a POST.
type ManageRequest struct {
	Justification string   `json:"justification"`
	Categories    []string `json:"categories,omitempty"`
	IncidentRefs  []string `json:"incidentRefs,omitempty"`
	// Actor is used only when the platform sent no authenticated
	// principal (local use); the audit entry then says actorAuthenticated
	// false.
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

// Problem is the body of an error answer: a stable code and a sentence.
type Problem struct {
	Code    clip.Code `json:"code"`
	Message string    `json:"message"`
	ETag    string    `json:"etag,omitempty"`
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
	return respond(funchost.HTTPResponse{StatusCode: http.StatusOK, Headers: map[string]string{"ETag": quoteETag(out.ETag)}, Body: string(b)}, nil), nil
}

func (a *App) manage(ctx context.Context, req funchost.HTTPRequest) (ManageResponse, string, error) {
	id := req.Param("id")
	action := strings.ToLower(req.Param("action"))
	method := strings.ToUpper(req.Method)
	if id == "" {
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeRequestMalformed, "the URL names no clip id: use /api/clips/{id}")
	}
	if err := a.validTarget(id, req.QueryValue("officer")); err != nil {
		return ManageResponse{}, "", err
	}
	switch {
	case method == http.MethodGet && action == "":
		return a.readClip(ctx, req, id)
	case method == http.MethodPost && action != "":
		return a.changeClip(ctx, req, id, action)
	case method == http.MethodPost:
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeActionUnknown, "POST needs an action: /api/clips/{id}/{%s}", strings.Join(actions, "|"))
	case method == http.MethodGet:
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeMethodNotAllowed, "GET reads /api/clips/{id}; actions are POSTed")
	}
	return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeMethodNotAllowed, "method %s is not supported: GET reads a clip, POST changes it", method)
}

var actions = []string{ActionReclassify, ActionLinkIncident, ActionUnlinkIncident, ActionSetLegalHold, ActionClearLegalHold}

// clipIDShape is the form of every id clip.ID makes: "c" and 40 lower-case
// hex digits.
var clipIDShape = regexp.MustCompile(`^c[0-9a-f]{40}$`)

// validTarget checks the clip id and ?officer= before any database call:
// an odd value would otherwise reach Cosmos DB, whose 400 would come back
// as a 500 without a code. The officer rule is the metadata contract's.
func (a *App) validTarget(id, officer string) error {
	if !clipIDShape.MatchString(id) {
		return clip.Errorf(clip.Invalid, clip.CodeRequestMalformed,
			"%q is not a clip id: a clip id is \"c\" followed by 40 lower-case hex digits, as GET /api/clips/{id} and bwv status show it", truncate(id, 64))
	}
	officer = strings.TrimSpace(officer)
	if officer == "" {
		return nil
	}
	_, reasons := clip.ParseMetadata(map[string]string{clip.KeyOfficerID: officer}, 1, a.now(), clip.Rules{KnownCategory: a.Policy.Known})
	for _, r := range reasons {
		if r.Field == clip.KeyOfficerID {
			return clip.Errorf(clip.Invalid, clip.CodeRequestMalformed, "?officer=%q is not an officer id: it must be 1-16 letters or digits", truncate(officer, 64))
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
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

func (a *App) readClip(ctx context.Context, req funchost.HTTPRequest, id string) (ManageResponse, string, error) {
	c, err := a.lookup(ctx, req, id)
	if err != nil {
		return ManageResponse{}, "", err
	}
	entries, err := a.Records.ListAudit(ctx, c.ID)
	if err != nil {
		return ManageResponse{}, "", err
	}
	st := &ChainStatus{Verified: true}
	if err := audit.Verify(c.ID, slices.Clone(entries), c.Audit); err != nil {
		var bl *audit.BrokenLink
		if !errors.As(err, &bl) {
			return ManageResponse{}, "", err
		}
		st = &ChainStatus{BrokenAt: bl.Seq, EntryID: bl.EntryID, Reason: bl.Reason}
	}
	return ManageResponse{Clip: c, ETag: c.ETag, Audit: entries, AuditChain: st}, c.ETag, nil
}

func (a *App) changeClip(ctx context.Context, req funchost.HTTPRequest, id, action string) (ManageResponse, string, error) {
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
	actor, err := actorOf(req, body, a.Config.TrustPrincipalHeaders)
	if err != nil {
		return ManageResponse{}, "", err
	}
	mutate, err := a.mutation(action, body)
	if err != nil {
		return ManageResponse{}, "", err
	}
	ifMatch := req.Header("If-Match")
	if ifMatch == "" {
		return ManageResponse{}, "", clip.Errorf(clip.Invalid, clip.CodeIfMatchRequired,
			"send If-Match with the ETag of the clip as you read it (GET /api/clips/%s), so a concurrent change is not overwritten", id)
	}

	c, err := a.lookup(ctx, req, id)
	if err != nil {
		return ManageResponse{}, "", err
	}
	if ifMatch != "*" && normaliseETag(ifMatch) != normaliseETag(c.ETag) {
		return ManageResponse{}, c.ETag, clip.Errorf(clip.Conflict, clip.CodeConcurrentUpdate,
			"the clip changed since you read it (If-Match %s, now %s): read it again and decide again", ifMatch, quoteETag(c.ETag))
	}
	switch {
	case c.Status == clip.StatusDeleted:
		return ManageResponse{}, c.ETag, clip.Errorf(clip.Refused, clip.CodeClipDeleted, "clip %s was deleted by the retention sweep; its tombstone cannot change", c.ID)
	case c.Type != clip.DocTypeClip || c.Status == clip.StatusRefused:
		return ManageResponse{}, c.ETag, clip.Errorf(clip.Refused, clip.CodeClipNotManageable, "clip %s has status %s: no footage was recorded for it", c.ID, c.Status)
	}

	next := c
	next.Categories = slices.Clone(c.Categories)
	next.IncidentRefs = slices.Clone(c.IncidentRefs)
	if err := mutate(&next); err != nil {
		return ManageResponse{}, c.ETag, err
	}
	next.Retention = a.Policy.RecordFor(next)
	if sameManaged(c, next) {
		// Nothing to change, but the tags are rewritten from the record:
		// they may have been left stale by a writer that lost a race.
		warnings := a.syncTagsWarning(ctx, c)
		return ManageResponse{Clip: c, ETag: c.ETag, Actor: &actor, DueNow: a.dueNow(c), Warnings: warnings}, c.ETag, nil
	}

	details := map[string]string{
		"fromCategories": strings.Join(c.Categories, " "), "toCategories": strings.Join(next.Categories, " "),
		"fromIncidentRefs": strings.Join(c.IncidentRefs, " "), "toIncidentRefs": strings.Join(next.IncidentRefs, " "),
		"fromLegalHold": boolText(c.Retention.LegalHold), "toLegalHold": boolText(next.Retention.LegalHold),
		"fromPolicyVersion": c.Retention.PolicyVersion, "toPolicyVersion": next.Retention.PolicyVersion,
		"fromRule": c.Retention.Rule, "toRule": next.Retention.Rule,
		"fromRetainUntil": timeText(c.Retention.RetainUntil), "toRetainUntil": timeText(next.Retention.RetainUntil),
	}
	entry := audit.Entry{Action: auditActionOf(action), Key: "manage:" + action + ":" + normaliseETag(c.ETag),
		Actor: actor.Name, ActorAuthenticated: actor.Authenticated, Justification: just, Details: details}
	rec, warnings, err := a.applyChange(ctx, c, next, entry)
	if err != nil {
		return ManageResponse{}, c.ETag, err
	}
	funchost.Logger(ctx).Info("clip changed", "actor", actor.Name, "authenticated", actor.Authenticated,
		"rule", rec.Retention.Rule, "retain_until", timeText(rec.Retention.RetainUntil), "legal_hold", rec.Retention.LegalHold)
	return ManageResponse{Clip: rec, ETag: rec.ETag, Changed: true, DueNow: a.dueNow(rec), Warnings: warnings, Actor: &actor}, rec.ETag, nil
}

// applyChange writes a change: the cautious index tags first (backstop
// keep, held if either state is held), then the audit entry and the record
// (If-Match), then the tags from the record as it now is (syncIndexTags),
// also when the record write failed: a lost race must not leave this
// writer's tags behind a newer change. A crash at any point leaves tags
// that keep the clip, so the lifecycle backstop cannot act on a
// half-applied change.
func (a *App) applyChange(ctx context.Context, c, next clip.Clip, e audit.Entry) (clip.Clip, []string, error) {
	if t, ok := tagTargetOf(c); ok {
		if err := a.setTags(ctx, t, cautiousTags(c, next)); err != nil {
			return c, nil, err
		}
	}
	rec, err := a.transition(ctx, c, e, func(x *clip.Clip) {
		x.Categories, x.IncidentRefs, x.Retention = next.Categories, next.IncidentRefs, next.Retention
	})
	warnings := a.syncTagsWarning(ctx, c)
	if err != nil {
		return c, nil, err
	}
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

// mutation validates an action's fields and returns the change it makes.
func (a *App) mutation(action string, body ManageRequest) (func(*clip.Clip) error, error) {
	switch action {
	case ActionReclassify:
		if len(body.Categories) == 0 {
			return nil, clip.Errorf(clip.Invalid, clip.CodeCategoriesMissing, "reclassify needs \"categories\": the full new list (e.g. [\"evidential\"])")
		}
		cats, err := a.validList(clip.KeyCategory, body.Categories, clip.MaxCategories, strings.ToLower)
		if err != nil {
			return nil, err
		}
		if len(cats) > 1 {
			cats = slices.DeleteFunc(cats, func(s string) bool { return s == clip.Uncategorised })
		}
		return func(c *clip.Clip) error { c.Categories = cats; return nil }, nil
	case ActionLinkIncident, ActionUnlinkIncident:
		if len(body.IncidentRefs) == 0 {
			return nil, clip.Errorf(clip.Invalid, clip.CodeIncidentRefsMissing, "%s needs \"incidentRefs\": one or more references", action)
		}
		refs, err := a.validList(clip.KeyIncidentRef, body.IncidentRefs, clip.MaxIncidentRefs, func(s string) string { return s })
		if err != nil {
			return nil, err
		}
		if action == ActionLinkIncident {
			return func(c *clip.Clip) error {
				for _, r := range refs {
					if !slices.Contains(c.IncidentRefs, r) {
						c.IncidentRefs = append(c.IncidentRefs, r)
					}
				}
				if len(c.IncidentRefs) > clip.MaxIncidentRefs {
					return clip.Errorf(clip.Invalid, clip.CodeIncidentRefInvalid, "a clip carries at most %d incident references", clip.MaxIncidentRefs)
				}
				return nil
			}, nil
		}
		return func(c *clip.Clip) error {
			for _, r := range refs {
				if !slices.Contains(c.IncidentRefs, r) {
					return clip.Errorf(clip.Invalid, clip.CodeIncidentRefNotLinked, "incident reference %q is not linked to this clip", r)
				}
			}
			c.IncidentRefs = slices.DeleteFunc(c.IncidentRefs, func(r string) bool { return slices.Contains(refs, r) })
			if c.IncidentRefs == nil {
				c.IncidentRefs = []string{}
			}
			return nil
		}, nil
	case ActionSetLegalHold, ActionClearLegalHold:
		if len(body.Categories) > 0 || len(body.IncidentRefs) > 0 {
			return nil, clip.Errorf(clip.Invalid, clip.CodeRequestMalformed, "%s takes only a justification", action)
		}
		hold := action == ActionSetLegalHold
		return func(c *clip.Clip) error { c.Retention.LegalHold = hold; return nil }, nil
	}
	return nil, clip.Errorf(clip.Invalid, clip.CodeActionUnknown, "unknown action %q", action)
}

// validList checks values against the metadata contract's rule for key
// (the one definition of a valid category or incident reference), and
// returns them trimmed, normalised and without duplicates.
func (a *App) validList(key string, values []string, maxItems int, norm func(string) string) ([]string, error) {
	var out []string
	for _, v := range values {
		v = norm(strings.TrimSpace(v))
		if v == "" || strings.Contains(v, ",") {
			code := clip.CodeCategoryInvalid
			if key == clip.KeyIncidentRef {
				code = clip.CodeIncidentRefInvalid
			}
			return nil, clip.Errorf(clip.Invalid, code, "%q is not a valid %s value (empty, or contains a comma)", v, key)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) > maxItems {
		code := clip.CodeCategoryInvalid
		if key == clip.KeyIncidentRef {
			code = clip.CodeIncidentRefInvalid
		}
		return nil, clip.Errorf(clip.Invalid, code, "at most %d %s values", maxItems, key)
	}
	_, reasons := clip.ParseMetadata(map[string]string{key: strings.Join(out, ",")}, 1, a.now(), clip.Rules{KnownCategory: a.Policy.Known})
	for _, r := range reasons {
		if r.Field == key {
			return nil, clip.Errorf(clip.Invalid, r.Code, "%s", r.Message)
		}
	}
	return out, nil
}

// actorOf resolves who is acting: the platform's authenticated principal
// when present and trusted, else the body's actor, marked unauthenticated.
// The principal headers are trusted only when the platform's
// authentication is on (trust, from BWV_TRUST_PRINCIPAL_HEADERS): only
// then does the platform strip them from incoming requests; otherwise any
// caller could send them, so they are ignored.
func actorOf(req funchost.HTTPRequest, body ManageRequest, trust bool) (ResolvedActor, error) {
	var name string
	if trust {
		name = strings.TrimSpace(req.Header(HeaderPrincipalName))
		if p := strings.TrimSpace(req.Header(HeaderPrincipal)); p != "" {
			n, err := principalName(p)
			if err != nil {
				return ResolvedActor{}, err
			}
			if name == "" {
				name = n
			}
		}
	}
	auth := name != ""
	if !auth {
		name = strings.TrimSpace(body.Actor)
	}
	switch {
	case name == "":
		return ResolvedActor{}, clip.Errorf(clip.Invalid, clip.CodeActorMissing,
			"no authenticated principal (%s) and no \"actor\" in the body: say who is making the change", HeaderPrincipalName)
	case len(name) > 256 || strings.ContainsFunc(name, unicode.IsControl):
		return ResolvedActor{}, clip.Errorf(clip.Invalid, clip.CodeActorInvalid, "the actor must be at most 256 printable characters")
	}
	return ResolvedActor{Name: name, Authenticated: auth}, nil
}

// principalName decodes X-MS-CLIENT-PRINCIPAL (base64 JSON with auth_typ,
// name_typ and claims) and returns the claim its name_typ names, or a
// usual name claim.
func principalName(header string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(header, "="))
	}
	var p struct {
		NameType string `json:"name_typ"`
		Claims   []struct {
			Type  string `json:"typ"`
			Value string `json:"val"`
		} `json:"claims"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &p)
	}
	if err != nil {
		return "", clip.Errorf(clip.Invalid, clip.CodePrincipalMalformed, "%s is not base64-encoded JSON: %v", HeaderPrincipal, err)
	}
	for _, want := range []string{p.NameType, "name", "preferred_username", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"} {
		for _, c := range p.Claims {
			if want != "" && c.Type == want && strings.TrimSpace(c.Value) != "" {
				return strings.TrimSpace(c.Value), nil
			}
		}
	}
	return "", nil
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
	ja, _ := json.Marshal([]any{a.Categories, a.IncidentRefs, a.Retention})
	jb, _ := json.Marshal([]any{b.Categories, b.IncidentRefs, b.Retention})
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

// normaliseETag compares ETags as the HTTP spec's weak comparison does:
// without W/ and quotes.
func normaliseETag(e string) string {
	e = strings.TrimSpace(e)
	e = strings.TrimPrefix(e, "W/")
	return strings.Trim(e, `"`)
}

func quoteETag(e string) string { return `"` + normaliseETag(e) + `"` }

func withETag(body, etag string) string {
	var p Problem
	if json.Unmarshal([]byte(body), &p) != nil {
		return body
	}
	p.ETag = normaliseETag(etag)
	b, _ := json.Marshal(p)
	return string(b)
}

// problemOf maps an error to its HTTP answer: the kind's status from the
// one outcome table, except where HTTP has a more precise status.
func problemOf(err error) funchost.HTTPResponse {
	status := clip.OutcomeOf(err).HTTPStatus
	switch clip.CodeOf(err) {
	case clip.CodeIfMatchRequired:
		status = http.StatusPreconditionRequired
	case clip.CodeClipDeleted, clip.CodeClipNotManageable, clip.CodeClipIDAmbiguous:
		status = http.StatusConflict
	case clip.CodeMethodNotAllowed:
		status = http.StatusMethodNotAllowed
	}
	msg := err.Error()
	var ce *clip.Error
	if errors.As(err, &ce) && ce.Message != "" && status < 500 {
		msg = ce.Message
	}
	if status >= 500 {
		msg = "the clip service could not complete the request; try again" // details stay in the log
	}
	code := clip.CodeOf(err)
	b, _ := json.Marshal(Problem{Code: code, Message: msg})
	h := map[string]string{"Content-Type": "application/json"}
	if status == http.StatusServiceUnavailable {
		h["Retry-After"] = "5"
	}
	return funchost.HTTPResponse{StatusCode: status, Headers: h, Body: string(b)}
}

func respond(r funchost.HTTPResponse, _ error) funchost.Result {
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	if _, ok := r.Headers["Content-Type"]; !ok {
		r.Headers["Content-Type"] = "application/json"
	}
	return funchost.Result{Outputs: map[string]any{bindingRes: r}}
}

// RecomputeRetention applies the app's policy (a.Policy) to one existing
// clip: the explicit, audited step through which a new policy reaches
// clips recorded under an older one (bwv retention recompute --apply).
// A clip whose schedule does not change is left alone (changed false).
// Deleted and refused records are never touched.
func (a *App) RecomputeRetention(ctx context.Context, c clip.Clip, actor ResolvedActor, justification string) (clip.Clip, bool, error) {
	if c.Type != clip.DocTypeClip || c.Status == clip.StatusDeleted || c.Status == clip.StatusRefused {
		return c, false, nil
	}
	if strings.TrimSpace(justification) == "" {
		return c, false, clip.Errorf(clip.Invalid, clip.CodeJustificationMissing, "a policy recompute needs a justification")
	}
	next := c
	next.Retention = a.Policy.RecordFor(c)
	if sameManaged(c, next) {
		// Nothing to change; the tags are still rewritten from the record
		// (a dry run has no blob storage and writes nothing).
		if a.Blobs != nil {
			if err := a.syncIndexTags(ctx, c.OfficerID, c.ID); err != nil {
				return c, false, err
			}
		}
		return c, false, nil
	}
	details := map[string]string{
		"fromPolicyVersion": c.Retention.PolicyVersion, "toPolicyVersion": next.Retention.PolicyVersion,
		"fromRule": c.Retention.Rule, "toRule": next.Retention.Rule,
		"fromRetainUntil": timeText(c.Retention.RetainUntil), "toRetainUntil": timeText(next.Retention.RetainUntil),
		"fromReviewDate": timeText(c.Retention.ReviewDate), "toReviewDate": timeText(next.Retention.ReviewDate),
	}
	e := audit.Entry{Action: audit.ActionRetentionRecalc, Key: "recompute:" + next.Retention.PolicyVersion + ":" + normaliseETag(c.ETag),
		Actor: actor.Name, ActorAuthenticated: actor.Authenticated, Justification: strings.TrimSpace(justification), Details: details}
	rec, _, err := a.applyChange(ctx, c, next, e)
	if err != nil {
		return c, false, err
	}
	return rec, true, nil
}

// ProposedRetention is the retention a.Policy gives c: what
// RecomputeRetention would store (the recompute dry run prints it).
func (a *App) ProposedRetention(c clip.Clip) clip.Retention { return a.Policy.RecordFor(c) }

// RetentionChanges reports whether r differs from c's stored retention.
func RetentionChanges(c clip.Clip, r clip.Retention) bool {
	next := c
	next.Retention = r
	return !sameManaged(c, next)
}
