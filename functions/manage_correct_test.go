package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/config"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// quarantinedForOfficer uploads content whose only broken rule is its
// officer id (the declared hash is declaredOf's), runs it through ClipIngest
// and ClipVerify (which moves it to quarantine) and returns the record, in
// the UNATTRIBUTED partition.
func (e *env) quarantinedForOfficer(name string, content, declaredOf []byte) clip.Clip {
	e.t.Helper()
	meta := clipMeta(declaredOf, "AB-12", time.Now().Add(-2*time.Hour))
	etag := e.upload(name, content, meta)
	msg := e.ingest(e.blobEvent("devstoreaccount1", name, etag, "0000000000000001", int64(len(content))))
	if msg == nil {
		e.t.Fatal("no verify message for a quarantined clip")
	}
	if st := e.verify(e.h, msg, 1); st != 200 {
		e.t.Fatalf("verify: %d", st)
	}
	c := e.clip(clip.UnattributedOfficer, clip.ID("devstoreaccount1", "uploads", name, etag))
	if c.Status != clip.StatusQuarantined || !slices.Equal(reasonCodes(c), []clip.Code{clip.CodeOfficerIDInvalid}) || c.Quarantine == nil {
		e.t.Fatalf("setup: status %s reasons %v quarantine %+v", c.Status, reasonCodes(c), c.Quarantine)
	}
	return c
}

func (e *env) correct(c clip.Clip, etag string, m functions.MetadataCorrection, headers map[string]string) manageAnswer {
	e.t.Helper()
	hs := map[string]string{"If-Match": `"` + etag + `"`}
	for k, v := range headers {
		hs[k] = v
	}
	return e.h.manage(e.t, manageCall{method: "POST", id: c.ID, action: functions.ActionCorrectMetadata, headers: hs,
		body: functions.ManageRequest{Justification: "collar number mistyped at the dock; confirmed with the officer's sergeant", Actor: "PC 1 Local", Metadata: &m}})
}

func verifyOutput(t *testing.T, a manageAnswer) json.RawMessage {
	t.Helper()
	m, ok := a.outputs["verify"]
	if !ok || m == nil {
		t.Fatalf("the correction queued no clip-verify message: outputs %v", a.outputs)
	}
	b, _ := json.Marshal(m)
	return b
}

