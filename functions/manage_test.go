package functions_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/config"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// manageCall is one HTTP request to ClipManage, shaped as the Functions
// host puts it in Data.req (GetRequestAsJObject in the host's source):
// header values as arrays, Query and Params objects, Body the text.
type manageCall struct {
	method, id, action string
	query              map[string]string
	headers            map[string]string
	body               any
	queryAsText        bool // Query as a JSON string of the object, as older hosts send it
	// anonymous sends no principal headers; otherwise, unless headers has
	// its own X-MS-CLIENT-PRINCIPAL, the call is made as the platform would
	// send it for an authenticated person holding every ClipManage role
	// (asPerson): the body's actor, else testReader.
	anonymous bool
	// noPurpose sends a GET without the ?purpose= every read needs
	// (otherwise testPurpose is added when the query has none).
	noPurpose bool
}

// The person and purpose of harness calls that name none.
const (
	testReader  = "tester"
	testPurpose = "functions test"
)

// allRoles are the three default ClipManage roles.
var allRoles = []string{config.DefaultRoleRead, config.DefaultRoleProtect, config.DefaultRoleRelease}

// principalHeader is X-MS-CLIENT-PRINCIPAL as App Service Authentication
// sends it for an Entra token of name (no name claim when "") with roles.
func principalHeader(name string, roles ...string) string {
	p := funchost.ClientPrincipal{AuthType: "aad", NameType: "name", RoleType: funchost.ClaimTypeRoles}
	if name != "" {
		p.Claims = append(p.Claims, funchost.Claim{Type: "name", Value: name})
	}
	for _, r := range roles {
		p.Claims = append(p.Claims, funchost.Claim{Type: funchost.ClaimTypeRoles, Value: r})
	}
	return p.Encode()
}

// asPerson is the principal header of name holding roles.
func asPerson(name string, roles ...string) map[string]string {
	return map[string]string{funchost.HeaderClientPrincipal: principalHeader(name, roles...)}
}

// personOf is who a harness call is made as when it names nobody: the
// body's actor (a ManageRequest's, possibly empty: a principal without a
// name), else testReader.
func personOf(body any) string {
	switch b := body.(type) {
	case functions.ManageRequest:
		return b.Actor
	case map[string]any:
		if a, ok := b["actor"].(string); ok {
			return a
		}
	}
	return testReader
}

type manageAnswer struct {
	status  int
	headers map[string]string
	body    []byte
	outputs map[string]any // the invocation's other outputs (e.g. "verify")
}

func (a manageAnswer) ok() functions.ManageResponse {
	var r functions.ManageResponse
	_ = json.Unmarshal(a.body, &r)
	return r
}

func (a manageAnswer) problem() functions.Problem {
	var p functions.Problem
	_ = json.Unmarshal(a.body, &p)
	return p
}

func (h *handler) manage(t testing.TB, c manageCall) manageAnswer {
	t.Helper()
	headers := map[string][]string{"Content-Type": {"application/json"}, "x-functions-key": {"k"}}
	if _, own := c.headers[funchost.HeaderClientPrincipal]; !own && !c.anonymous {
		headers[funchost.HeaderClientPrincipal] = []string{principalHeader(personOf(c.body), allRoles...)}
	}
	for k, v := range c.headers {
		headers[k] = []string{v}
	}
	query := map[string]string{}
	for k, v := range c.query {
		query[k] = v
	}
	if c.method == "GET" && c.action == "" && !c.noPurpose && query["purpose"] == "" {
		query["purpose"] = testPurpose
	}
	c.query = query
	q := url.Values{}
	for k, v := range c.query {
		q.Set(k, v)
	}
	u := "http://127.0.0.1:7071/api/clips/" + c.id
	params := map[string]any{"id": c.id}
	if c.action != "" {
		u += "/" + c.action
		params["action"] = c.action
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req := map[string]any{"Url": u, "Method": c.method, "Query": c.query, "Headers": headers, "Params": params, "Identities": []any{}}
	if c.query == nil {
		req["Query"] = map[string]string{}
	}
	if c.queryAsText {
		b, _ := json.Marshal(req["Query"])
		req["Query"] = string(b)
	}
	if c.body != nil {
		b, _ := json.Marshal(c.body)
		req["Body"] = string(b)
	}
	status, r := h.invoke(t, functions.NameManage, map[string]any{"req": req}, map[string]any{"sys": map[string]any{"MethodName": functions.NameManage}})
	if status != 200 {
		t.Fatalf("ClipManage invocation failed with %d: %v", status, r.Logs)
	}
	raw, _ := json.Marshal(r.Outputs["res"])
	var res struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("res output %s: %v", raw, err)
	}
	return manageAnswer{status: res.StatusCode, headers: res.Headers, body: []byte(res.Body), outputs: r.Outputs}
}

