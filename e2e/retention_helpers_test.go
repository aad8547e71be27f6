package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/internal/wormfake/wormfaketest"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/config"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb/cosmosdbtest"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// e2eMasterKey is given to bwv-host as --master-key. The local host, like
// Core Tools, runs admin invocations without a key; it is sent anyway, as
// Azure's admin API needs it.
const e2eMasterKey = "e2e-master-key"

// manageAnswer is a ClipManage answer as it arrives over HTTP: the status,
// the ETag header and the JSON body decoded by its documented field names
// (docs/runbook.md), not by the handler's Go types.
type manageAnswer struct {
	Status     int    `json:"-"`
	ETagHeader string `json:"-"`
	Raw        []byte `json:"-"`

	Clip       clip.Clip  `json:"clip"`
	ETag       string     `json:"etag"`
	Changed    bool       `json:"changed"`
	DueNow     bool       `json:"dueNow"`
	Audit      []auditDoc `json:"audit"`
	AuditChain *struct {
		Verified bool   `json:"verified"`
		BrokenAt int    `json:"brokenAt"`
		EntryID  string `json:"entryId"`
	} `json:"auditChain"`
	Actor *struct {
		Name          string `json:"name"`
		Authenticated bool   `json:"authenticated"`
	} `json:"actor"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// auditDoc is one audit entry as the API shows it.
type auditDoc struct {
	ID                 string `json:"id"`
	Seq                int    `json:"seq"`
	Action             string `json:"action"`
	Actor              string `json:"actor"`
	ActorAuthenticated bool   `json:"actorAuthenticated"`
	Justification      string `json:"justification"`
}

// changes are the trail's actions without the "consulted" entries every
// read adds.
func (a manageAnswer) changes() []string {
	return slices.DeleteFunc(a.actions(), func(s string) bool { return s == "consulted" })
}

// entry is the trail's first entry with action (fails the test if none).
func (a manageAnswer) entry(t testing.TB, action string) auditDoc {
	t.Helper()
	for _, e := range a.Audit {
		if e.Action == action {
			return e
		}
	}
	t.Fatalf("no %s entry in the trail %v", action, a.actions())
	return auditDoc{}
}

func (a manageAnswer) actions() []string {
	var out []string
	for _, e := range a.Audit {
		out = append(out, e.Action)
	}
	return out
}

// e2eReader is the person reads are made as when no body names an actor.
const e2eReader = "E2E Reader"

// The default ClipManage app roles (BWV_ROLE_*), and the purpose harness
// reads give.
const (
	roleRead    = config.DefaultRoleRead
	roleProtect = config.DefaultRoleProtect
	roleRelease = config.DefaultRoleRelease
	e2ePurpose  = "e2e test"
)

// manageCall sends one request to ClipManage through the host
// (/api/clips/{id}[/{action}]) with the function key and, as App Service
// Authentication wants, a bearer token: for the body's "actor" when it
// names one (the handler then takes the person from the token, not the
// body), else for e2eReader, with all three ClipManage roles. ifMatch is
// sent as given (empty: no header); body nil sends none. A GET is sent
// with ?purpose=e2ePurpose.
func (p *pipeline) manageCall(t testing.TB, method, id, action, ifMatch string, body any) manageAnswer {
	t.Helper()
	person := e2eReader
	if m, ok := body.(map[string]any); ok {
		if a, ok := m["actor"].(string); ok && a != "" {
			person = a
		}
	}
	return p.manageCallAs(t, p.token(t, person, roleRead, roleProtect, roleRelease), method, id, action, ifMatch, body)
}

// manageCallAs is manageCall with the given bearer token ("" = none).
func (p *pipeline) manageCallAs(t testing.TB, token, method, id, action, ifMatch string, body any) manageAnswer {
	t.Helper()
	query := ""
	if method == http.MethodGet && action == "" {
		query = "purpose=" + url.QueryEscape(e2ePurpose)
	}
	return p.manageCallQuery(t, token, method, id, action, query, ifMatch, body)
}

// manageCallQuery is manageCallAs with the given query string ("" = none).
func (p *pipeline) manageCallQuery(t testing.TB, token, method, id, action, query, ifMatch string, body any) manageAnswer {
	t.Helper()
	url := p.target.HostURL + "/api/clips/" + id
	if action != "" {
		url += "/" + action
	}
	if query != "" {
		url += "?" + query
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-functions-key", p.target.FunctionKey)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := manageAnswer{Status: resp.StatusCode, ETagHeader: resp.Header.Get("ETag"), Raw: raw}
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s %s answered %d with a body that is not JSON: %v\n%s", method, url, resp.StatusCode, err, raw)
	}
	return a
}

// getClip is GET /api/clips/{id}; it fails the test unless 200.
func (p *pipeline) getClip(t testing.TB, id string) manageAnswer {
	t.Helper()
	a := p.manageCall(t, http.MethodGet, id, "", "", nil)
	if a.Status != http.StatusOK {
		t.Fatalf("GET /api/clips/%s: %d %s", id, a.Status, a.Raw)
	}
	if a.ETagHeader == "" {
		t.Fatalf("GET /api/clips/%s answered without an ETag header", id)
	}
	return a
}

// changeClip reads the clip for its ETag, then POSTs the action with
// If-Match, as a person's client does; it fails the test unless 200.
func (p *pipeline) changeClip(t testing.TB, id, action string, body map[string]any) manageAnswer {
	t.Helper()
	etag := p.getClip(t, id).ETagHeader
	a := p.manageCall(t, http.MethodPost, id, action, etag, body)
	if a.Status != http.StatusOK {
		t.Fatalf("POST /api/clips/%s/%s: %d %s", id, action, a.Status, a.Raw)
	}
	return a
}

// runSweepNow runs RetentionSweep through the host's admin endpoint, as an
// operator does (docs/runbook.md), and waits until the host logs that
// this invocation finished; it fails the test unless it succeeded. It
// returns the invocation id (the sweep's run id is "sweep-" + it).
func (p *pipeline) runSweepNow(t testing.TB) string {
	t.Helper()
	return p.runTimerNow(t, "RetentionSweep")
}

// runTimerNow fires a timer function through the host's admin endpoint
// and waits for the host's "executed" line; it fails the test unless the
// invocation succeeded, and returns the invocation id.
func (p *pipeline) runTimerNow(t testing.TB, function string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.target.HostURL+"/admin/functions/"+function, strings.NewReader(`{"input": ""}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-functions-key", e2eMasterKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	inv := resp.Header.Get("X-Azure-Functions-InvocationId")
	if resp.StatusCode != http.StatusAccepted || inv == "" {
		t.Fatalf("POST /admin/functions/%s: %d %s (invocation id %q); want 202 with an invocation id", function, resp.StatusCode, b, inv)
	}
	var line string
	waitFor(t, function+" invocation "+inv+" finished", 2*time.Minute, func() (bool, string) {
		line = executedLine(p.hostLog.String(), inv)
		return line != "", "no 'executed' line yet"
	})
	if !strings.Contains(line, "outcome=succeeded") {
		t.Fatalf("%s run %s did not succeed: %s", function, inv, line)
	}
	return inv
}

