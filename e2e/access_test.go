package e2e

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// The access model end to end, through the local host's Easy Auth
// emulation with tokens from `bwv token`: no token (with or without a
// forged principal) is 401 from the host; the read role reads but cannot
// change; the protect role sets a hold, the release role clears it; a read
// needs a purpose, and each read adds exactly one "consulted" entry naming
// the token's person; the chain verifies with `bwv audit verify`.
func TestClipManageRolesAndConsultationThroughLocalHost(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	c := p.uploadAt(t, "access/clip.mp4", "gh3456", time.Now().Add(-3*time.Hour))
	const purpose = "purpose=" + "PSD%2F2026%2F31+complaint+review"

	// No token: the host answers 401; a forged principal changes nothing.
	if a := p.manageCallQuery(t, "", http.MethodGet, c.ClipID, "", purpose, "", nil); a.Status != http.StatusUnauthorized {
		t.Fatalf("GET without a token: %d %s", a.Status, a.Raw)
	}
	forged := base64.StdEncoding.EncodeToString([]byte(`{"auth_typ":"aad","name_typ":"name","role_typ":"roles","claims":[{"typ":"name","val":"Chief Constable"},{"typ":"roles","val":"BWV.Clips.Read"}]}`))
	req, _ := http.NewRequest(http.MethodGet, p.target.HostURL+"/api/clips/"+c.ClipID+"?"+purpose, nil)
	req.Header.Set("x-functions-key", p.target.FunctionKey)
	req.Header.Set("X-MS-CLIENT-PRINCIPAL", forged)
	req.Header.Set("X-MS-CLIENT-PRINCIPAL-NAME", "Chief Constable")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET with a forged principal and no token: %d, want 401", resp.StatusCode)
	}

	reader := p.token(t, "DC 5101 Reader", roleRead)
	protector := p.token(t, "PS 5102 Protector", roleRead, roleProtect)
	releaser := p.token(t, "DI 5103 Releaser", roleRead, roleRelease)
	hold := map[string]any{"justification": "complaint received, ref PSD/2026/31"}

	// A read needs a purpose: 400, and nothing is logged.
	if a := p.manageCallQuery(t, reader, http.MethodGet, c.ClipID, "", "", "", nil); a.Status != http.StatusBadRequest || a.Code != string(clip.CodePurposeRequired) {
		t.Fatalf("GET without purpose: %d %s", a.Status, a.Raw)
	}
	consulted := 0
	read := func(token, person string) manageAnswer {
		t.Helper()
		a := p.manageCallQuery(t, token, http.MethodGet, c.ClipID, "", purpose, "", nil)
		if a.Status != http.StatusOK || a.AuditChain == nil || !a.AuditChain.Verified {
			t.Fatalf("GET as %s: %d %s", person, a.Status, a.Raw)
		}
		n := 0
		for _, e := range a.Audit {
			if e.Action == "consulted" {
				n++
			}
		}
		last := a.Audit[len(a.Audit)-1]
		if consulted++; n != consulted || last.Action != "consulted" || last.Actor != person || !last.ActorAuthenticated ||
			last.Justification != "PSD/2026/31 complaint review" {
			t.Fatalf("GET as %s: %d consulted entries (want %d), last %+v", person, n, consulted, last)
		}
		return a
	}

	// Read role only: reads, but cannot set a hold.
	g := read(reader, "DC 5101 Reader")
	if a := p.manageCallAs(t, reader, http.MethodPost, c.ClipID, "set-legal-hold", g.ETagHeader, hold); a.Status != http.StatusForbidden ||
		a.Code != string(clip.CodeRoleRequired) || !strings.Contains(a.Message, roleProtect) {
		t.Fatalf("set hold with the read role only: %d %s", a.Status, a.Raw)
	}
	// Protect: sets the hold; cannot clear it.
	g = read(protector, "PS 5102 Protector")
	h := p.manageCallAs(t, protector, http.MethodPost, c.ClipID, "set-legal-hold", g.ETagHeader, hold)
	if h.Status != http.StatusOK || !h.Clip.Retention.LegalHold || h.Actor == nil || h.Actor.Name != "PS 5102 Protector" {
		t.Fatalf("set hold with the protect role: %d %s", h.Status, h.Raw)
	}
	clear := map[string]any{"justification": "complaint closed, no further action"}
	if a := p.manageCallAs(t, protector, http.MethodPost, c.ClipID, "clear-legal-hold", h.ETagHeader, clear); a.Status != http.StatusForbidden ||
		a.Code != string(clip.CodeRoleRequired) || !strings.Contains(a.Message, roleRelease) {
		t.Fatalf("clear hold with the protect role only: %d %s", a.Status, a.Raw)
	}
	// Release: clears it (no assertion on when it becomes due).
	g = read(releaser, "DI 5103 Releaser")
	r := p.manageCallAs(t, releaser, http.MethodPost, c.ClipID, "clear-legal-hold", g.ETagHeader, clear)
	if r.Status != http.StatusOK || r.Clip.Retention.LegalHold || r.Actor == nil || r.Actor.Name != "DI 5103 Releaser" {
		t.Fatalf("clear hold with the release role: %d %s", r.Status, r.Raw)
	}
	final := read(reader, "DC 5101 Reader")
	if got, want := strings.Join(final.actions(), ","), "received,verified,consulted,consulted,legal-hold-set,consulted,legal-hold-cleared,consulted"; got != want {
		t.Fatalf("trail %s, want %s", got, want)
	}
	if out, errOut, code := p.auditVerify(t, "--clip", c.ClipID); code != 0 || !strings.HasPrefix(out, "ok") {
		t.Fatalf("bwv audit verify --clip: exit %d\n%s%s", code, out, errOut)
	}
}
