package faults

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/devhost"
	"github.com/bwv-ingest/bwv-ingest/internal/faultproxy"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/shared/config"
)

// repoRoot is the repository (host.json, functions/, tools/).
var repoRoot = func() string {
	wd, _ := os.Getwd()
	return filepath.Dir(filepath.Dir(wd))
}()

// logBuffer collects a process's output for the checks and for failures.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *logBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *logBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// duplicateWindow: Event Grid duplicates arrive up to this long after the
// first copy, so some find their clip verified, due or held.
const duplicateWindow = 20 * time.Second

// rig is one pipeline under faults: Azurite, the Cosmos server, the local
// host with the real handler, and a fault chain in front of each service.
type rig struct {
	p      *localrun.Pipeline
	blob   *faultproxy.Chain
	cosmos *faultproxy.Chain
	direct *localrun.Clients // the oracle's own clients: straight to the services
	// worm reaches Storage through the enforcing immutability fake (no
	// faults): the suite's clock ages a record's policy with its record.
	worm       *localrun.Clients
	hostLog    *logBuffer
	handlerLog *logBuffer
	signingKey ed25519.PrivateKey
	// secrets are the values no log may show.
	secrets   map[string]string
	functionK string
	masterK   string
	tokensMu  sync.Mutex
	tokens    map[string]string
	http      *http.Client
}

func randomSecret(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// buildHandler builds bwv-handler with plain go build.
func buildHandler(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bwv-handler")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/bwv-handler")
	cmd.Dir = repoRoot
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/bwv-handler: %v\n%s", err, b)
	}
	return out
}

func startRig(t *testing.T, rates faultproxy.Rates, seed uint64) *rig {
	t.Helper()
	dir := t.TempDir()
	r := &rig{hostLog: &logBuffer{}, handlerLog: &logBuffer{}, tokens: map[string]string{},
		functionK: randomSecret("fk-"), masterK: randomSecret("mk-"), http: &http.Client{Timeout: 60 * time.Second}}
	values, _, err := localrun.ReadSettings(filepath.Join(repoRoot, "local.settings.sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	values["BWV_FUNCTION_KEY"] = r.functionK
	values["BWV_MASTER_KEY"] = r.masterK
	base := filepath.Join(dir, "base.settings.json")
	if err := localrun.WriteSettings(base, values, 0); err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "auth", "signing-key")
	logger := slog.New(slog.NewTextHandler(r.hostLog, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	p, err := localrun.StartPipeline(ctx, localrun.PipelineOptions{
		Root: repoRoot, BaseSettings: base, SettingsOut: filepath.Join(dir, "run.settings.json"),
		DataDir: filepath.Join(dir, "azurite"), Reset: true, HandlerPath: buildHandler(t),
		EventGrid: devhost.EventGridOptions{Duplicates: 1, MaxDuplicates: 3, Shuffle: true, Seed: int64(seed), DuplicateWindow: duplicateWindow,
			PollInterval: 500 * time.Millisecond, RetryDelays: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second},
			MaxAttempts: 30},
		EasyAuth: true, AuthKeyPath: keyPath, Logger: logger, HandlerOutput: r.handlerLog,
		Endpoints: func(blob, cosmos string) (string, string, error) {
			var err error
			if r.blob, err = faultproxy.StartChain("storage", blob, faultproxy.Storage, rates, seed^0xb10b); err != nil {
				return "", "", err
			}
			if r.cosmos, err = faultproxy.StartChain("cosmos", cosmos, faultproxy.Cosmos, rates, seed^0xc05); err != nil {
				return "", "", err
			}
			return r.blob.Endpoint, r.cosmos.Endpoint, nil
		},
	})
	if err != nil {
		r.closeChains()
		t.Fatalf("starting the pipeline (with CI=true a missing service is a failure; run scripts/install-npm.sh): %v\n%s", err, r.hostLog.String())
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stopping the pipeline: %v", err)
		}
		r.closeChains()
		if t.Failed() {
			t.Logf("host log (tail):\n%s", tail(r.hostLog.String(), 60))
			t.Logf("handler log (tail):\n%s", tail(r.handlerLog.String(), 60))
		}
	})
	r.p = p
	direct := p.Target
	direct.BlobEndpoint = strings.TrimSuffix(p.Azurite.BlobEndpoint, "/")
	direct.CosmosEndpoint = strings.TrimSuffix(p.Cosmos.Endpoint, "/")
	if r.direct, err = localrun.Connect(direct); err != nil {
		t.Fatal(err)
	}
	if p.Worm == nil {
		t.Fatal("the pipeline runs without the immutability fake: the suite needs it to age policies")
	}
	worm := direct
	worm.BlobEndpoint = p.Worm.Endpoint()
	if r.worm, err = localrun.Connect(worm); err != nil {
		t.Fatal(err)
	}
	if r.signingKey, err = devhost.LoadSigningKey(keyPath); err != nil {
		t.Fatal(err)
	}
	r.secrets = map[string]string{"storage key": p.Azurite.Key, "Cosmos key": p.Cosmos.Key,
		"function key": r.functionK, "master key": r.masterK}
	return r
}

