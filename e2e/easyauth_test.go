package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/devhost"
)

// The same access path as in Azure, locally: the host emulates App Service
// Authentication in front of ClipManage, so without a bearer token — with
// or without forged X-MS-CLIENT-PRINCIPAL headers — the answer is 401 and
// the handler never runs; with a token from `bwv token` the handler reads
// the person from the principal headers the host injected (the same code
// as behind Easy Auth), and the audit trail names that person as the
// authenticated actor, never the forged one.
func TestClipManageNeedsAToken(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	c := p.uploadAt(t, "auth/clip.mp4", "ef9012", time.Now().Add(-2*time.Hour))
	forgedPrincipal := base64.StdEncoding.EncodeToString([]byte(
		`{"auth_typ":"aad","claims":[{"typ":"name","val":"Chief Constable"},{"typ":"roles","val":"BWV.Clips.Read"},{"typ":"roles","val":"BWV.Clips.Protect"},{"typ":"roles","val":"BWV.Clips.Release"}],"name_typ":"name","role_typ":"roles"}`))

	raw := func(method, action, token string, forge bool, ifMatch string, body string) (int, string, []byte) {
		t.Helper()
		url := p.target.HostURL + "/api/clips/" + c.ClipID
		if action != "" {
			url += "/" + action
		}
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("x-functions-key", p.target.FunctionKey)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if forge {
			req.Header.Set("X-MS-CLIENT-PRINCIPAL", forgedPrincipal)
			req.Header.Set("X-MS-CLIENT-PRINCIPAL-NAME", "Chief Constable")
			req.Header.Set("X-MS-CLIENT-PRINCIPAL-IDP", "aad")
		}
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var a struct{ Code string }
		_ = json.Unmarshal(b, &a)
		return resp.StatusCode, a.Code, b
	}

	otherKey := filepath.Join(t.TempDir(), "other-key")
	stdout, stderr, code := runCLI(t, "token", "--name", "PS 2201 Patel", "--key", otherKey)
	if code != 0 {
		t.Fatalf("bwv token with another key: %d %s", code, stderr)
	}
	foreign := strings.TrimSpace(stdout)
	for _, r := range []struct {
		name, method, action, token string
		forge                       bool
		want                        string
	}{
		{"GET without a token", http.MethodGet, "", "", false, string(devhost.CodeTokenMissing)},
		{"GET with a forged principal, no token", http.MethodGet, "", "", true, string(devhost.CodeTokenMissing)},
		{"change with a forged principal, no token", http.MethodPost, "set-legal-hold", "", true, string(devhost.CodeTokenMissing)},
		{"token signed by another key", http.MethodGet, "", foreign, true, string(devhost.CodeTokenSignature)},
		{"not a token", http.MethodGet, "", "forged.by.hand", true, string(devhost.CodeTokenMalformed)},
	} {
		if st, code, b := raw(r.method, r.action, r.token, r.forge, "", `{"justification":"x","actor":"Chief Constable"}`); st != http.StatusUnauthorized || code != r.want {
			t.Errorf("%s: %d %s, want 401 %s", r.name, st, b, r.want)
		}
	}

	// A token from `bwv token` reads the clip...
	tok := p.token(t, "PS 2201 Patel", roleRead, roleProtect)
	g := p.manageCallAs(t, tok, http.MethodGet, c.ClipID, "", "", nil)
	if g.Status != http.StatusOK || g.Clip.ID != c.ClipID || g.ETagHeader == "" {
		t.Fatalf("GET with a token: %d %s", g.Status, g.Raw)
	}
	// ...and changes it as that person, even with forged headers and a
	// different "actor" in the body.
	st, _, b := raw(http.MethodPost, "set-legal-hold", tok, true, g.ETagHeader,
		`{"justification":"complaint received, ref PSD/2026/17","actor":"Chief Constable"}`)
	var changed manageAnswer
	if err := json.Unmarshal(b, &changed); err != nil || st != http.StatusOK || !changed.Changed || changed.Actor == nil ||
		changed.Actor.Name != "PS 2201 Patel" || !changed.Actor.Authenticated {
		t.Fatalf("set legal hold with a token and forged headers: %d %s; want 200 by PS 2201 Patel, authenticated", st, b)
	}
	trail := p.manageCallAs(t, tok, http.MethodGet, c.ClipID, "", "", nil)
	if !slices.Equal(trail.actions(), []string{"received", "verified", "consulted", "legal-hold-set", "consulted"}) {
		t.Fatalf("trail %v", trail.actions())
	}
	hold := trail.entry(t, "legal-hold-set")
	if hold.Actor != "PS 2201 Patel" || !hold.ActorAuthenticated || hold.Justification != "complaint received, ref PSD/2026/17" {
		t.Fatalf("legal-hold-set entry %+v; want PS 2201 Patel, authenticated", hold)
	}
	if strings.Contains(string(trail.Raw), "Chief Constable") {
		t.Fatalf("the forged name reached the trail: %s", trail.Raw)
	}
}
