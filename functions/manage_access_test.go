package functions_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/config"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// TestManageRolesFollowTheSchedule: the role a change needs is decided by
// what it does to the clip's schedule, not by its name — protect when it
// keeps footage at least as long, release when it can make it due sooner —
// and no role implies another. A refused change writes nothing.
func TestManageRolesFollowTheSchedule(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "roles/clip.mp4", seedSpec{officer: "RO1", start: e.now.Add(-time.Hour), categories: []string{"uncategorised"}, refs: []string{}, status: clip.StatusVerified})
	const (
		read    = config.DefaultRoleRead
		protect = config.DefaultRoleProtect
		release = config.DefaultRoleRelease
	)
	call := func(action, person string, roles []string, b functions.ManageRequest) manageAnswer {
		b.Justification = "roles test"
		return e.h.manage(t, manageCall{method: "POST", id: c.ID, action: action,
			headers: map[string]string{"If-Match": `"` + e.get(c).ETag + `"`, "X-MS-CLIENT-PRINCIPAL": principalHeader(person, roles...)}, body: b})
	}
	refused := func(what string, a manageAnswer, role string) {
		t.Helper()
		if a.status != 403 || a.problem().Code != clip.CodeRoleRequired || !strings.Contains(a.problem().Message, role) {
			t.Fatalf("%s: %d %s, want 403 ROLE_REQUIRED naming %s", what, a.status, a.body, role)
		}
	}
	done := func(what string, a manageAnswer, person string) functions.ManageResponse {
		t.Helper()
		if a.status != 200 || !a.ok().Changed || a.ok().Actor.Name != person {
			t.Fatalf("%s: %d %s", what, a.status, a.body)
		}
		return a.ok()
	}
	hold := functions.ManageRequest{}
	evidential := functions.ManageRequest{Categories: []string{"evidential"}}
	plain := functions.ManageRequest{Categories: []string{"uncategorised"}}
	cad := functions.ManageRequest{IncidentRefs: []string{"CAD/9"}}

	// Nobody with no role, or only the read role, changes anything.
	refused("hold, no roles", call(functions.ActionSetLegalHold, "PC 1 None", nil, hold), protect)
	refused("hold, read only", call(functions.ActionSetLegalHold, "PC 2 Reader", []string{read}, hold), protect)
	refused("read, protect only", e.h.manage(t, manageCall{method: "GET", id: c.ID, headers: asPerson("PS 3 Protector", protect, release)}), read)

	// Keeps longer: protect; release alone is not enough.
	refused("hold, release only", call(functions.ActionSetLegalHold, "DPO Releaser", []string{release}, hold), protect)
	// Without the read role the answer withholds the record: a change is not
	// a way to read a clip without a purpose and a consulted entry.
	if r := done("hold, protect", call(functions.ActionSetLegalHold, "PS 3 Protector", []string{protect}, hold), "PS 3 Protector"); r.Clip.OfficerID != "" || r.Clip.Blob.Name != "" || r.Withheld == "" || r.Clip.ID != c.ID {
		t.Fatalf("answer to a caller without the read role carries the record: %+v", r)
	}
	// The same change again changes nothing, and still needs protect.
	refused("hold again, read only", call(functions.ActionSetLegalHold, "PC 2 Reader", []string{read}, hold), protect)
	// Earlier: release; protect alone is not enough.
	refused("clear, protect only", call(functions.ActionClearLegalHold, "PS 3 Protector", []string{protect, read}, hold), release)
	done("clear, release", call(functions.ActionClearLegalHold, "DPO Releaser", []string{release}, hold), "DPO Releaser")

	// Reclassify longer (uncategorised → evidential) is protect; back is release.
	refused("reclassify longer, release only", call(functions.ActionReclassify, "DPO Releaser", []string{release}, evidential), protect)
	if r := done("reclassify longer, protect+read", call(functions.ActionReclassify, "PS 3 Protector", []string{protect, read}, evidential), "PS 3 Protector"); r.Clip.OfficerID != "RO1" || r.Withheld != "" {
		t.Fatalf("answer to a caller with the read role withholds the record: %+v", r)
	}
	refused("reclassify shorter, protect only", call(functions.ActionReclassify, "PS 3 Protector", []string{protect}, plain), release)
	done("reclassify shorter, release", call(functions.ActionReclassify, "DPO Releaser", []string{release}, plain), "DPO Releaser")

	// Linking an incident holds the clip (protect); unlinking releases it.
	done("link, protect", call(functions.ActionLinkIncident, "PS 3 Protector", []string{protect}, cad), "PS 3 Protector")
	refused("unlink, protect only", call(functions.ActionUnlinkIncident, "PS 3 Protector", []string{protect}, cad), release)
	done("unlink, release", call(functions.ActionUnlinkIncident, "DPO Releaser", []string{release}, cad), "DPO Releaser")

	var changes []string
	for _, en := range e.auditEntries(c.ID) {
		changes = append(changes, en.Action+" by "+en.Actor)
	}
	want := []string{"received by test:seed", "legal-hold-set by PS 3 Protector", "legal-hold-cleared by DPO Releaser",
		"reclassified by PS 3 Protector", "reclassified by DPO Releaser", "incident-linked by PS 3 Protector", "incident-unlinked by DPO Releaser"}
	if strings.Join(changes, "; ") != strings.Join(want, "; ") {
		t.Fatalf("trail\n %v\nwant\n %v", changes, want)
	}
}