func (r *rig) closeChains() {
	for _, c := range []*faultproxy.Chain{r.blob, r.cosmos} {
		if c != nil {
			_ = c.Close()
		}
	}
}

func (r *rig) faults(t *testing.T, on bool) {
	t.Helper()
	for _, c := range []*faultproxy.Chain{r.blob, r.cosmos} {
		if err := c.Enable(on); err != nil {
			t.Fatal(err)
		}
	}
}

// token is a bearer token for person with every ClipManage role, as
// `bwv token` mints it (one per person).
func (r *rig) token(person string) (string, error) {
	r.tokensMu.Lock()
	defer r.tokensMu.Unlock()
	if tok, ok := r.tokens[person]; ok {
		return tok, nil
	}
	tok, err := devhost.MintToken(r.signingKey, person, []string{config.DefaultRoleRead, config.DefaultRoleProtect, config.DefaultRoleRelease},
		time.Hour, time.Now())
	if err != nil {
		return "", err
	}
	r.tokens[person] = tok
	r.secrets["bearer token of "+person] = tok
	return tok, nil
}

// manageAnswer is a ClipManage answer by its documented field names.
type manageAnswer struct {
	Status  int
	ETag    string
	Code    string `json:"code"`
	Changed bool   `json:"changed"`
	Raw     string
}

// manage sends one ClipManage request through the host (and so through the
// handler's faults) with the function key and a bearer token.
func (r *rig) manage(person, method, id, action, ifMatch string, body any) (manageAnswer, error) {
	url := r.p.Target.HostURL + "/api/clips/" + id
	if action != "" {
		url += "/" + action
	} else {
		url += "?purpose=fault+suite"
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return manageAnswer{}, err
	}
	tok, err := r.token(person)
	if err != nil {
		return manageAnswer{}, err
	}
	req.Header.Set("x-functions-key", r.functionK)
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return manageAnswer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return manageAnswer{}, err
	}
	a := manageAnswer{Status: resp.StatusCode, ETag: resp.Header.Get("ETag"), Raw: string(raw)}
	_ = json.Unmarshal(raw, &a)
	return a, nil
}

// hold outcomes of changeUntilAnswered.
const (
	answeredDone    = "done"    // 200: the change is in
	answeredDeleted = "deleted" // 409 CLIP_DELETED: the sweep was first
)

// changeUntilAnswered reads the clip for its ETag and POSTs action with
// If-Match, again and again until the answer is definitive: 200, or 409
// CLIP_DELETED. A 5xx, a timeout or a 412 (something changed in between)
// says nothing about whether the change landed, so it is asked again; a
// repeated hold or release answers 200 unchanged.
func (r *rig) changeUntilAnswered(id, action, person, why string, within time.Duration) (string, error) {
	deadline := time.Now().Add(within)
	var last string
	for time.Now().Before(deadline) {
		g, err := r.manage(person, http.MethodGet, id, "", "", nil)
		switch {
		case err != nil:
			last = err.Error()
		case g.Status == http.StatusOK:
			a, err := r.manage(person, http.MethodPost, id, action, g.ETag, map[string]any{"justification": why, "actor": person})
			switch {
			case err != nil:
				last = err.Error()
			case a.Status == http.StatusOK:
				return answeredDone, nil
			case a.Status == http.StatusConflict && a.Code == "CLIP_DELETED":
				return answeredDeleted, nil
			default:
				last = fmt.Sprintf("%d %s", a.Status, a.Raw)
				if a.Status < 500 && a.Status != http.StatusPreconditionFailed && a.Status != http.StatusTooManyRequests {
					return "", fmt.Errorf("%s %s: %s", action, id, last)
				}
			}
		default:
			last = fmt.Sprintf("GET %d %s", g.Status, g.Raw)
			if g.Status < 500 && g.Status != http.StatusTooManyRequests {
				return "", fmt.Errorf("GET %s: %s", id, last)
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	return "", fmt.Errorf("%s %s: no definitive answer within %s (last: %s)", action, id, within, last)
}

// sweep fires RetentionSweep through the host's admin endpoint and returns
// its invocation id ("" when the host did not accept it).
func (r *rig) sweep() string {
	req, _ := http.NewRequest(http.MethodPost, r.p.Target.HostURL+"/admin/functions/RetentionSweep", strings.NewReader(`{"input": ""}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-functions-key", r.masterK)
	resp, err := r.http.Do(req)
	if err != nil {
		return ""
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return ""
	}
	return resp.Header.Get("X-Azure-Functions-InvocationId")
}

// sweepAndWait runs a sweep and waits for the host's "executed" line; it
// reports whether the run succeeded.
func (r *rig) sweepAndWait(within time.Duration) (bool, string) {
	inv := r.sweep()
	if inv == "" {
		return false, "not accepted"
	}
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(r.hostLog.String(), "\n") {
			if strings.Contains(l, "msg=executed") && strings.Contains(l, "invocation_id="+inv) {
				return strings.Contains(l, "outcome=succeeded"), l
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return false, "no executed line for " + inv
}

func tail(s string, lines int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}
