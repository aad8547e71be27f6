package devhost

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

func (th *testHost) upload(t *testing.T, name, content string) {
	t.Helper()
	cred, err := container.NewSharedKeyCredential(th.az.Account, th.az.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := container.NewClientWithSharedKeyCredential(th.az.BlobEndpoint+"uploads", cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		t.Fatal(err)
	}
	ct := "video/mp4"
	if _, err := c.NewBlockBlobClient(name).UploadBuffer(context.Background(), []byte(content), &blockblob.UploadBufferOptions{
		HTTPHeaders: &blob.HTTPHeaders{BlobContentType: &ct},
	}); err != nil {
		t.Fatal(err)
	}
}

// events decodes the Event Grid events the echo handler received, peeling
// the real host's double encoding.
func (th *testHost) events(t *testing.T) []EventGridEvent {
	t.Helper()
	var out []EventGridEvent
	for _, r := range th.records(t, "EchoEvent") {
		var req struct {
			Data     map[string]json.RawMessage
			Metadata map[string]json.RawMessage
		}
		if err := json.Unmarshal(r.Body, &req); err != nil {
			t.Fatal(err)
		}
		var once, twice string
		if err := json.Unmarshal(req.Data["event"], &once); err != nil {
			t.Fatalf("Data.event is not a JSON string: %.80s", req.Data["event"])
		}
		if err := json.Unmarshal([]byte(once), &twice); err != nil {
			t.Fatalf("Data.event is not a JSON string holding a JSON string: %.80s", once)
		}
		var ev EventGridEvent
		if err := json.Unmarshal([]byte(twice), &ev); err != nil {
			t.Fatalf("event JSON: %v", err)
		}
		var data BlobCreatedData
		if err := json.Unmarshal(req.Metadata["data"], &data); err != nil || data.Sequencer != ev.Data.Sequencer {
			t.Errorf("Metadata.data = %.120s; want the event's data object", req.Metadata["data"])
		}
		out = append(out, ev)
	}
	return out
}

// One BlobCreated per new blob version, in the Event Grid schema, with an
// increasing fixed-width sequencer; a re-upload (new ETag) raises another.
func TestBlobCreatedOncePerETag(t *testing.T) {
	th := startTestHost(t, nil)
	th.upload(t, "clips/a.mp4", "first")
	th.upload(t, "clips/b c.mp4", "second!")
	eventually(t, "two events", func() bool { return len(th.events(t)) == 2 })
	th.upload(t, "clips/a.mp4", "first, replaced")
	eventually(t, "three events", func() bool { return len(th.events(t)) == 3 })
	before, after := th.afterPolls(t, "EchoEvent", 5) // several more listings: nothing new
	if after.Raised != 3 || before.Raised != 3 {
		t.Fatalf("raised %d then %d events, want 3 (one per blob version)", before.Raised, after.Raised)
	}
	evs := th.events(t)
	if len(evs) != 3 {
		t.Fatalf("got %d events, want 3 (one per blob version)", len(evs))
	}
	for i, ev := range evs {
		if ev.EventType != "Microsoft.Storage.BlobCreated" || ev.MetadataVersion != "1" || ev.DataVersion != "" {
			t.Errorf("event %d header = %+v", i, ev)
		}
		if want := "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/bwv-local/providers/Microsoft.Storage/storageAccounts/devstoreaccount1"; ev.Topic != want {
			t.Errorf("topic = %q", ev.Topic)
		}
		if !strings.HasPrefix(ev.Subject, "/blobServices/default/containers/uploads/blobs/clips/") {
			t.Errorf("subject = %q", ev.Subject)
		}
		d := ev.Data
		if len(d.Sequencer) != 32 || d.ETag == "" || strings.Contains(d.ETag, `"`) || d.BlobType != "BlockBlob" ||
			d.ContentType != "video/mp4" || d.API != "PutBlob" || d.StorageDiagnostics["batchId"] == "" {
			t.Errorf("event %d data = %+v", i, d)
		}
		if i > 0 && !(evs[i-1].Data.Sequencer < d.Sequencer) {
			t.Errorf("sequencer not increasing: %s then %s", evs[i-1].Data.Sequencer, d.Sequencer)
		}
		if _, err := time.Parse(time.RFC3339Nano, ev.EventTime); err != nil {
			t.Errorf("eventTime %q: %v", ev.EventTime, err)
		}
	}
	if evs[1].Data.URL != th.az.BlobEndpoint+"uploads/clips/b%20c.mp4" || evs[1].Data.ContentLength != 7 {
		t.Errorf("second event url/length = %s %d", evs[1].Data.URL, evs[1].Data.ContentLength)
	}
	if evs[0].Data.ETag == evs[2].Data.ETag || evs[0].Subject != evs[2].Subject {
		t.Errorf("re-upload: %s/%s vs %s/%s", evs[0].Subject, evs[0].Data.ETag, evs[2].Subject, evs[2].Data.ETag)
	}
}

// --eg-duplicate and --eg-shuffle: every event arrives N times, in an order
// other than the sequencer's.
func TestEventGridDuplicateAndShuffle(t *testing.T) {
	th := startTestHost(t, func(o *Options) {
		o.EventGrid.Duplicates = 3
		o.EventGrid.Shuffle = true
		o.EventGrid.Seed = 42
		o.EventGrid.PollInterval = time.Second // all uploads land in one poll, spread over a second
	})
	for _, n := range []string{"d1", "d2", "d3", "d4", "d5"} {
		th.upload(t, n, n)
	}
	eventually(t, "15 deliveries", func() bool { return len(th.events(t)) == 15 })
	// Two more listings (each a poll interval) and every shuffled copy settled.
	if _, after := th.afterPolls(t, "EchoEvent", 2); after.Raised != 15 {
		t.Fatalf("raised %d deliveries, want 15", after.Raised)
	}
	evs := th.events(t)
	count := map[string]int{}
	var seqs []string
	for _, ev := range evs {
		count[ev.ID]++
		seqs = append(seqs, ev.Data.Sequencer)
	}
	if len(evs) != 15 || len(count) != 5 {
		t.Fatalf("got %d deliveries of %d events, want 15 of 5", len(evs), len(count))
	}
	for id, n := range count {
		if n != 3 {
			t.Errorf("event %s delivered %d times, want 3", id, n)
		}
	}
	if sort.StringsAreSorted(seqs) {
		t.Errorf("deliveries arrived in sequencer order; shuffle had no effect: %v", seqs)
	}
}

// MaxDuplicates: each event arrives a random 1..3 times (the fault suite's
// at-least-once model); every count is in range and, over 12 events, not
// all the same.
func TestEventGridRandomDuplicates(t *testing.T) {
	th := startTestHost(t, func(o *Options) {
		o.EventGrid.Duplicates = 1
		o.EventGrid.MaxDuplicates = 3
		o.EventGrid.Shuffle = true
		o.EventGrid.Seed = 7
	})
	names := []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12"}
	for _, n := range names {
		th.upload(t, n, n)
	}
	eventually(t, "every event delivered", func() bool {
		seen := map[string]bool{}
		for _, ev := range th.events(t) {
			seen[ev.Subject] = true
		}
		return len(seen) == len(names)
	})
	th.afterPolls(t, "EchoEvent", 2) // every shuffled copy settled
	count := map[string]int{}
	for _, ev := range th.events(t) {
		count[ev.ID]++
	}
	distinct := map[int]bool{}
	for id, n := range count {
		if n < 1 || n > 3 {
			t.Errorf("event %s delivered %d times, want 1..3", id, n)
		}
		distinct[n] = true
	}
	if len(count) != len(names) || len(distinct) < 2 {
		t.Fatalf("%d events with copy counts %v; want %d events with varied counts", len(count), count, len(names))
	}
}

// A failing delivery is retried on Event Grid's schedule, then dead-lettered.
func TestEventGridRetryThenDeadLetter(t *testing.T) {
	th := startTestHost(t, nil)
	th.upload(t, "fail-me.mp4", "x")
	eventually(t, "three attempts", func() bool { return len(th.events(t)) == 3 })
	cred, _ := container.NewSharedKeyCredential(th.az.Account, th.az.Key)
	c, _ := container.NewClientWithSharedKeyCredential(th.az.BlobEndpoint+"eventgrid-deadletter", cred, nil)
	eventually(t, "a dead-letter blob", func() bool {
		page, err := c.NewListBlobsFlatPager(nil).NextPage(context.Background())
		return err == nil && len(page.Segment.BlobItems) == 1
	})
	// The dead-lettered delivery is settled and the next listings raise
	// nothing: no fourth attempt can be under way.
	if _, after := th.afterPolls(t, "EchoEvent", 3); after.Raised != 1 {
		t.Errorf("raised %d deliveries, want 1", after.Raised)
	}
	if n := len(th.events(t)); n != 3 {
		t.Errorf("%d attempts, want MaxAttempts = 3", n)
	}
}

// The Core Tools webhook: validation echoes the code; notifications run the
// function and answer 202; unknown functions 404; no event type 400.
func TestEventGridWebhook(t *testing.T) {
	th := startTestHost(t, nil)
	url := th.base + "/runtime/webhooks/eventgrid?functionName=EchoEvent"
	post := func(url, kind, body string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		if kind != "" {
			req.Header.Set("aeg-event-type", kind)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp, readAll(t, resp.Body)
	}

	resp, body := post(url, "SubscriptionValidation",
		`[{"id":"1","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}}]`)
	var vr map[string]string
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &vr) != nil || vr["validationResponse"] != "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" {
		t.Errorf("validation: %d %s", resp.StatusCode, body)
	}

	ev := `{"topic":"/subscriptions/x","subject":"/blobServices/default/containers/uploads/blobs/w.mp4","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2026-01-01T00:00:00Z","id":"w1","data":{"api":"PutBlob","sequencer":"01"},"dataVersion":"","metadataVersion":"1"}`
	if resp, body := post(url, "Notification", "["+ev+"]"); resp.StatusCode != http.StatusAccepted {
		t.Errorf("notification: %d %s", resp.StatusCode, body)
	}
	if evs := th.events(t); len(evs) != 1 || evs[0].ID != "w1" {
		t.Errorf("handler got %+v", evs)
	}
	failing := strings.Replace(ev, "w.mp4", "fail.mp4", 1)
	if resp, _ := post(url, "Notification", failing); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("failing notification answered %d, want 500 so Event Grid redelivers", resp.StatusCode)
	}
	if resp, _ := post(th.base+"/runtime/webhooks/eventgrid?functionName=Nope", "Notification", ev); resp.StatusCode != 404 {
		t.Errorf("unknown function: %d", resp.StatusCode)
	}
	if resp, _ := post(url, "", ev); resp.StatusCode != 400 {
		t.Errorf("no aeg-event-type: %d", resp.StatusCode)
	}
	if resp, _ := post(url, "Unsubscribe", ev); resp.StatusCode != 202 {
		t.Errorf("unsubscribe: %d", resp.StatusCode)
	}
}