// TestManageReadsAreConsulted: every GET needs ?purpose= and adds exactly
// one "consulted" entry naming the authenticated reader, with the purpose
// as justification; the answer carries the trail with that entry and the
// ETag after it, which a following change uses.
func TestManageReadsAreConsulted(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "consult/clip.mp4", seedSpec{officer: "CO1", start: e.now.Add(-time.Hour), categories: []string{"uncategorised"}, refs: []string{}, status: clip.StatusVerified})
	if a := e.h.manage(t, manageCall{method: "GET", id: c.ID, noPurpose: true}); a.status != 400 || a.problem().Code != clip.CodePurposeRequired {
		t.Fatalf("no purpose: %d %s", a.status, a.body)
	}
	purpose := strings.Repeat("é", 256) // 256 characters (not bytes) is the limit
	var last functions.ManageResponse
	for i, who := range []string{"DC 1 Reader", "DC 2 Reader"} {
		a := e.h.manage(t, manageCall{method: "GET", id: c.ID, query: map[string]string{"purpose": purpose}, headers: asPerson(who, config.DefaultRoleRead)})
		if a.status != 200 || !a.ok().AuditChain.Verified {
			t.Fatalf("GET %d: %d %s", i, a.status, a.body)
		}
		r := a.ok()
		if n := len(r.Audit); n != 2+i {
			t.Fatalf("GET %d: trail of %d entries, want %d", i, n, 2+i)
		}
		en := r.Audit[len(r.Audit)-1]
		if en.Action != audit.ActionConsulted || en.Actor != who || !en.ActorAuthenticated || en.Justification != purpose {
			t.Fatalf("GET %d: last entry %+v", i, en)
		}
		if normalise(r.ETag) == normalise(c.ETag) || normalise(r.ETag) != normalise(a.headers["ETag"]) || r.Clip.Audit.Seq != en.Seq {
			t.Fatalf("GET %d: ETag %q (header %q), head %+v: the answer must be the record after the consultation", i, r.ETag, a.headers["ETag"], r.Clip.Audit)
		}
		last = r
	}
	// The ETag of the read is the one to change from.
	e.h.post(t, c.ID, functions.ActionSetLegalHold, last.ETag, functions.ManageRequest{Justification: "after reading", Actor: "PS 4"})
	if es := e.auditEntries(c.ID); len(es) != 4 || es[3].Action != audit.ActionHoldSet {
		t.Fatalf("trail %+v", es)
	}
}

func normalise(etag string) string { return strings.Trim(strings.TrimPrefix(etag, "W/"), `"`) }

// raceRecords makes one interleaving of two writers certain: the first
// ReplaceClip (writer A, its audit entry already written) waits until a
// second AppendAudit (writer B, from the same ETag) has returned.
type raceRecords struct {
	functions.Records
	mu                 sync.Mutex
	appends, replaces  int
	firstReplacing     chan struct{}
	secondAppendReturn chan struct{}
}

// count adds one call to *n and returns the new count.
func (r *raceRecords) count(n *int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	*n++
	return *n
}

func (r *raceRecords) AppendAudit(ctx context.Context, id string, head clip.AuditHead, e audit.Entry) (audit.Entry, clip.AuditHead, error) {
	got, h, err := r.Records.AppendAudit(ctx, id, head, e)
	if r.count(&r.appends) == 2 {
		close(r.secondAppendReturn)
	}
	return got, h, err
}

