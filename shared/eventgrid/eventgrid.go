// Package eventgrid turns the value of an eventGridTrigger — an Event Grid
// schema event or a CloudEvents 1.0 event, as a JSON object, a JSON string
// holding one, or a one-element array — into a typed BlobCreated, a
// subscription-validation request, or an event to ignore. It uses the
// official types (azsystemevents, azcore/messaging) for the envelopes and
// the Storage event data.
package eventgrid

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/messaging"
	"github.com/Azure/azure-sdk-for-go/sdk/messaging/eventgrid/azsystemevents"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"

	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// Kind says what an event is to the ingest function.
type Kind int

const (
	// KindOther is any event the ingest function ignores.
	KindOther Kind = iota
	// KindBlobCreated is a Microsoft.Storage.BlobCreated event.
	KindBlobCreated
	// KindValidation is Event Grid's subscription-validation handshake.
	KindValidation
)

// Event is a parsed event.
type Event struct {
	Kind    Kind
	Schema  string // "EventGridSchema" or "CloudEventSchemaV1_0"
	ID      string
	Type    string
	Source  string // topic (Event Grid) or source (CloudEvents)
	Subject string
	Time    time.Time
	Blob    *BlobCreated // KindBlobCreated only
	// ValidationCode and ValidationURL for KindValidation.
	ValidationCode string
	ValidationURL  string
}

// BlobCreated is what the ingest function needs from a BlobCreated event.
type BlobCreated struct {
	Account       string // from the topic/source resource id
	Container     string // from the subject
	Name          string // from the subject
	API           string
	ETag          string
	URL           string
	Sequencer     string
	ContentType   string
	ContentLength int64
	BlobType      string
}

// Parse parses one trigger value. A value that is not an event at all is a
// clip.Invalid error with CodeEventMalformed.
func Parse(raw []byte) (Event, error) {
	raw = funchost.Unwrap(raw) // a JSON string holding the event, as the real host sends it
	if len(raw) > 0 && raw[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(raw, &arr); err != nil {
			return Event{}, malformed("event array: %v", err)
		}
		if len(arr) != 1 {
			return Event{}, malformed("expected one event per invocation, got %d", len(arr))
		}
		raw = arr[0]
	}
	var probe struct {
		SpecVersion string `json:"specversion"`
		EventType   string `json:"eventType"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return Event{}, malformed("not a JSON object: %v", err)
	}
	if probe.SpecVersion != "" {
		return parseCloudEvent(raw)
	}
	return parseEventGrid(raw)
}

func parseEventGrid(raw []byte) (Event, error) {
	var e azsystemevents.EventGridEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		return Event{}, malformed("Event Grid event: %v", err)
	}
	if e.EventType == nil || e.ID == nil || e.Subject == nil {
		return Event{}, malformed("Event Grid event lacks id, eventType or subject")
	}
	ev := Event{Schema: "EventGridSchema", ID: *e.ID, Type: *e.EventType, Subject: *e.Subject}
	if e.Topic != nil {
		ev.Source = *e.Topic
	}
	if e.EventTime != nil {
		ev.Time = *e.EventTime
	}
	data, _ := e.Data.([]byte)
	return classify(ev, data)
}

func parseCloudEvent(raw []byte) (Event, error) {
	var e messaging.CloudEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		return Event{}, malformed("CloudEvent: %v", err)
	}
	ev := Event{Schema: "CloudEventSchemaV1_0", ID: e.ID, Type: e.Type, Source: e.Source}
	if e.Subject != nil {
		ev.Subject = *e.Subject
	}
	if e.Time != nil {
		ev.Time = *e.Time
	}
	data, _ := e.Data.([]byte)
	return classify(ev, data)
}

func classify(ev Event, data []byte) (Event, error) {
	switch ev.Type {
	case string(azsystemevents.TypeSubscriptionValidation):
		var v azsystemevents.SubscriptionValidationEventData
		if err := json.Unmarshal(data, &v); err != nil || v.ValidationCode == nil {
			return Event{}, malformed("subscription validation event without a validationCode")
		}
		ev.Kind = KindValidation
		ev.ValidationCode = *v.ValidationCode
		if v.ValidationURL != nil {
			ev.ValidationURL = *v.ValidationURL
		}
		return ev, nil
	case string(azsystemevents.TypeStorageBlobCreated):
	default:
		ev.Kind = KindOther
		return ev, nil
	}
	var d azsystemevents.StorageBlobCreatedEventData
	if err := json.Unmarshal(data, &d); err != nil {
		return Event{}, malformed("BlobCreated data: %v", err)
	}
	b := &BlobCreated{
		API: str(d.API), ETag: clip.NormalizeETag(str(d.ETag)), URL: str(d.URL), Sequencer: str(d.Sequencer),
		ContentType: str(d.ContentType), BlobType: str(d.BlobType),
	}
	if d.ContentLength != nil {
		b.ContentLength = *d.ContentLength
	}
	var err error
	if b.Account, err = AccountFromResourceID(ev.Source); err != nil {
		return Event{}, err
	}
	if b.Container, b.Name, err = SplitSubject(ev.Subject); err != nil {
		return Event{}, err
	}
	if b.URL == "" || b.ETag == "" {
		return Event{}, malformed("BlobCreated data lacks url or eTag")
	}
	ev.Kind = KindBlobCreated
	ev.Blob = b
	return ev, nil
}

// AccountFromResourceID extracts the storage account name from a topic or
// source: /subscriptions/…/providers/Microsoft.Storage/storageAccounts/<name>.
func AccountFromResourceID(id string) (string, error) {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "storageAccounts") && parts[i+1] != "" {
			return parts[i+1], nil
		}
	}
	return "", malformed("topic/source %q names no storage account", id)
}

// SplitSubject splits /blobServices/default/containers/<c>/blobs/<name>.
// Blob names may contain '/'.
func SplitSubject(subject string) (container, name string, err error) {
	const prefix = "/blobServices/default/containers/"
	rest, ok := strings.CutPrefix(subject, prefix)
	if !ok {
		return "", "", malformed("subject %q is not a blob subject", subject)
	}
	container, name, ok = strings.Cut(rest, "/blobs/")
	if !ok || container == "" || name == "" {
		return "", "", malformed("subject %q names no container and blob", subject)
	}
	return container, name, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func malformed(format string, args ...any) error {
	return clip.Errorf(clip.Invalid, clip.CodeEventMalformed, "%s", fmt.Sprintf(format, args...))
}
