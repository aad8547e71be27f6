package devhost

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

var (
	echoOnce sync.Once
	echoPath string
	echoErr  error
	echoDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if echoDir != "" {
		os.RemoveAll(echoDir)
	}
	os.Exit(code)
}

// echoHandler builds testdata/echohandler once per test binary.
func echoHandler(t *testing.T) string {
	t.Helper()
	echoOnce.Do(func() {
		echoDir, echoErr = os.MkdirTemp("", "devhost-echo-*")
		if echoErr != nil {
			return
		}
		echoPath = filepath.Join(echoDir, "echohandler")
		out, err := exec.Command("go", "build", "-o", echoPath, "./testdata/echohandler").CombinedOutput()
		if err != nil {
			echoErr = &reason.Error{Code: CodeHandlerStart, Message: string(out), Err: err}
		}
	})
	if echoErr != nil {
		t.Fatalf("build echo handler: %v", echoErr)
	}
	return echoPath
}

const testHostJSON = `{
  "version": "2.0",
  "functionTimeout": "00:00:30",
  "extensions": {"queues": {"batchSize": 4, "newBatchThreshold": 2, "maxPollingInterval": "00:00:00.2",
    "visibilityTimeout": "00:00:01", "maxDequeueCount": 3, "messageEncoding": "base64"}},
  "customHandler": {"description": {"defaultExecutablePath": "echohandler"}}
}`

var testFunctions = map[string]string{
	"EchoQueue": `{"bindings":[
	  {"type":"queueTrigger","direction":"in","name":"msg","queueName":"work","connection":"AzureWebJobsStorage"},
	  {"type":"queue","direction":"out","name":"out","queueName":"out","connection":"AzureWebJobsStorage"}]}`,
	"EchoEvent": `{"bindings":[{"type":"eventGridTrigger","direction":"in","name":"event"}]}`,
	"EchoTimer": `{"bindings":[{"type":"timerTrigger","direction":"in","name":"timer","schedule":"0 0 0 1 1 *"}]}`,
	"EchoHTTP": `{"bindings":[
	  {"type":"httpTrigger","direction":"in","name":"req","authLevel":"function","methods":["get","post"],"route":"items/{id}/{action?}"},
	  {"type":"http","direction":"out","name":"res"}]}`,
}

// testHost is a running host on real Azurite with the echo handler.
type testHost struct {
	*Host
	az     *localsvc.Azurite
	record string
	stop   func() error
	base   string
}

func startTestHost(t *testing.T, mutate func(*Options)) *testHost {
	t.Helper()
	handler := echoHandler(t)
	az := localsvctest.Azurite(t)
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "host.json"), []byte(testHostJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, doc := range testFunctions {
		if err := os.MkdirAll(filepath.Join(root, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name, "function.json"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	record := filepath.Join(root, "record.jsonl")
	opts := Options{
		ScriptRoot:  root,
		HandlerPath: handler,
		Listen:      "127.0.0.1:0",
		Settings: map[string]string{
			"AzureWebJobsStorage": az.ConnectionString,
			"BWV_FUNCTION_KEY":    "fn-key",
			"ECHO_RECORD":         record,
		},
		Logger:        slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HandlerOutput: testWriter{t},
		ShutdownGrace: 2 * time.Second,
		EventGrid: EventGridOptions{
			PollInterval: 200 * time.Millisecond,
			RetryDelays:  []time.Duration{200 * time.Millisecond},
			MaxAttempts:  3,
		},
	}
	if mutate != nil {
		mutate(&opts)
	}
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	select {
	case <-h.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("host did not start: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("host not ready within 60 s")
	}
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				t.Error("host did not stop within 30 s")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return &testHost{Host: h, az: az, record: record, stop: stop, base: "http://" + h.Addr()}
}

// testWriter sends logs to t.Log, dropping them once the test is over.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }() // t.Log after the test ends panics
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// recorded is one request the echo handler saw.
type recorded struct {
	Function     string          `json:"function"`
	InvocationID string          `json:"invocationId"`
	HostVersion  string          `json:"hostVersion"`
	PID          int             `json:"pid"`
	Body         json.RawMessage `json:"body"`
}

func (th *testHost) records(t *testing.T, fn string) []recorded {
	t.Helper()
	f, err := os.Open(th.record)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []recorded
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r recorded
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("record line: %v", err)
		}
		if fn == "" || r.Function == fn {
			out = append(out, r)
		}
	}
	return out
}

func (th *testHost) queue(t *testing.T, name string) *azqueue.QueueClient {
	t.Helper()
	cred, err := azqueue.NewSharedKeyCredential(th.az.Account, th.az.Key)
	if err != nil {
		t.Fatal(err)
	}
	q, err := azqueue.NewQueueClientWithSharedKeyCredential(th.az.QueueEndpoint+name, cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// send enqueues text base64-encoded, as a producer for a base64 host does.
func (th *testHost) send(t *testing.T, queue, text string) {
	t.Helper()
	q := th.queue(t, queue)
	if _, err := q.Create(context.Background(), nil); err != nil && !isExists(err) {
		t.Fatal(err)
	}
	if _, err := q.EnqueueMessage(context.Background(), base64.StdEncoding.EncodeToString([]byte(text)), nil); err != nil {
		t.Fatal(err)
	}
}

// peekAll returns the decoded messages of a queue (up to 32) without taking them.
func (th *testHost) peekAll(t *testing.T, queue string) []string {
	t.Helper()
	resp, err := th.queue(t, queue).PeekMessages(context.Background(), &azqueue.PeekMessagesOptions{NumberOfMessages: ptr(int32(32))})
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		t.Fatal(err)
	}
	var out []string
	for _, m := range resp.Messages {
		b, err := base64.StdEncoding.DecodeString(deref(m.MessageText))
		if err != nil {
			t.Fatalf("message %q is not base64", deref(m.MessageText))
		}
		out = append(out, string(b))
	}
	return out
}

// afterPolls proves an absence instead of sleeping: it waits until fn's
// trigger source has completed n more polls than now and nothing it raised
// or dequeued is still pending, and returns fn's stats from before and after.
// Every poll counted has finished raising its events (Raised) and starting
// its messages, so an unchanged Raised and Pending 0 mean nothing else is on
// its way to the handler.
func (th *testHost) afterPolls(t *testing.T, fn string, n int) (before, after FunctionStats) {
	t.Helper()
	before = th.Stats()[fn]
	eventually(t, fmt.Sprintf("%d more completed polls of %s with nothing pending", n, fn), func() bool {
		after = th.Stats()[fn]
		return after.Polls >= before.Polls+n && after.Pending == 0
	})
	return before, after
}

// eventually polls cond every 100 ms until it holds or 30 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