// A clip quarantined only for a bad officer id lives in the UNATTRIBUTED
// partition. Correcting the officer moves the record to the officer's
// partition (the old one is gone, the name claim follows, the audit chain
// continues), leaves it quarantined pending verification, and ClipVerify
// then hashes the quarantined copy and makes it verified, its content left
// where it is and its retention following the corrected categories.
func TestCorrectMetadataMovesTheOfficerAndVerifies(t *testing.T) {
	e := newEnv(t, map[string]string{"BWV_TRUST_PRINCIPAL_HEADERS": "true"})
	content := randomBytes(t, 8<<10)
	c := e.quarantinedForOfficer("fix/officer.mp4", content, content)
	before := len(e.auditOf(c.ID))

	a := e.correct(c, c.ETag, functions.MetadataCorrection{OfficerID: to.Ptr("ab12"), Categories: []string{"evidential"}},
		asPerson("DC 4471 Smith", config.DefaultRoleProtect, config.DefaultRoleRead)) // evidential: kept longer than quarantine, so protect suffices (read: to see the record in the answer)
	if a.status != 200 {
		t.Fatalf("correction: %d %s", a.status, a.body)
	}
	got := a.ok().Clip
	if got.OfficerID != "AB12" || got.Status != clip.StatusQuarantined || !slices.Equal(reasonCodes(got), []clip.Code{clip.CodeVerificationPending}) {
		t.Fatalf("after the correction: officer %s status %s reasons %v", got.OfficerID, got.Status, reasonCodes(got))
	}
	if got.CategoriesSetBy != "DC 4471 Smith" || !slices.Equal(got.Categories, []string{"evidential"}) {
		t.Fatalf("categories %v set by %q", got.Categories, got.CategoriesSetBy)
	}
	if _, err := e.records.GetClip(context.Background(), clip.UnattributedOfficer, c.ID); !clip.IsKind(err, clip.NotFound) {
		t.Fatalf("the old record in UNATTRIBUTED must be gone after the move: %v", err)
	}
	if r := e.h.manage(t, manageCall{method: "GET", id: c.ID}); r.status != 200 || r.ok().Clip.OfficerID != "AB12" {
		t.Fatalf("GET by id after the move: %d %s", r.status, r.body)
	}
	claim, err := e.records.GetNameClaim(context.Background(), clip.NameKey(c.Blob.Account, c.Blob.Container, c.Blob.Name))
	if err != nil || claim.Officer != "AB12" {
		t.Fatalf("name claim %+v %v: must name the new partition", claim, err)
	}

	if st := e.verify(e.h, verifyOutput(t, a), 1); st != 200 {
		t.Fatalf("verify after the correction: %d\n%s", st, e.h.log())
	}
	v := e.clip("AB12", c.ID)
	if v.Status != clip.StatusVerified || len(v.Reasons) != 0 || v.SHA256.Computed != v.SHA256.Declared || v.SHA256.Declared != c.SHA256.Declared {
		t.Fatalf("after verification: status %s reasons %v hashes %+v", v.Status, reasonCodes(v), v.SHA256)
	}
	if v.Quarantine == nil || *v.Quarantine != *c.Quarantine || !bytes.Equal(e.download(v.Quarantine.Container, v.Quarantine.Name), content) {
		t.Fatalf("the content must stay where it is: %+v", v.Quarantine)
	}
	if v.Retention.Quarantined || v.Retention.Rule != "category:evidential" {
		t.Fatalf("retention must follow the categories now: %+v", v.Retention)
	}

	es := e.auditOf(c.ID)
	if err := audit.Verify(c.ID, slices.Clone(es), v.Audit); err != nil {
		t.Fatalf("the chain must continue across the move: %v", err)
	}
	// Reads add consulted entries (the GET above): the changes are the rest.
	es = slices.DeleteFunc(slices.Clone(es), func(en audit.Entry) bool { return en.Action == audit.ActionConsulted })
	if len(es) != before+2 {
		t.Fatalf("%d entries, want %d + correction + verified: %v", len(es), before, actionsOf(es))
	}
	corr := es[before]
	if corr.Action != audit.ActionMetadataCorrected || corr.Actor != "DC 4471 Smith" || !corr.ActorAuthenticated ||
		corr.Justification != "collar number mistyped at the dock; confirmed with the officer's sergeant" ||
		corr.Details["fromOfficerId"] != clip.UnattributedOfficer || corr.Details["toOfficerId"] != "AB12" ||
		corr.Details["fromReasons"] != string(clip.CodeOfficerIDInvalid) || corr.Details["fromCategories"] != "uncategorised" ||
		corr.Details["toCategories"] != "evidential" || corr.Details["fromPartition"] != clip.UnattributedOfficer {
		t.Fatalf("correction entry: %+v", corr)
	}
	if es[before+1].Action != audit.ActionVerified {
		t.Fatalf("last entry %s, want %s", es[before+1].Action, audit.ActionVerified)
	}

	// Verified now: a second correction is refused.
	if r := e.correct(v, v.ETag, functions.MetadataCorrection{DeviceID: to.Ptr("CAM-1")}, nil); r.status != 409 || r.problem().Code != clip.CodeClipNotQuarantined {
		t.Fatalf("correcting a verified clip: %d %s", r.status, r.body)
	}
}