// post sends an action with If-Match etag and fails the test unless 200.
func (h *handler) post(t testing.TB, id, action, etag string, body functions.ManageRequest) functions.ManageResponse {
	t.Helper()
	a := h.manage(t, manageCall{method: "POST", id: id, action: action, headers: map[string]string{"If-Match": `"` + etag + `"`}, body: body})
	if a.status != 200 {
		t.Fatalf("POST %s %s: %d %s", id, action, a.status, a.body)
	}
	return a.ok()
}

// sweep runs RetentionSweep once, as the host's timer (or a manual
// admin run) does.
func (h *handler) sweep(t testing.TB) {
	t.Helper()
	timer := map[string]any{"Schedule": map[string]any{"AdjustForDST": true},
		"ScheduleStatus": map[string]any{"Last": "0001-01-01T00:00:00+00:00", "Next": time.Now().Add(24 * time.Hour).Format(time.RFC3339), "LastUpdated": "0001-01-01T00:00:00+00:00"},
		"IsPastDue":      false}
	status, r := h.invoke(t, functions.NameSweep, map[string]any{"timer": timer}, map[string]any{})
	if status != 200 {
		t.Fatalf("RetentionSweep answered %d: %v\n%s", status, r.Logs, h.log())
	}
}

// ingestVerified uploads a clip recorded at start and runs it through
// ClipIngest and ClipVerify; it returns the clip id.
func (e *env) ingestVerified(name, officer string, start time.Time, extra map[string]string) string {
	e.t.Helper()
	content := randomBytes(e.t, 4<<10)
	meta := clipMeta(content, officer, start)
	for k, v := range extra {
		meta[k] = to.Ptr(v)
	}
	etag := e.upload(name, content, meta)
	msg := e.ingest(e.blobEvent("devstoreaccount1", name, etag, "0000000000000001", int64(len(content))))
	if msg == nil {
		e.t.Fatalf("no verify message for %s\n%s", name, e.h.log())
	}
	if st := e.verify(e.h, msg, 1); st != 200 {
		e.t.Fatalf("verify %s: %d", name, st)
	}
	return clip.ID("devstoreaccount1", "uploads", name, etag)
}

func (e *env) blobExists(container, name string) bool {
	e.t.Helper()
	_, err := e.blobs.ServiceClient().NewContainerClient(container).NewBlobClient(name).GetProperties(context.Background(), nil)
	return err == nil
}

