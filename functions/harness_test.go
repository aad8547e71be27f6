package functions_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/bwv-ingest/bwv-ingest/internal/handlerproc"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
	"github.com/bwv-ingest/bwv-ingest/internal/wormfake"
	"github.com/bwv-ingest/bwv-ingest/internal/wormfake/wormfaketest"
	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb/cosmosdbtest"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// The harness runs the real handler binary against real Azurite and the
// local Cosmos server, and invokes it over the custom-handler contract as
// the Functions host does.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func handlerBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bwv-handler-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "bwv-handler")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/bwv-ingest/bwv-ingest/cmd/bwv-handler").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

type env struct {
	t       testing.TB
	azurite *localsvc.Azurite
	cosmos  *localsvc.Cosmos
	// worm is the enforcing immutability fake in front of Azurite, and
	// blobEndpoint the blob endpoint through it (what the handler uses).
	worm         *wormfake.Fake
	blobEndpoint string
	blobs        *azblob.Client
	records      *cosmosdb.Store
	rawDB        *cosmosdbtest.DB // lazily opened: raw queries and tampering
	h            *handler
	settings     map[string]string
}

func newEnv(t testing.TB, overrides map[string]string) *env {
	t.Helper()
	az := localsvctest.Azurite(t)
	cs := localsvctest.Cosmos(t)
	// Storage is Azurite behind the enforcing immutability fake, for the
	// handler and the test alike (Azurite answers 501 to immutability).
	fake := wormfaketest.Start(t, az, nil)
	cred, err := azblob.NewSharedKeyCredential(az.Account, az.Key)
	if err != nil {
		t.Fatal(err)
	}
	bc, err := azblob.NewClientWithSharedKeyCredential(fake.Endpoint()+"/", cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []string{"uploads", "quarantine"} {
		if _, err := bc.CreateContainer(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, azurite: az, cosmos: cs, blobs: bc, worm: fake, blobEndpoint: fake.Endpoint()}
	e.settings = map[string]string{
		"FUNCTIONS_WORKER_RUNTIME": "custom",
		"BWV_STORAGE_ACCOUNT":      az.Account,
		"BWV_STORAGE_REGION":       "uksouth",
		"BWV_BLOB_ENDPOINT":        fake.Endpoint(),
		"BWV_STORAGE_KEY":          az.Key,
		"BWV_ALLOWED_REGIONS":      "uksouth,ukwest",
		"BWV_COSMOS_ENDPOINT":      cs.Endpoint,
		"BWV_COSMOS_KEY":           cs.Key,
		"BWV_COSMOS_BOOTSTRAP":     "true",
		"BWV_LOG_LEVEL":            "debug",
		// The platform's authentication is on: ClipManage calls carry
		// principal headers (manageCall).
		"BWV_TRUST_PRINCIPAL_HEADERS": "true",
	}
	for k, v := range overrides {
		e.settings[k] = v
	}
	e.records, err = cosmosdb.New(cosmosdb.Options{Endpoint: cs.Endpoint, Key: cs.Key, Database: "bwv", Clips: "clips", Audit: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	e.h = e.startHandler()
	return e
}

// handler is one running handler process.
type handler struct {
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	stderr bytes.Buffer
	lines  chan string
	done   <-chan struct{}
	// readyIn is the time from exec to the ready line (config, residency
	// check against Cosmos, bootstrap, listen).
	readyIn time.Duration
}

func (e *env) startHandler() *handler {
	t := e.t
	t.Helper()
	h, err := startHandlerProcess(handlerBinary(t), e.settings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.kill)
	t.Logf("handler ready in %s", h.readyIn)
	return h
}

func startHandlerProcess(bin string, settings map[string]string) (*handler, error) {
	h := &handler{lines: make(chan string, 10000)}
	p, err := handlerproc.Start(bin, settings, func(line string) {
		h.mu.Lock()
		h.stderr.WriteString(line + "\n")
		h.mu.Unlock()
		select {
		case h.lines <- line:
		default:
		}
	}, 60*time.Second)
	if err != nil {
		return nil, err
	}
	h.cmd, h.url, h.done, h.readyIn = p.Cmd, p.URL, p.Done, p.ReadyIn
	return h, nil
}

func (h *handler) log() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stderr.String()
}

func (h *handler) kill() {
	if h.cmd.Process != nil {
		_ = h.cmd.Process.Kill()
		<-h.done
	}
}

// invoke POSTs a host request and returns the status and response.
func (h *handler) invoke(t testing.TB, function string, data, metadata map[string]any) (int, funchost.Response) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"Data": data, "Metadata": metadata})
	req, _ := http.NewRequest(http.MethodPost, h.url+"/"+function, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(funchost.InvocationIDHeader, fmt.Sprintf("test-%d", time.Now().UnixNano()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoke %s: %v\nhandler log:\n%s", function, err, h.log())
	}
	defer resp.Body.Close()
	var r funchost.Response
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("invoke %s: answer is not JSON (%d): %s", function, resp.StatusCode, b)
	}
	return resp.StatusCode, r
}

// clipMeta is valid metadata for content.
func clipMeta(content []byte, officer string, start time.Time) map[string]*string {
	sum := sha256.Sum256(content)
	return map[string]*string{
		"officerid":     to.Ptr(officer),
		"deviceid":      to.Ptr("CAM-0042"),
		"recordedstart": to.Ptr(start.UTC().Format(time.RFC3339)),
		"recordedend":   to.Ptr(start.Add(5 * time.Minute).UTC().Format(time.RFC3339)),
		"sha256":        to.Ptr(hex.EncodeToString(sum[:])),
		"stationid":     to.Ptr("ST-01"),
	}
}

// upload writes a blob with metadata and returns its ETag (unquoted).
func (e *env) upload(name string, content []byte, meta map[string]*string) string {
	e.t.Helper()
	r, err := e.blobs.UploadBuffer(context.Background(), "uploads", name, content, &blockblob.UploadBufferOptions{Metadata: meta})
	if err != nil {
		e.t.Fatal(err)
	}
	return clip.NormalizeETag(string(*r.ETag))
}

// blobEvent builds a BlobCreated event in the exact Event Grid schema.
func (e *env) blobEvent(account, name, etag, sequencer string, size int64) map[string]any {
	return map[string]any{
		"topic":     "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bwv/providers/Microsoft.Storage/storageAccounts/" + account,
		"subject":   "/blobServices/default/containers/uploads/blobs/" + name,
		"eventType": "Microsoft.Storage.BlobCreated",
		"id":        fmt.Sprintf("ev-%s-%s", etag, sequencer),
		"eventTime": time.Now().UTC().Format(time.RFC3339Nano),
		"data": map[string]any{
			"api": "PutBlob", "clientRequestId": "c", "requestId": "r", "eTag": etag, "contentType": "video/mp4",
			"contentLength": size, "blobType": "BlockBlob", "url": e.blobEndpoint + "/uploads/" + name,
			"sequencer": sequencer, "storageDiagnostics": map[string]any{"batchId": "b"},
		},
		"dataVersion": "", "metadataVersion": "1",
	}
}

// ingest invokes ClipIngest with an event and returns the verify message
// it asked for (nil if none).
func (e *env) ingest(ev map[string]any) json.RawMessage {
	e.t.Helper()
	text, _ := json.Marshal(ev)
	status, r := e.h.invoke(e.t, "ClipIngest", map[string]any{"event": hostEncoded(string(text))}, map[string]any{})
	if status != 200 {
		e.t.Fatalf("ClipIngest answered %d: %+v\n%s", status, r, e.h.log())
	}
	if m, ok := r.Outputs["verify"]; ok && m != nil {
		b, _ := json.Marshal(m)
		return b
	}
	return nil
}

// verify delivers a queue message to ClipVerify as the host does: the
// message text as a JSON string, with queue metadata.
func (e *env) verify(h *handler, msg json.RawMessage, dequeueCount int) int {
	e.t.Helper()
	status, r := h.invoke(e.t, "ClipVerify", map[string]any{"message": hostEncoded(string(msg))},
		map[string]any{"DequeueCount": fmt.Sprint(dequeueCount), "Id": `"m1"`})
	if status != 200 {
		e.t.Logf("ClipVerify answered %d: logs %q", status, r.Logs)
	}
	return status
}

func (e *env) clip(officer, id string) clip.Clip {
	e.t.Helper()
	c, err := e.records.GetClip(context.Background(), officer, id)
	if err != nil {
		e.t.Fatalf("reading clip %s/%s: %v", officer, id, err)
	}
	return c
}

func (e *env) auditOf(id string) []audit.Entry {
	e.t.Helper()
	es, err := e.records.ListAudit(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

// countClips counts records in the clips container (cross-partition, no
// ORDER BY: the gateway serves it).
func (e *env) countClips() int {
	e.t.Helper()
	ids := e.queryIDs("SELECT c.id FROM c WHERE c.type = 'clip'")
	return len(ids)
}

// invokeNoFail is invoke for goroutines: it reports errors as status 0.
func (h *handler) invokeNoFail(function string, data, metadata map[string]any) (int, funchost.Response) {
	body, _ := json.Marshal(map[string]any{"Data": data, "Metadata": metadata})
	resp, err := http.Post(h.url+"/"+function, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, funchost.Response{}
	}
	defer resp.Body.Close()
	var r funchost.Response
	_ = json.NewDecoder(resp.Body).Decode(&r)
	return resp.StatusCode, r
}

// hostEncoded returns text the way the real Functions host puts a
// non-object value in Data: as its JSON string, which the request's own
// encoding wraps once more (a message "hi" arrives as "\"hi\"").
func hostEncoded(text string) string {
	b, _ := json.Marshal(text)
	return string(b)
}

// raw is direct access to the test database (cosmosdbtest): documented
// queries run verbatim, and the attacker's edits.
func (e *env) raw() *cosmosdbtest.DB {
	if e.rawDB == nil {
		e.rawDB = cosmosdbtest.Open(e.t, cosmosdb.Options{Endpoint: e.cosmos.Endpoint, Key: e.cosmos.Key, Database: "bwv", Clips: "clips", Audit: "audit"})
	}
	return e.rawDB
}
