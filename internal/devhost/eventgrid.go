package devhost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// EventGridEvent is one event in the Event Grid schema, as Azure Storage
// publishes Microsoft.Storage.BlobCreated (field order as Azure sends it).
type EventGridEvent struct {
	Topic           string          `json:"topic"`
	Subject         string          `json:"subject"`
	EventType       string          `json:"eventType"`
	EventTime       string          `json:"eventTime"`
	ID              string          `json:"id"`
	Data            BlobCreatedData `json:"data"`
	DataVersion     string          `json:"dataVersion"`
	MetadataVersion string          `json:"metadataVersion"`
}

// BlobCreatedData is Microsoft.Storage.BlobCreated's data.
type BlobCreatedData struct {
	API                string            `json:"api"`
	ClientRequestID    string            `json:"clientRequestId"`
	RequestID          string            `json:"requestId"`
	ETag               string            `json:"eTag"`
	ContentType        string            `json:"contentType"`
	ContentLength      int64             `json:"contentLength"`
	BlobType           string            `json:"blobType"`
	URL                string            `json:"url"`
	Sequencer          string            `json:"sequencer"`
	StorageDiagnostics map[string]string `json:"storageDiagnostics"`
}

func (o *EventGridOptions) setDefaults(settings map[string]string) error {
	if o.Container == "" {
		o.Container = settings["BWV_UPLOAD_CONTAINER"]
	}
	if o.Container == "" {
		o.Container = "uploads"
	}
	if o.Connection == "" {
		o.Connection = "AzureWebJobsStorage"
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Duplicates == 0 {
		o.Duplicates = 1
	}
	if o.Duplicates < 1 || o.Duplicates > 100 {
		return reason.Errorf(CodeConfigInvalid, nil, "event grid duplicates %d must be 1..100", o.Duplicates)
	}
	if o.MaxDuplicates != 0 && (o.MaxDuplicates < o.Duplicates || o.MaxDuplicates > 100) {
		return reason.Errorf(CodeConfigInvalid, nil, "event grid max duplicates %d must be %d..100", o.MaxDuplicates, o.Duplicates)
	}
	if o.SubscriptionID == "" {
		o.SubscriptionID = "00000000-0000-0000-0000-000000000000"
	}
	if o.ResourceGroup == "" {
		o.ResourceGroup = "bwv-local"
	}
	if o.DeliveryTimeout <= 0 {
		o.DeliveryTimeout = 30 * time.Second
	}
	if len(o.RetryDelays) == 0 {
		o.RetryDelays = []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour}
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 30
	}
	if o.DeadLetterContainer == "" {
		o.DeadLetterContainer = "eventgrid-deadletter"
	}
	return nil
}

// eventGridSource turns new blobs in the watched container into BlobCreated
// events and delivers them, at least once, to every eventGridTrigger function.
type eventGridSource struct {
	h        *Host
	opts     EventGridOptions
	acct     StorageAccount
	watch    *container.Client
	fns      []*Function
	rng      *rand.Rand
	rngMu    sync.Mutex
	seqHigh  uint64
	seqLow   atomic.Uint64
	seen     map[string]string // blob name → last raised ETag
	inflight sync.WaitGroup
}

func newEventGridSource(h *Host, opts EventGridOptions) (*eventGridSource, error) {
	acct, err := storageAccountFor(h.opts.Settings, opts.Connection)
	if err != nil {
		return nil, reason.Errorf(CodeConfigMissing, err, "event grid source")
	}
	cred, err := container.NewSharedKeyCredential(acct.Name, acct.Key)
	if err != nil {
		return nil, reason.Errorf(CodeConfigInvalid, err, "storage key for %s", acct.Name)
	}
	c, err := container.NewClientWithSharedKeyCredential(acct.BlobEndpoint+"/"+opts.Container, cred, nil)
	if err != nil {
		return nil, reason.Errorf(CodeStorageFailed, err, "container client %s", opts.Container)
	}
	seed := opts.Seed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	s := &eventGridSource{
		h: h, opts: opts, acct: acct, watch: c,
		rng:     rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		seqHigh: uint64(time.Now().UnixNano()),
		seen:    map[string]string{},
	}
	for _, fn := range h.fns {
		if fn.Trigger.Type == TriggerEventGrid && !fn.Disabled {
			s.fns = append(s.fns, fn)
		}
	}
	return s, nil
}