// A clip whose content does not match its declared hash stays quarantined
// after its metadata is corrected: ClipVerify finds HASH_MISMATCH.
func TestCorrectMetadataLeavesAWrongHashQuarantined(t *testing.T) {
	e := newEnv(t, nil)
	content := randomBytes(t, 4<<10)
	c := e.quarantinedForOfficer("fix/wronghash.mp4", content, []byte("what the dock says it sent"))
	// Once verified, an uncategorised clip would be due 31 days after
	// recording instead of a year of quarantine: deletion earlier, so the
	// protect role alone is refused (the classification is made on the
	// schedule the clip gets once verified).
	if r := e.correct(c, c.ETag, functions.MetadataCorrection{OfficerID: to.Ptr("CD34")}, asPerson("PS 2 Protect", config.DefaultRoleProtect)); r.status != 403 || r.problem().Code != clip.CodeRoleRequired {
		t.Fatalf("protect-only correction that brings deletion earlier: %d %s", r.status, r.body)
	}
	a := e.correct(c, c.ETag, functions.MetadataCorrection{OfficerID: to.Ptr("CD34")}, asPerson("PS 3 Release", config.DefaultRoleRelease))
	if a.status != 200 {
		t.Fatalf("correction: %d %s", a.status, a.body)
	}
	if st := e.verify(e.h, verifyOutput(t, a), 1); st != 200 {
		t.Fatalf("verify: %d", st)
	}
	v := e.clip("CD34", c.ID)
	if v.Status != clip.StatusQuarantined || !slices.Equal(reasonCodes(v), []clip.Code{clip.CodeHashMismatch}) || v.SHA256.Computed == v.SHA256.Declared {
		t.Fatalf("status %s reasons %v hashes %+v; want quarantined with HASH_MISMATCH", v.Status, reasonCodes(v), v.SHA256)
	}
	if !v.Retention.Quarantined || !bytes.Equal(e.download(v.Quarantine.Container, v.Quarantine.Name), content) {
		t.Fatalf("retention %+v: must stay under the quarantine rule, content in place", v.Retention)
	}
}

// A correction that still breaks the contract changes nothing and answers
// 400 CORRECTION_INVALID with every reason; the hash is never correctable.
func TestCorrectMetadataRefusesAnInvalidCorrection(t *testing.T) {
	e := newEnv(t, nil)
	content := randomBytes(t, 1<<10)
	c := e.quarantinedForOfficer("fix/invalid.mp4", content, content)
	entries := len(e.auditOf(c.ID))

	a := e.correct(c, c.ETag, functions.MetadataCorrection{OfficerID: to.Ptr("AB-99"), RecordedEnd: to.Ptr("2000-01-01T00:00:00Z"), Categories: []string{"no-such-category"}}, nil)
	p := a.problem()
	var body struct {
		Reasons []clip.Reason `json:"reasons"`
	}
	_ = json.Unmarshal(a.body, &body)
	var codes []clip.Code
	for _, r := range body.Reasons {
		codes = append(codes, r.Code)
	}
	want := []clip.Code{clip.CodeCategoryUnknown, clip.CodeOfficerIDInvalid, clip.CodeRecordedEndNotAfter}
	if a.status != 400 || p.Code != clip.CodeCorrectionInvalid || !slices.Equal(codes, want) {
		t.Fatalf("invalid correction: %d %s; want 400 %s with %v", a.status, a.body, clip.CodeCorrectionInvalid, want)
	}
	if a.outputs["verify"] != nil {
		t.Fatal("a refused correction must queue nothing")
	}
	for _, tc := range []struct {
		m    functions.MetadataCorrection
		code clip.Code
	}{
		{functions.MetadataCorrection{SHA256: to.Ptr(c.SHA256.Declared)}, clip.CodeHashNotCorrectable},
		{functions.MetadataCorrection{}, clip.CodeCorrectionEmpty},
	} {
		if r := e.correct(c, c.ETag, tc.m, nil); r.status != 400 || r.problem().Code != tc.code {
			t.Errorf("%+v: %d %s; want 400 %s", tc.m, r.status, r.body, tc.code)
		}
	}
	if r := e.h.manage(t, manageCall{method: "POST", id: c.ID, action: functions.ActionCorrectMetadata, body: functions.ManageRequest{Justification: "x", Actor: "y"}}); r.status != 400 || r.problem().Code != clip.CodeCorrectionEmpty {
		t.Errorf("no metadata object: %d %s", r.status, r.body)
	}
	if r := e.h.manage(t, manageCall{method: "POST", id: c.ID, action: functions.ActionReclassify, headers: map[string]string{"If-Match": `"` + c.ETag + `"`},
		body: functions.ManageRequest{Justification: "x", Actor: "y", Categories: []string{"evidential"}, Metadata: &functions.MetadataCorrection{DeviceID: to.Ptr("CAM-2")}}}); r.status != 400 || r.problem().Code != clip.CodeRequestMalformed {
		t.Errorf("metadata on another action: %d %s", r.status, r.body)
	}
	// Content not moved to quarantine yet: refused until ClipVerify has.
	pending := randomBytes(t, 1<<10)
	petag := e.upload("fix/pending.mp4", pending, clipMeta(pending, "AB-12", time.Now().Add(-time.Hour)))
	if e.ingest(e.blobEvent("devstoreaccount1", "fix/pending.mp4", petag, "0000000000000001", int64(len(pending)))) == nil {
		t.Fatal("no verify message")
	}
	pc := e.clip(clip.UnattributedOfficer, clip.ID("devstoreaccount1", "uploads", "fix/pending.mp4", petag))
	if r := e.correct(pc, pc.ETag, functions.MetadataCorrection{OfficerID: to.Ptr("AB12")}, nil); r.status != 409 || r.problem().Code != clip.CodeCorrectionMovePending {
		t.Errorf("correction before the move: %d %s", r.status, r.body)
	}
	after := e.clip(clip.UnattributedOfficer, c.ID)
	if after.ETag != c.ETag || len(e.auditOf(c.ID)) != entries {
		t.Fatalf("a refused correction changed the record (etag %s→%s) or the trail", c.ETag, after.ETag)
	}
}