// TestRetentionEndToEndThroughHandler is the done-when scenario on
// the real handler binary, real Azurite and the local Cosmos server: a
// non-evidential clip recorded 32 days ago is deleted by a sweep; one
// reclassified as evidential through ClipManage is kept; a legal hold
// blocks deletion until cleared; the audit chains verify; editing one
// audit entry in Cosmos makes verification fail at that entry.
func TestRetentionEndToEndThroughHandler(t *testing.T) {
	// The platform's authentication is on: it vouches for the principal headers.
	e := newEnv(t, map[string]string{"BWV_TRUST_PRINCIPAL_HEADERS": "true"})
	old := time.Now().Add(-32 * 24 * time.Hour).Truncate(time.Second)
	plain := e.ingestVerified("e2e/plain.mp4", "ab1234", old, map[string]string{"category": "non-evidential"})
	kept := e.ingestVerified("e2e/kept.mp4", "ab1234", old, map[string]string{"category": "non-evidential"})
	held := e.ingestVerified("e2e/held.mp4", "cd5678", old, nil)
	fresh := e.ingestVerified("e2e/fresh.mp4", "cd5678", time.Now().Add(-2*24*time.Hour), nil)
	// Uploaded just now, 32-day-old footage has an implausible start (more than maxDockDelay, 14 days, before
	// receipt): its 31 days count from receipt, so it is kept at least the minimum dwell after receipt (14 days),
	// and flagged; as if docked an hour after recording, it is due.
	if pc := e.clip("AB1234", plain); pc.Retention.RetainUntil == nil || !pc.Retention.RetainUntil.Equal(pc.ReceivedAt.AddDate(0, 0, 31)) ||
		pc.Retention.RetainUntil.Before(pc.ReceivedAt.AddDate(0, 0, 14)) || pc.Retention.Review == nil {
		t.Fatalf("32-day-old clip received now: retainUntil %v review %+v, want receivedAt + 31 days and flagged", pc.Retention.RetainUntil, pc.Retention.Review)
	}
	e.dockedAt("AB1234", plain, old.Add(time.Hour))
	e.dockedAt("CD5678", held, old.Add(time.Hour))

	// Reclassify one as evidential, through the HTTP function.
	get := e.h.manage(t, manageCall{method: "GET", id: kept})
	if get.status != 200 || get.ok().Clip.Status != clip.StatusVerified || !get.ok().AuditChain.Verified {
		t.Fatalf("GET %d %s", get.status, get.body)
	}
	if get.headers["ETag"] == "" {
		t.Fatal("GET answered without an ETag header")
	}
	r := e.h.post(t, kept, functions.ActionReclassify, get.ok().ETag, functions.ManageRequest{
		Categories: []string{"evidential"}, Justification: "assault captured; CPS file requested", Actor: "DC 4471 Smith"})
	if r.Clip.Retention.Rule != "category:evidential" || !r.Changed || r.Actor.Name != "DC 4471 Smith" || !r.Actor.Authenticated {
		t.Fatalf("reclassified: %+v", r)
	}
	// A stale ETag now conflicts; a missing one is refused.
	stale := e.h.manage(t, manageCall{method: "POST", id: kept, action: functions.ActionSetLegalHold,
		headers: map[string]string{"If-Match": get.ok().ETag}, body: functions.ManageRequest{Justification: "x", Actor: "y"}})
	if stale.status != 412 || stale.problem().Code != clip.CodeConcurrentUpdate || stale.problem().ETag == "" {
		t.Fatalf("stale If-Match: %d %s", stale.status, stale.body)
	}
	if a := e.h.manage(t, manageCall{method: "POST", id: kept, action: functions.ActionSetLegalHold,
		body: functions.ManageRequest{Justification: "x", Actor: "y"}}); a.status != 428 || a.problem().Code != clip.CodeIfMatchRequired {
		t.Fatalf("missing If-Match: %d %s", a.status, a.body)
	}

	// Legal hold on another, by an authenticated principal.
	hc := e.clip("CD5678", held)
	principal := base64.StdEncoding.EncodeToString([]byte(`{"auth_typ":"aad","name_typ":"name","claims":[{"typ":"name","val":"dpo@force.police.uk"},{"typ":"roles","val":"BWV.Clips.Protect"},{"typ":"roles","val":"BWV.Clips.Read"}]}`))
	a := e.h.manage(t, manageCall{method: "POST", id: held, action: functions.ActionSetLegalHold, query: map[string]string{"officer": "CD5678"},
		headers: map[string]string{"If-Match": hc.ETag, "X-MS-CLIENT-PRINCIPAL": principal}, body: functions.ManageRequest{Justification: "civil claim notified, ref LIT/2026/88"}})
	if a.status != 200 || !a.ok().Clip.Retention.LegalHold || a.ok().Actor.Name != "dpo@force.police.uk" || !a.ok().Actor.Authenticated {
		t.Fatalf("set hold: %d %s", a.status, a.body)
	}

	e.h.sweep(t)

	pc := e.clip("AB1234", plain)
	if pc.Status != clip.StatusDeleted || pc.Deletion == nil || pc.DeletedAt == nil {
		t.Fatalf("due non-evidential clip not deleted: %+v", pc)
	}
	d := pc.Deletion
	if d.SHA256 != pc.SHA256.Computed || d.PolicyVersion != "uk-default-2026.3" || d.Rule != "category:non-evidential" ||
		d.DueAt == nil || !d.DueAt.Equal(old.Add(31*24*time.Hour)) || d.SweepRunID == "" || d.BlobAlreadyGone || d.Actor != "system:RetentionSweep" {
		t.Fatalf("certificate %+v", d)
	}
	if e.blobExists("uploads", "e2e/plain.mp4") {
		t.Fatal("the deleted clip's blob is still there")
	}
	for _, k := range []struct{ officer, id, name string }{{"AB1234", kept, "e2e/kept.mp4"}, {"CD5678", held, "e2e/held.mp4"}, {"CD5678", fresh, "e2e/fresh.mp4"}} {
		if c := e.clip(k.officer, k.id); c.Status != clip.StatusVerified || !e.blobExists("uploads", k.name) {
			t.Fatalf("%s should be kept: status %s", k.name, c.Status)
		}
	}
	// The tombstone cannot be changed any more.
	if a := e.h.manage(t, manageCall{method: "POST", id: plain, action: functions.ActionSetLegalHold,
		headers: map[string]string{"If-Match": pc.ETag}, body: functions.ManageRequest{Justification: "too late", Actor: "x"}}); a.status != 409 || a.problem().Code != clip.CodeClipDeleted {
		t.Fatalf("change of a tombstone: %d %s", a.status, a.body)
	}

	// Clearing the hold brings the held clip's date back into the past: it is due once the release grace (7 days)
	// ends, not before; the sweep keeps it until then, and the first sweep after deletes it.
	hc = e.clip("CD5678", held)
	r = e.h.post(t, held, functions.ActionClearLegalHold, hc.ETag, functions.ManageRequest{Justification: "claim withdrawn", Actor: "DPO"})
	pr := r.Clip.Retention.PendingRelease
	if r.Clip.Retention.LegalHold || r.DueNow || !pr.Active() || pr.RequestedBy != "DPO" || pr.EffectiveFrom.Before(time.Now().AddDate(0, 0, 7).Add(-time.Minute)) {
		t.Fatalf("cleared hold: %+v", r)
	}
	e.h.sweep(t)
	if c := e.clip("CD5678", held); c.Status != clip.StatusVerified || !e.blobExists("uploads", "e2e/held.mp4") {
		t.Fatalf("hold cleared: deleted within the release grace: %s", c.Status)
	}
	e.graceEnded("CD5678", held)
	e.h.sweep(t)
	if c := e.clip("CD5678", held); c.Status != clip.StatusDeleted || e.blobExists("uploads", "e2e/held.mp4") {
		t.Fatalf("hold cleared, still not deleted: %s", c.Status)
	}

	// Every chain verifies; the trails hold what happened, in order.
	for _, k := range []struct{ officer, id string }{{"AB1234", plain}, {"AB1234", kept}, {"CD5678", held}, {"CD5678", fresh}} {
		c := e.clip(k.officer, k.id)
		if err := audit.Verify(c.ID, e.auditOf(c.ID), c.Audit); err != nil {
			t.Fatal(err)
		}
	}
	var actions []string
	for _, en := range e.auditOf(held) {
		actions = append(actions, en.Action)
	}
	if want := []string{"received", "verified", "legal-hold-set", "legal-hold-cleared", "deleted", "deletion-confirmed"}; !slices.Equal(actions, want) {
		t.Fatalf("held clip's trail %v, want %v", actions, want)
	}

	// Tamper with one entry: verification names exactly that entry.
	entries := e.auditOf(kept)
	victim := entries[slices.IndexFunc(entries, func(en audit.Entry) bool { return en.Action == audit.ActionReclassified })]
	victim.Justification = "nothing to see"
	b, _ := json.Marshal(victim)
	if err := e.raw().ReplaceAuditDoc(context.Background(), kept, victim.ID, b); err != nil {
		t.Fatal(err)
	}
	kc := e.clip("AB1234", kept)
	err := audit.Verify(kept, e.auditOf(kept), kc.Audit)
	var bl *audit.BrokenLink
	if !errorsAs(err, &bl) || bl.Seq != victim.Seq || bl.EntryID != victim.ID {
		t.Fatalf("tampered chain: %v", err)
	}
	g := e.h.manage(t, manageCall{method: "GET", id: kept})
	if st := g.ok().AuditChain; st == nil || st.Verified || st.BrokenAt != victim.Seq {
		t.Fatalf("GET reports chain %+v after tampering", st)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// TestManageRefusesBadRequestsWithReasonCodes checks every refusal a
// person can meet has its status and stable reason code, and that nothing
// is written on a refusal.
func TestManageRefusesBadRequestsWithReasonCodes(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "m/clip.mp4", seedSpec{officer: "MG1", start: e.now.Add(-time.Hour), categories: []string{"uncategorised"}, refs: []string{}, status: clip.StatusVerified})
	etag := `"` + c.ETag + `"`
	body := func(b functions.ManageRequest) functions.ManageRequest {
		if b.Actor == "" {
			b.Actor = "tester"
		}
		return b
	}
	cases := []struct {
		name   string
		call   manageCall
		status int
		code   clip.Code
	}{
		{"unknown clip", manageCall{method: "GET", id: "c" + strings.Repeat("0", 40)}, 404, clip.CodeClipNotFound},
		{"unknown clip for officer", manageCall{method: "GET", id: c.ID, query: map[string]string{"officer": "OTHER"}}, 404, clip.CodeClipNotFound},
		{"id not a clip id", manageCall{method: "GET", id: "cnope"}, 400, clip.CodeRequestMalformed},
		{"id with a quote", manageCall{method: "GET", id: `c'"` + strings.Repeat("0", 38)}, 400, clip.CodeRequestMalformed},
		{"id upper-case hex", manageCall{method: "GET", id: strings.ToUpper(c.ID)}, 400, clip.CodeRequestMalformed},
		{"id too long", manageCall{method: "GET", id: c.ID + "0"}, 400, clip.CodeRequestMalformed},
		{"officer not an officer id", manageCall{method: "GET", id: c.ID, query: map[string]string{"officer": "MG1' OR 1=1"}}, 400, clip.CodeRequestMalformed},
		{"officer too long", manageCall{method: "GET", id: c.ID, query: map[string]string{"officer": strings.Repeat("A", 17)}}, 400, clip.CodeRequestMalformed},
		{"POST to an odd id", manageCall{method: "POST", id: "c/../x", action: functions.ActionSetLegalHold, headers: map[string]string{"If-Match": etag}, body: body(functions.ManageRequest{Justification: "x"})}, 400, clip.CodeRequestMalformed},
		{"unknown action", manageCall{method: "POST", id: c.ID, action: "erase", headers: map[string]string{"If-Match": etag}, body: body(functions.ManageRequest{Justification: "x"})}, 400, clip.CodeActionUnknown},
		{"POST without action", manageCall{method: "POST", id: c.ID, headers: map[string]string{"If-Match": etag}}, 400, clip.CodeActionUnknown},
		{"PUT", manageCall{method: "PUT", id: c.ID}, 405, clip.CodeMethodNotAllowed},
		{"no justification", manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold, headers: map[string]string{"If-Match": etag}, body: body(functions.ManageRequest{Justification: "  "})}, 400, clip.CodeJustificationMissing},
		{"no actor", manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold, headers: map[string]string{"If-Match": etag}, body: functions.ManageRequest{Justification: "x"}}, 400, clip.CodeActorMissing},
		{"unknown field", manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold, headers: map[string]string{"If-Match": etag}, body: map[string]any{"justification": "x", "actor": "y", "hold": true}}, 400, clip.CodeRequestMalformed},
		{"not JSON", manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold, headers: map[string]string{"If-Match": etag}, body: "hold it"}, 400, clip.CodeRequestMalformed},
		{"no categories", manageCall{method: "POST", id: c.ID, action: functions.ActionReclassify, headers: map[string]string{"If-Match": etag}, body: body(functions.ManageRequest{Justification: "x"})}, 400, clip.CodeCategoriesMissing},
		{"unknown category", manageCall{method: "POST", id: c.ID, action: functions.ActionReclassify, headers: map[string]string{"If-Match": etag}, body: body(functions.ManageRequest{Justification: "x", Categories: []string{"interesting"}})}, 400, clip.CodeCategoryUnknown},
		{"bad category", manageCall{method: "POST", id: c.ID, action: functions.ActionReclassify, headers: map[string]string{"If-Match": etag}, body: body(functions.ManageRequest{Justification: "x", Categories: []string{"Not Valid!"}})}, 400, clip.CodeCategoryInvalid},
		{"bad incident ref", manageCall{method: "POST", id: c.ID, action: functions.ActionLinkIncident, headers: map[string]string{"If-Match": etag}, body: body(functions.ManageRequest{Justification: "x", IncidentRefs: []string{"CAD 12"}})}, 400, clip.CodeIncidentRefInvalid},
		{"no incident refs", manageCall{method: "POST", id: c.ID, action: functions.ActionLinkIncident, headers: map[string]string{"If-Match": etag}, body: body(functions.ManageRequest{Justification: "x"})}, 400, clip.CodeIncidentRefsMissing},
		{"unlink what is not linked", manageCall{method: "POST", id: c.ID, action: functions.ActionUnlinkIncident, headers: map[string]string{"If-Match": etag}, body: body(functions.ManageRequest{Justification: "x", IncidentRefs: []string{"CAD/1"}})}, 400, clip.CodeIncidentRefNotLinked},
		{"no If-Match", manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold, body: body(functions.ManageRequest{Justification: "x"})}, 428, clip.CodeIfMatchRequired},
		{"stale If-Match", manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold, headers: map[string]string{"If-Match": `"0x1"`}, body: body(functions.ManageRequest{Justification: "x"})}, 412, clip.CodeConcurrentUpdate},
		{"If-Match *", manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold, headers: map[string]string{"If-Match": "*"}, body: body(functions.ManageRequest{Justification: "x"})}, 428, clip.CodeIfMatchWildcard},
		{"If-Match empty ETag", manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold, headers: map[string]string{"If-Match": `""`}, body: body(functions.ManageRequest{Justification: "x"})}, 428, clip.CodeIfMatchEmpty},
		{"If-Match weak empty ETag", manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold, headers: map[string]string{"If-Match": `W/""`}, body: body(functions.ManageRequest{Justification: "x"})}, 428, clip.CodeIfMatchEmpty},
		{"GET without purpose", manageCall{method: "GET", id: c.ID, noPurpose: true}, 400, clip.CodePurposeRequired},
		{"GET with a blank purpose", manageCall{method: "GET", id: c.ID, query: map[string]string{"purpose": "   "}}, 400, clip.CodePurposeRequired},
		{"GET with a purpose too long", manageCall{method: "GET", id: c.ID, query: map[string]string{"purpose": strings.Repeat("p", 257)}}, 400, clip.CodePurposeInvalid},
		{"GET with a control character in the purpose", manageCall{method: "GET", id: c.ID, query: map[string]string{"purpose": "case\x07 12"}}, 400, clip.CodePurposeInvalid},
		{"GET anonymous", manageCall{method: "GET", id: c.ID, anonymous: true}, 401, clip.CodeAuthenticationRequired},
		{"POST anonymous", manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold, anonymous: true, headers: map[string]string{"If-Match": etag}, body: body(functions.ManageRequest{Justification: "x"})}, 401, clip.CodeAuthenticationRequired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := e.h.manage(t, tc.call)
			if a.status != tc.status || a.problem().Code != tc.code || a.problem().Message == "" {
				t.Fatalf("got %d %s, want %d %s", a.status, a.body, tc.status, tc.code)
			}
		})
	}
	if got := e.get(c); got.ETag != c.ETag {
		t.Fatal("a refused request changed the record")
	}

	// The Query of older hosts is a JSON string of the object.
	old := e.h.manage(t, manageCall{method: "GET", id: c.ID, query: map[string]string{"officer": "mg1"}, queryAsText: true})
	if old.status != 200 || old.ok().Clip.ID != c.ID {
		t.Fatalf("GET: %d %s", old.status, old.body)
	}
	// Setting a hold twice: the second is answered unchanged, with no entry.
	first := e.h.post(t, c.ID, functions.ActionSetLegalHold, old.ok().ETag, body(functions.ManageRequest{Justification: "hold"}))
	second := e.h.post(t, c.ID, functions.ActionSetLegalHold, first.ETag, body(functions.ManageRequest{Justification: "hold again"}))
	if !first.Changed || second.Changed || second.ETag != first.ETag {
		t.Fatalf("repeat hold: first %v second %v", first.Changed, second.Changed)
	}
	// The read is in the trail too (consulted), once.
	if es, _ := e.records.ListAudit(context.Background(), c.ID); len(es) != 3 || es[1].Action != audit.ActionConsulted || es[2].Action != audit.ActionHoldSet {
		t.Fatalf("%d audit entries, want received + consulted (the GET) + one hold: %+v", len(es), es)
	}
	tags, err := e.blobs.Tags(context.Background(), "uploads", "m/clip.mp4")
	if err != nil || tags[clip.TagLegalHold] != "true" || tags[clip.TagBackstop] != clip.BackstopKeep {
		t.Fatalf("index tags after hold: %v %v", tags, err)
	}
	// Link, then unlink: the schedule follows (incident-linked is held).
	linked := e.h.post(t, c.ID, functions.ActionClearLegalHold, second.ETag, body(functions.ManageRequest{Justification: "release"}))
	linked = e.h.post(t, c.ID, functions.ActionLinkIncident, linked.ETag, body(functions.ManageRequest{Justification: "CAD", IncidentRefs: []string{"CAD/77"}}))
	if linked.Clip.Retention.Rule != retention.RuleIncidentLinked || !linked.Clip.Retention.HeldUntilReleased {
		t.Fatalf("linked: %+v", linked.Clip.Retention)
	}
	un := e.h.post(t, c.ID, functions.ActionUnlinkIncident, linked.ETag, body(functions.ManageRequest{Justification: "NFA", IncidentRefs: []string{"CAD/77"}}))
	if un.Clip.Retention.Rule != retention.RuleDefault || un.Clip.Retention.RetainUntil == nil || len(un.Clip.IncidentRefs) != 0 {
		t.Fatalf("unlinked: %+v", un.Clip.Retention)
	}
}