// executedLine finds the host's one-line summary of an invocation
// (docs/local-host.md: msg=executed … invocation_id=… outcome=…).
func executedLine(log, invocationID string) string {
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "msg=executed") && strings.Contains(l, "invocation_id="+invocationID) {
			return l
		}
	}
	return ""
}

// auditVerify runs `bwv audit verify ARGS` with the pipeline's settings
// exported into its environment, as docs/runbook.md tells an operator to.
func (p *pipeline) auditVerify(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	values, _, err := localrun.ReadSettings(p.settings)
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BWV_") { // a developer's shell must not point it elsewhere
			env = append(env, kv)
		}
	}
	for k, v := range values {
		env = append(env, k+"="+v)
	}
	cmd := exec.Command(filepath.Join(binaries(t), "bwv"), append([]string{"audit", "verify"}, args...)...)
	cmd.Dir = repoRoot
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return stdout.String(), stderr.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("bwv audit verify %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), 0
}

// uploadAt uploads a small clip recorded at start with `bwv upload --wait`
// and fails the test unless the pipeline verified it.
func (p *pipeline) uploadAt(t testing.TB, name, officer string, start time.Time, extra ...string) uploadResult {
	t.Helper()
	file := writeFile(t, filepath.Base(name), 64<<10)
	args := append([]string{"upload", file, "--name", name, "--officer", officer, "--device", "CAM-RET",
		"--start", start.UTC().Format(time.RFC3339), "--duration", "5m", "--wait", "--json", "--timeout", "90s"}, extra...)
	stdout, stderr, code := p.cli(args...)
	if code != 0 {
		t.Fatalf("bwv upload %s: exit %d\nstdout: %s\nstderr: %s", name, code, stdout, stderr)
	}
	var res uploadResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("bwv upload --json: %v\n%s", err, stdout)
	}
	if res.Status != string(clip.StatusVerified) {
		t.Fatalf("%s: status %s %v, want verified", name, res.Status, res.Reasons)
	}
	return res
}