func (r faultInjectingRecords) CreateClip(ctx context.Context, c clip.Clip) (clip.Clip, error) {
	if !r.f.after && r.f.hit("CreateClip") {
		return c, errFakeCrash
	}
	out, err := r.fakeServerClockRecords.CreateClip(ctx, c)
	if err == nil && r.f.after && r.f.hit("CreateClip") {
		return c, errFakeCrash
	}
	return out, err
}

func (r faultInjectingRecords) DeleteClip(ctx context.Context, officer, id, etag string) error {
	if !r.f.after && r.f.hit("DeleteClip") {
		return errFakeCrash
	}
	err := r.fakeServerClockRecords.DeleteClip(ctx, officer, id, etag)
	if err == nil && r.f.after && r.f.hit("DeleteClip") {
		return errFakeCrash
	}
	return err
}

// A partition move interrupted at any step (a fake makes the step fail,
// before or after its effect landed) converges when the person repeats the
// request with ?officer=<old officer> and the same If-Match: one record,
// under the new officer, one correction entry, a chain that verifies.
func TestCorrectMetadataMoveConvergesAfterACrash(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	ctx := context.Background()
	for i, f := range []*fault{
		{op: "AppendAudit", n: 1, after: true},
		{op: "CreateClip", n: 1, after: false},
		{op: "CreateClip", n: 1, after: true},
		{op: "DeleteClip", n: 1, after: false},
		{op: "DeleteClip", n: 1, after: true},
	} {
		step := f.op + fmt.Sprintf(" call %d after=%v", f.n, f.after)
		c := e.seed(p, fmt.Sprintf("move/%d.mp4", i), seedSpec{officer: clip.UnattributedOfficer, start: e.now.Add(-time.Hour),
			categories: []string{clip.Uncategorised}, refs: []string{}, status: clip.StatusQuarantined, quarantined: true})
		c.Reasons = []clip.Reason{{Code: clip.CodeOfficerIDInvalid, Field: clip.KeyOfficerID, Message: "bad"}}
		c, err := e.records.ReplaceClip(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		call := manageCall{method: "POST", id: c.ID, action: functions.ActionCorrectMetadata, query: map[string]string{"officer": clip.UnattributedOfficer},
			headers: map[string]string{"If-Match": `"` + c.ETag + `"`},
			body:    functions.ManageRequest{Justification: "collar number mistyped", Actor: "PC 1", Metadata: &functions.MetadataCorrection{OfficerID: to.Ptr("MV1")}}}
		app := *e.app
		app.Records = faultInjectingRecords{e.clocked, f}
		if r := serveApp(t, &app).manage(t, call); r.status == 200 {
			t.Fatalf("%s: the injected crash did not fail the request: %s", step, r.body)
		}
		if !f.fired {
			t.Fatalf("%s never fired", step)
		}
		r := e.h.manage(t, call)
		if r.status == 404 && r.problem().Code == clip.CodeClipNotFound {
			// The move had finished (only its answer was lost): GET by id
			// shows the record under its new officer.
			r = e.h.manage(t, manageCall{method: "GET", id: c.ID})
		}
		if r.status != 200 || r.ok().Clip.OfficerID != "MV1" {
			t.Fatalf("%s: the repeated request: %d %s", step, r.status, r.body)
		}
		if _, err := e.records.GetClip(ctx, clip.UnattributedOfficer, c.ID); !clip.IsKind(err, clip.NotFound) {
			t.Fatalf("%s: the old record is still there: %v", step, err)
		}
		moved := e.get(clip.Clip{OfficerID: "MV1", ID: c.ID})
		es, err := e.records.ListAudit(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := audit.Verify(c.ID, slices.Clone(es), moved.Audit); err != nil {
			t.Fatalf("%s: chain: %v", step, err)
		}
		n := 0
		for _, en := range es {
			if en.Action == audit.ActionMetadataCorrected {
				n++
			}
		}
		if n != 1 || !slices.Equal(reasonCodes(moved), []clip.Code{clip.CodeVerificationPending}) {
			t.Fatalf("%s: %d correction entries (%v), reasons %v", step, n, actionsOf(es), reasonCodes(moved))
		}
	}
}

// racingDeleteRecords is a fake: the real adapter, except that just before
// the first DeleteClip another writer changes the record being deleted.
type racingDeleteRecords struct {
	fakeServerClockRecords
	raced *atomic.Bool
}

func (r racingDeleteRecords) DeleteClip(ctx context.Context, officer, id, etag string) error {
	if r.raced.CompareAndSwap(false, true) {
		c, err := r.GetClip(ctx, officer, id)
		if err != nil {
			return err
		}
		c.StationID = "RACE-1"
		if _, err := r.ReplaceClip(ctx, c); err != nil {
			return err
		}
	}
	return r.fakeServerClockRecords.DeleteClip(ctx, officer, id, etag)
}

// A change to the record while it is being moved wins: the copy in the new
// partition is removed again, the old record (with the other change) stays,
// and the answer is 412 CONCURRENT_UPDATE. Nothing is lost or duplicated.
func TestCorrectMetadataMoveYieldsToAConcurrentChange(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	ctx := context.Background()
	c := e.seed(p, "move/race.mp4", seedSpec{officer: clip.UnattributedOfficer, start: e.now.Add(-time.Hour),
		categories: []string{clip.Uncategorised}, refs: []string{}, status: clip.StatusQuarantined, quarantined: true})
	c.Reasons = []clip.Reason{{Code: clip.CodeOfficerIDInvalid, Field: clip.KeyOfficerID, Message: "bad"}}
	c, err := e.records.ReplaceClip(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	app := *e.app
	app.Records = racingDeleteRecords{e.clocked, &atomic.Bool{}}
	r := serveApp(t, &app).manage(t, manageCall{method: "POST", id: c.ID, action: functions.ActionCorrectMetadata,
		headers: map[string]string{"If-Match": `"` + c.ETag + `"`},
		body:    functions.ManageRequest{Justification: "collar number mistyped", Actor: "PC 1", Metadata: &functions.MetadataCorrection{OfficerID: to.Ptr("RC1")}}})
	if r.status != 412 || r.problem().Code != clip.CodeConcurrentUpdate {
		t.Fatalf("move raced by another change: %d %s", r.status, r.body)
	}
	if _, err := e.records.GetClip(ctx, "RC1", c.ID); !clip.IsKind(err, clip.NotFound) {
		t.Fatalf("the copy in the new partition must be removed again: %v", err)
	}
	if old := e.get(c); old.StationID != "RACE-1" || old.OfficerID != clip.UnattributedOfficer {
		t.Fatalf("the old record with the other change must stay: %+v", old)
	}
}
