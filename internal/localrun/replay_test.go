package localrun

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
)

func replayClients(t *testing.T, hostURL string) *Clients {
	t.Helper()
	az := localsvctest.Azurite(t)
	c, err := Connect(Target{Account: az.Account, Key: az.Key, BlobEndpoint: strings.TrimSuffix(az.BlobEndpoint, "/"),
		QueueEndpoint: strings.TrimSuffix(az.QueueEndpoint, "/"), UploadContainer: "uploads", QuarantineContainer: "quarantine",
		VerifyQueue: "clip-verify", CosmosEndpoint: "http://127.0.0.1:1", CosmosKey: "a2V5", Database: "bwv", ClipsContainer: "clips",
		AuditContainer: "audit", HostURL: hostURL})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureStorage(context.Background(), DeadLetterContainer); err != nil {
		t.Fatal(err)
	}
	return c
}

func queueTexts(t *testing.T, c *Clients, name string) []string {
	t.Helper()
	peek, err := c.Queues.NewQueueClient(name).PeekMessages(context.Background(), &azqueue.PeekMessagesOptions{NumberOfMessages: ptr(int32(32))})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range peek.Messages {
		out = append(out, *m.MessageText)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// Poison messages go back to the verify queue exactly as they were (the
// host's base64), the dry run changes nothing, and a second replay finds
// nothing left.
func TestReplayPoisonMovesMessagesBackOnce(t *testing.T) {
	c := replayClients(t, "")
	ctx := context.Background()
	poison := c.Queues.NewQueueClient(c.Target.PoisonQueue())
	if _, err := poison.Create(ctx, nil); err != nil && !strings.Contains(err.Error(), "QueueAlreadyExists") {
		t.Fatal(err)
	}
	var sent []string
	for _, id := range []string{"clip-a", "clip-b"} {
		text := base64.StdEncoding.EncodeToString([]byte(`{"v":1,"clipId":"` + id + `","officerId":"PC1","name":"` + id + `.mp4"}`))
		sent = append(sent, text)
		if _, err := poison.EnqueueMessage(ctx, text, nil); err != nil {
			t.Fatal(err)
		}
	}

	dry, err := ReplayPoison(ctx, c, ReplayOptions{DryRun: true})
	if err != nil || len(dry.Items) != 2 || dry.Waiting != 2 || dry.Items[0].Outcome != OutcomeWouldReplay || !strings.Contains(dry.Items[0].About, "clip-a") {
		t.Fatalf("dry run = %+v, %v; want two would-replay items naming their clips", dry, err)
	}
	if got := queueTexts(t, c, c.Target.VerifyQueue); len(got) != 0 {
		t.Fatalf("dry run enqueued %d messages", len(got))
	}

	rep, err := ReplayPoison(ctx, c, ReplayOptions{})
	if err != nil || len(rep.Items) != 2 || rep.Failed() != 0 {
		t.Fatalf("replay = %+v, %v", rep, err)
	}
	got := queueTexts(t, c, c.Target.VerifyQueue)
	if len(got) != 2 || !(got[0] == sent[0] && got[1] == sent[1] || got[0] == sent[1] && got[1] == sent[0]) {
		t.Fatalf("verify queue holds %q, want exactly the poison texts %q", got, sent)
	}
	if left := queueTexts(t, c, c.Target.PoisonQueue()); len(left) != 0 {
		t.Fatalf("poison queue still holds %q", left)
	}
	again, err := ReplayPoison(ctx, c, ReplayOptions{})
	if err != nil || len(again.Items) != 0 {
		t.Fatalf("second replay = %+v, %v; want nothing to replay", again, err)
	}
}

// A dead-letter blob is delivered to ClipIngest's webhook as Event Grid
// first delivered it (dead-letter fields removed), marked replayed only
// once the function accepted it, never deleted, and not delivered twice.
func TestReplayDeadLettersDeliversMarksAndKeeps(t *testing.T) {
	var (
		mu     sync.Mutex
		bodies []string
		status atomic.Int32
	)
	status.Store(http.StatusInternalServerError)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Query().Get("functionName") != "ClipIngest" || r.Header.Get("aeg-event-type") != "Notification" {
			http.Error(w, "not a notification for ClipIngest", http.StatusBadRequest)
			return
		}
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.WriteHeader(int(status.Load()))
	}))
	defer hook.Close()
	c := replayClients(t, hook.URL)
	ctx := context.Background()
	name := "DEVSTOREACCOUNT1/CLIPINGEST/2026/03/01/14/0b7e.json"
	body := `[{"id":"ev-1","subject":"/blobServices/default/containers/uploads/blobs/a.mp4","eventType":"Microsoft.Storage.BlobCreated","data":{"api":"PutBlob"},` +
		`"deadLetterReason":"MaxDeliveryAttemptsExceeded","deliveryAttempts":30,"lastDeliveryOutcome":"503","publishTime":"2026-03-01T14:00:00Z","lastDeliveryAttemptTime":"2026-03-02T14:00:00Z"}]`
	cc := c.Blobs.ServiceClient().NewContainerClient(DeadLetterContainer)
	if _, err := cc.NewBlockBlobClient(name).UploadBuffer(ctx, []byte(body), nil); err != nil {
		t.Fatal(err)
	}
	replayedMark := func() bool {
		pager := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Include: container.ListBlobsInclude{Metadata: true}})
		page, err := pager.NextPage(ctx)
		if err != nil || len(page.Segment.BlobItems) != 1 {
			t.Fatalf("dead-letter container: %v, %d blobs (the blob must never be deleted)", err, len(page.Segment.BlobItems))
		}
		for k := range page.Segment.BlobItems[0].Metadata {
			if strings.EqualFold(k, MetaReplayedAt) {
				return true
			}
		}
		return false
	}

	if dry, err := ReplayDeadLetters(ctx, c, ReplayOptions{DryRun: true}); err != nil || len(dry.Items) != 1 || dry.Items[0].Outcome != OutcomeWouldReplay || len(bodies) != 0 {
		t.Fatalf("dry run = %+v, %v, %d deliveries; want one would-replay and no delivery", dry, err, len(bodies))
	}
	// The function refuses (still broken): the blob stays unmarked.
	if rep, err := ReplayDeadLetters(ctx, c, ReplayOptions{}); err == nil || rep.Failed() != 1 || replayedMark() {
		t.Fatalf("replay against a failing function = %+v, %v; want failed and unmarked", rep, err)
	}
	status.Store(http.StatusAccepted)
	if rep, err := ReplayDeadLetters(ctx, c, ReplayOptions{}); err != nil || rep.Items[0].Outcome != OutcomeReplayed || !replayedMark() {
		t.Fatalf("replay = %+v, %v; want replayed and marked", rep, err)
	}
	if rep, err := ReplayDeadLetters(ctx, c, ReplayOptions{}); err != nil || rep.Items[0].Outcome != OutcomeAlreadyReplayed {
		t.Fatalf("second replay = %+v, %v; want already-replayed", rep, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 { // the refused attempt and the accepted one; none after
		t.Fatalf("%d deliveries, want 2", len(bodies))
	}
	var evs []map[string]any
	if err := json.Unmarshal([]byte(bodies[1]), &evs); err != nil || len(evs) != 1 {
		t.Fatalf("delivered body %s", bodies[1])
	}
	if evs[0]["id"] != "ev-1" || evs[0]["deadLetterReason"] != nil || evs[0]["deliveryAttempts"] != nil {
		t.Fatalf("delivered event %v; want the original event without dead-letter fields", evs[0])
	}
}