// serveApp runs app behind its own in-process funchost server (a copy of a
// retEnv's app with other settings shares its services and clock).
func serveApp(t testing.TB, app *functions.App) *handler {
	t.Helper()
	srv := funchost.NewServer(slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	app.Register(srv)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &handler{url: ts.URL}
}

// TestManageTrustsPrincipalHeadersOnlyWhenConfigured: without the
// platform's authentication (BWV_TRUST_PRINCIPAL_HEADERS off) anyone can
// send X-MS-CLIENT-PRINCIPAL*, so ClipManage ignores them; and since
// nothing else can name a person (the body's actor does not), every read
// and change is refused 401 and nothing is written. With it on, the
// header's principal is the authenticated actor.
func TestManageTrustsPrincipalHeadersOnlyWhenConfigured(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	untrusting := *e.app
	untrusting.Config.TrustPrincipalHeaders = false
	hOff := serveApp(t, &untrusting)
	principal := principalHeader("dpo@force.police.uk", allRoles...)
	forged := map[string]string{"X-MS-CLIENT-PRINCIPAL-NAME": "chief.constable@force.police.uk", "X-MS-CLIENT-PRINCIPAL": principal}
	lastEntry := func(id string) audit.Entry {
		es, err := e.records.ListAudit(context.Background(), id)
		if err != nil || len(es) == 0 {
			t.Fatalf("audit of %s: %v", id, err)
		}
		return es[len(es)-1]
	}
	hold := func(h *handler, c clip.Clip, headers map[string]string, actor string) manageAnswer {
		hs := map[string]string{"If-Match": `"` + e.get(c).ETag + `"`}
		for k, v := range headers {
			hs[k] = v
		}
		return h.manage(t, manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold, headers: hs, anonymous: headers == nil,
			body: functions.ManageRequest{Justification: "claim notified", Actor: actor}})
	}

	// Off: the headers are ignored, even a malformed one, and nobody is
	// authenticated: reads and changes are refused, nothing is written.
	a := e.seed(p, "trust/off.mp4", seedSpec{officer: "TR1", start: e.now.Add(-time.Hour), categories: []string{"uncategorised"}, refs: []string{}, status: clip.StatusVerified})
	for name, r := range map[string]manageAnswer{
		"forged headers":                     hold(hOff, a, forged, ""),
		"forged headers and body actor":      hold(hOff, a, forged, "chief.constable@force.police.uk"),
		"untrusted malformed principal":      hold(hOff, a, map[string]string{"X-MS-CLIENT-PRINCIPAL": "%%%"}, "PC 12 Jones"),
		"body actor only":                    hold(hOff, a, nil, "PC 12 Jones"),
		"read with forged headers":           hOff.manage(t, manageCall{method: "GET", id: a.ID, headers: forged}),
		"read with a purpose and no headers": hOff.manage(t, manageCall{method: "GET", id: a.ID, anonymous: true}),
	} {
		if r.status != 401 || r.problem().Code != clip.CodeAuthenticationRequired || r.headers["WWW-Authenticate"] == "" {
			t.Errorf("%s, authentication off: %d %s", name, r.status, r.body)
		}
	}
	if got := e.get(a); got.ETag != a.ETag || len(e.auditEntries(a.ID)) != 1 {
		t.Fatal("a refused request wrote something")
	}

	// On: the platform's principal is the authenticated actor; a principal
	// the platform would never send is refused; no principal is 401.
	c := e.seed(p, "trust/on.mp4", seedSpec{officer: "TR1", start: e.now.Add(-time.Hour), categories: []string{"uncategorised"}, refs: []string{}, status: clip.StatusVerified})
	if r := hold(e.h, c, map[string]string{"X-MS-CLIENT-PRINCIPAL": "%%%"}, ""); r.status != 400 || r.problem().Code != clip.CodePrincipalMalformed {
		t.Fatalf("trusted malformed principal: %d %s", r.status, r.body)
	}
	if r := hold(e.h, c, nil, "PC 12 Jones"); r.status != 401 || r.problem().Code != clip.CodeAuthenticationRequired {
		t.Fatalf("no principal, body actor: %d %s", r.status, r.body)
	}
	// A name in the body is ignored: the principal is the actor.
	r := hold(e.h, c, map[string]string{"X-MS-CLIENT-PRINCIPAL": principal}, "PC 12 Jones")
	if r.status != 200 || r.ok().Actor.Name != "dpo@force.police.uk" || !r.ok().Actor.Authenticated {
		t.Fatalf("trusted: %d %s", r.status, r.body)
	}
	if en := lastEntry(c.ID); en.Actor != "dpo@force.police.uk" || !en.ActorAuthenticated {
		t.Fatalf("trusted audit entry: actor %q authenticated %v", en.Actor, en.ActorAuthenticated)
	}
}

func (e *retEnv) auditEntries(id string) []audit.Entry {
	e.t.Helper()
	es, err := e.records.ListAudit(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}