func (r *raceRecords) ReplaceClip(ctx context.Context, c clip.Clip) (clip.Clip, error) {
	if r.count(&r.replaces) == 1 {
		close(r.firstReplacing)
		select {
		case <-r.secondAppendReturn:
		case <-time.After(10 * time.Second):
		}
	}
	return r.Records.ReplaceClip(ctx, c)
}

// TestConcurrentReclassificationsFromOneETag: two people reclassify the
// same clip from the same ETag (so their audit entries have the same
// idempotency key). Exactly one succeeds, the other gets 412, and the
// trail holds exactly the successful change, by its author — on the real
// local Cosmos server through the handler. The forced interleaving is the
// one where adopting the other writer's entry by key alone would let the
// second writer's record land under the first writer's entry.
func TestConcurrentReclassificationsFromOneETag(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	type writer struct{ actor, category string }
	writers := [2]writer{{"PS 1 Alpha", "evidential"}, {"PS 2 Bravo", "non-evidential"}}
	check := func(t *testing.T, c clip.Clip, answers [2]manageAnswer) {
		t.Helper()
		win := -1
		for i, a := range answers {
			switch {
			case a.status == 200 && win < 0:
				win = i
			case a.status == 412 && a.problem().Code == clip.CodeConcurrentUpdate:
			default:
				t.Fatalf("writer %d: %d %s (the other %d)", i, a.status, a.body, answers[1-i].status)
			}
		}
		if win < 0 {
			t.Fatalf("neither writer succeeded: %d %s / %d %s", answers[0].status, answers[0].body, answers[1].status, answers[1].body)
		}
		w := writers[win]
		rec := e.get(c)
		var changes []audit.Entry
		for _, en := range e.auditEntries(c.ID) {
			if en.Action == audit.ActionReclassified {
				changes = append(changes, en)
			}
		}
		if len(changes) != 1 || changes[0].Actor != w.actor || changes[0].Details["toCategories"] != w.category {
			t.Fatalf("trail's reclassifications %+v, want exactly the winner's (%s → %s)", changes, w.actor, w.category)
		}
		if len(rec.Categories) != 1 || rec.Categories[0] != w.category || rec.Audit.Seq != changes[0].Seq || rec.Audit.Hash != changes[0].Hash {
			t.Fatalf("record %v head %+v, want the winner's %s under entry %d", rec.Categories, rec.Audit, w.category, changes[0].Seq)
		}
		if err := audit.Verify(c.ID, e.auditEntries(c.ID), rec.Audit); err != nil {
			t.Fatal(err)
		}
	}
	reclassify := func(h *handler, c clip.Clip, w writer) manageAnswer {
		return h.manage(t, manageCall{method: "POST", id: c.ID, action: functions.ActionReclassify,
			headers: map[string]string{"If-Match": `"` + c.ETag + `"`},
			body:    functions.ManageRequest{Justification: "review by " + w.actor, Actor: w.actor, Categories: []string{w.category}}})
	}

	t.Run("forced interleaving", func(t *testing.T) {
		c := e.seed(p, "race/forced.mp4", seedSpec{officer: "RC1", start: e.now.Add(-time.Hour), categories: []string{"uncategorised"}, refs: []string{}, status: clip.StatusVerified})
		rr := &raceRecords{Records: e.app.Records, firstReplacing: make(chan struct{}), secondAppendReturn: make(chan struct{})}
		app := *e.app
		app.Records = rr
		h := serveApp(t, &app)
		var answers [2]manageAnswer
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); answers[0] = reclassify(h, c, writers[0]) }()
		select {
		case <-rr.firstReplacing:
		case <-time.After(20 * time.Second):
			t.Fatal("the first writer never reached its record write")
		}
		answers[1] = reclassify(h, c, writers[1])
		wg.Wait()
		check(t, c, answers)
	})
	t.Run("free race", func(t *testing.T) {
		for i := range 4 {
			c := e.seed(p, "race/free"+string(rune('a'+i))+".mp4", seedSpec{officer: "RC1", start: e.now.Add(-time.Hour), categories: []string{"uncategorised"}, refs: []string{}, status: clip.StatusVerified})
			var answers [2]manageAnswer
			var wg sync.WaitGroup
			for j := range 2 {
				wg.Add(1)
				go func() { defer wg.Done(); answers[j] = reclassify(e.h, c, writers[j]) }()
			}
			wg.Wait()
			check(t, c, answers)
		}
	})
}
