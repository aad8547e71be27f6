package devhost

import (
	"bytes"
	"context"
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
		// Storage sets Content-MD5 only for single-request uploads (FACTS.md):
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
// object instead, the other shape DESIGN.md tells handlers to accept.
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

// run lists the container every PollInterval and delivers an event for every
// blob name whose ETag it has not raised yet.
func (s *eventGridSource) run(ctx context.Context) {
	if !s.opts.RaiseExisting {
		if blobs, err := s.list(ctx); err == nil {
			for _, b := range blobs {
				s.seen[b.name] = b.etag
			}
		}
	}
	t := time.NewTicker(s.opts.PollInterval)
	defer t.Stop()
	warned := false
	for {
		blobs, err := s.list(ctx)
		if err != nil && ctx.Err() == nil && !warned {
			s.h.log.Warn("listing the upload container failed; will keep trying", "container", s.opts.Container, "err", err)
			warned = true
		}
		if err == nil {
			warned = false
			var events []EventGridEvent
			for _, b := range blobs {
				if s.seen[b.name] == b.etag {
					continue
				}
				s.seen[b.name] = b.etag
				events = append(events, s.blobCreated(b.name, b.props))
			}
			if len(events) > 0 {
				s.dispatch(ctx, events)
			}
		}
		select {
		case <-ctx.Done():
			s.inflight.Wait()
			return
		case <-t.C:
		}
	}
}

type listedBlob struct {
	name, etag string
	props      container.BlobProperties
}

func (s *eventGridSource) list(ctx context.Context) ([]listedBlob, error) {
	var out []listedBlob
	pager := s.watch.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Include: container.ListBlobsInclude{Copy: true}})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, reason.Errorf(CodeStorageFailed, err, "list %s", s.opts.Container)
		}
		for _, it := range page.Segment.BlobItems {
			if it.Name == nil || it.Properties == nil || it.Properties.ETag == nil {
				continue
			}
			// A copy still pending is not created yet.
			if it.Properties.CopyStatus != nil && *it.Properties.CopyStatus == container.CopyStatusTypePending {
				continue
			}
			out = append(out, listedBlob{name: *it.Name, etag: string(*it.Properties.ETag), props: *it.Properties})
		}
	}
	// Oldest first, so sequencers follow upload order.
	sortBlobs(out)
	return out, nil
}

func sortBlobs(b []listedBlob) {
	less := func(i, j int) bool {
		ti, tj := deref(b[i].props.LastModified), deref(b[j].props.LastModified)
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return b[i].name < b[j].name
	}
	for i := 1; i < len(b); i++ { // insertion sort: small, stable
		for j := i; j > 0 && less(j, j-1); j-- {
			b[j], b[j-1] = b[j-1], b[j]
		}
	}
}

// delivery is one attempt chain of one event to one function.
type delivery struct {
	fn      *Function
	event   json.RawMessage
	id      string
	attempt int
}

// dispatch delivers a poll's events: in order, one after another, by default;
// with Shuffle, every copy concurrently after a random delay within one poll
// interval, so duplicates and neighbours overlap and arrive out of order.
func (s *eventGridSource) dispatch(ctx context.Context, events []EventGridEvent) {
	var ds []*delivery
	for _, ev := range events {
		raw, _ := json.Marshal(ev)
		for _, fn := range s.fns {
			for i := 0; i < s.opts.Duplicates; i++ {
				ds = append(ds, &delivery{fn: fn, event: raw, id: ev.ID})
			}
		}
		s.h.log.Info("BlobCreated raised", "subject", ev.Subject, "etag", ev.Data.ETag, "sequencer", ev.Data.Sequencer, "api", ev.Data.API, "copies", s.opts.Duplicates)
	}
	if !s.opts.Shuffle {
		s.inflight.Add(1)
		go func() {
			defer s.inflight.Done()
			for _, d := range ds {
				s.deliver(ctx, d)
			}
		}()
		return
	}
	s.rngMu.Lock()
	s.rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
	delays := make([]time.Duration, len(ds))
	for i := range delays {
		delays[i] = time.Duration(s.rng.Int64N(int64(s.opts.PollInterval)))
	}
	s.rngMu.Unlock()
	for i, d := range ds {
		s.inflight.Add(1)
		go func(d *delivery, wait time.Duration) {
			defer s.inflight.Done()
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			s.deliver(ctx, d)
		}(d, delays[i])
	}
}

// deliver makes one attempt and, on failure, schedules the next as Event Grid
// does; after MaxAttempts the event is dead-lettered. An attempt that gets no
// answer within DeliveryTimeout counts as failed, but the invocation runs on
// (as a real function does when Event Grid stops waiting), so a slow handler
// sees the event twice.
func (s *eventGridSource) deliver(ctx context.Context, d *delivery) {
	for {
		d.attempt++
		inv := &invocation{fn: d.fn, id: newUUID()}
		inv.data, inv.metadata = s.h.eventGridPayload(d.fn, d.event, time.Now())
		done := make(chan error, 1)
		go func() {
			_, err := s.h.invoke(context.WithoutCancel(ctx), inv)
			done <- err
		}()
		var err error
		timer := time.NewTimer(s.opts.DeliveryTimeout)
		select {
		case err = <-done:
		case <-timer.C:
			err = reason.Errorf(CodeInvocationTimeout, nil, "no answer within Event Grid's %s", s.opts.DeliveryTimeout)
		}
		timer.Stop()
		if err == nil {
			return
		}
		if d.attempt >= s.opts.MaxAttempts {
			s.deadLetter(ctx, d, err)
			return
		}
		i := d.attempt - 1
		if i >= len(s.opts.RetryDelays) {
			i = len(s.opts.RetryDelays) - 1
		}
		wait := s.opts.RetryDelays[i]
		s.h.log.Warn("event delivery failed; Event Grid will retry", "function", d.fn.Name, "event_id", d.id, "attempt", d.attempt, "retry_in", wait, "err", err)
		select {
		case <-ctx.Done():
			s.h.log.Warn("host stopping; pending event retry dropped", "function", d.fn.Name, "event_id", d.id)
			return
		case <-time.After(wait):
		}
	}
}