// record reads a clip record straight from Cosmos.
func (p *pipeline) record(t testing.TB, officer, id string) clip.Clip {
	t.Helper()
	c, err := p.clients.Records.GetClip(context.Background(), officer, id)
	if err != nil {
		t.Fatalf("record %s/%s: %v", officer, id, err)
	}
	return c
}

// dockedAt rewrites a clip's record in Cosmos as if its camera had been
// docked at at: receivedAt, and the schedule ingest would then have given
// it under the built-in policy (the one the local host runs). A clip
// uploaded now is kept for the minimum dwell after its receipt whatever its
// recorded start, so a test of old footage has to say when it arrived.
func (p *pipeline) dockedAt(t testing.TB, officer, id string, at time.Time) clip.Clip {
	t.Helper()
	c := p.record(t, officer, id)
	c.ReceivedAt = clip.At(at)
	c.Retention = retention.Default().RecordFor(c)
	c, err := p.clients.Records.ReplaceClip(context.Background(), c)
	if err != nil {
		t.Fatalf("docking %s/%s at %s: %v", officer, id, at, err)
	}
	p.agePolicy(t, c)
	return c
}

// agePolicy ages Storage's immutability policy (the enforcing fake's) with
// the record, as if it had been set when the record says.
func (p *pipeline) agePolicy(t testing.TB, c clip.Clip) {
	t.Helper()
	wormfaketest.AgePolicy(t, p.clients.Blobs.ServiceClient().NewContainerClient(c.Blob.Container).NewBlobClient(c.Blob.Name), c)
}

// graceEnded moves a clip's pending release into the past, as if the
// policy's release grace had run out (the test cannot wait 7 days).
func (p *pipeline) graceEnded(t testing.TB, officer, id string) {
	t.Helper()
	c := p.record(t, officer, id)
	if !c.Retention.PendingRelease.Active() {
		t.Fatalf("clip %s has no pending release", id)
	}
	c.Retention.PendingRelease.EffectiveFrom = clip.At(time.Now().Add(-time.Minute))
	c, err := p.clients.Records.ReplaceClip(context.Background(), c)
	if err != nil {
		t.Fatalf("ending the grace of %s: %v", id, err)
	}
	p.agePolicy(t, c)
}

// blobExists reports whether the upload blob is still in Azurite; any
// answer other than found or BlobNotFound fails the test.
func (p *pipeline) blobExists(t testing.TB, name string) bool {
	t.Helper()
	_, err := p.clients.Blobs.ServiceClient().NewContainerClient(p.target.UploadContainer).NewBlobClient(name).GetProperties(context.Background(), nil)
	switch {
	case err == nil:
		return true
	case bloberror.HasCode(err, bloberror.BlobNotFound):
		return false
	}
	t.Fatalf("blob %s: %v", name, err)
	return false
}

// tamperAuditEntry is the attacker with write access to Cosmos: it reads
// one audit document as stored and replaces it with one field changed.
func (p *pipeline) tamperAuditEntry(t testing.TB, clipID, entryID, field, value string) {
	t.Helper()
	ctx := context.Background()
	tg := p.clients.Target
	db := cosmosdbtest.Open(t, cosmosdb.Options{Endpoint: tg.CosmosEndpoint, Key: tg.CosmosKey, Database: tg.Database,
		Clips: tg.ClipsContainer, Audit: tg.AuditContainer})
	got, err := db.ReadAuditDoc(ctx, clipID, entryID)
	if err != nil {
		t.Fatalf("read audit entry %s: %v", entryID, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc[field]; !ok {
		t.Fatalf("audit entry %s has no field %q: %s", entryID, field, got)
	}
	doc[field] = value
	b, _ := json.Marshal(doc)
	if err := db.ReplaceAuditDoc(ctx, clipID, entryID, b); err != nil {
		t.Fatalf("replace audit entry %s: %v", entryID, err)
	}
}