// nextSequencer is increasing and fixed-width (32 hex digits), like Azure's:
// the high half is the host's start time, so a later run sorts after an
// earlier one; the low half counts events.
func (s *eventGridSource) nextSequencer() string {
	return fmt.Sprintf("%016x%016x", s.seqHigh, s.seqLow.Add(1))
}

// topic is the storage account's resource id, as Azure sets it.
func (s *eventGridSource) topic() string {
	return "/subscriptions/" + s.opts.SubscriptionID + "/resourceGroups/" + s.opts.ResourceGroup +
		"/providers/Microsoft.Storage/storageAccounts/" + s.acct.Name
}

// blobCreated builds the event for one listed blob version.
func (s *eventGridSource) blobCreated(name string, p container.BlobProperties) EventGridEvent {
	api := "PutBlockList"
	switch {
	case p.CopyStatus != nil && *p.CopyStatus == container.CopyStatusTypeSuccess:
		api = "CopyBlob"
	case len(p.ContentMD5) > 0:
		// Storage sets Content-MD5 only for single-request uploads (docs/platform-facts.md):
		// the best sign from a listing that the dock used Put Blob.
		api = "PutBlob"
	}
	etag := ""
	if p.ETag != nil {
		etag = strings.Trim(string(*p.ETag), `"`)
	}
	blobType := "BlockBlob"
	if p.BlobType != nil {
		blobType = string(*p.BlobType)
	}
	eventTime := time.Now()
	if p.LastModified != nil {
		eventTime = *p.LastModified
	}
	requestID := newUUID()
	return EventGridEvent{
		Topic:     s.topic(),
		Subject:   "/blobServices/default/containers/" + s.opts.Container + "/blobs/" + name,
		EventType: "Microsoft.Storage.BlobCreated",
		EventTime: dotnetUTC(eventTime),
		ID:        requestID,
		Data: BlobCreatedData{
			API:                api,
			ClientRequestID:    newUUID(),
			RequestID:          requestID,
			ETag:               etag,
			ContentType:        deref(p.ContentType),
			ContentLength:      deref(p.ContentLength),
			BlobType:           blobType,
			URL:                s.acct.BlobEndpoint + "/" + s.opts.Container + "/" + escapeBlobName(name),
			Sequencer:          s.nextSequencer(),
			StorageDiagnostics: map[string]string{"batchId": newUUID()},
		},
		DataVersion:     "",
		MetadataVersion: "1",
	}
}

func escapeBlobName(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// eventGridPayload is {Data, Metadata} for one event. The Event Grid extension
// binds the trigger for script functions as the event's JSON text, indented
// (its JToken→string converter uses Formatting.Indented), and the host then
// JSON-encodes that string once more, like every string value; binding data
// "data" is the event's data object. DataAsObject sends the event as an
// object instead, the other shape the real host can send (docs/platform-facts.md).
func (h *Host) eventGridPayload(fn *Function, ev json.RawMessage, now time.Time) (map[string]any, map[string]any) {
	var value any
	if h.opts.EventGrid.DataAsObject {
		value = ev
	} else {
		var buf bytes.Buffer
		if err := json.Indent(&buf, ev, "", "  "); err != nil {
			buf.Reset()
			buf.Write(ev)
		}
		value = serializedString(buf.String())
	}
	md := map[string]any{"sys": newSys(fn.Name, now)}
	var top struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(ev, &top) == nil && len(top.Data) > 0 && !bytes.Equal(top.Data, []byte("null")) {
		md["data"] = top.Data
	}
	return map[string]any{fn.Trigger.Name: value}, md
}
