package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// Replay puts work that the pipeline gave up on back in front of it, once
// its cause is fixed: messages of the verify queue's poison queue go back to
// the verify queue, and dead-lettered Event Grid events are delivered again
// to ClipIngest. Both are safe to repeat, because the functions are: one
// record per blob version (create-if-absent), a clip already final is left
// alone by ClipVerify, and a stale or duplicate event changes nothing.
//
// Nothing is lost on a crash half-way: a poison message is deleted only
// after its copy is in the verify queue (a crash between the two replays it
// twice, which is harmless), and a dead-letter blob is never deleted — it is
// the evidence of the failure — but marked with the time it was replayed,
// after ClipIngest accepted its events.

// Reason codes of replay.
const (
	// CodeReplayFailed: a message or dead letter could not be replayed;
	// the others were (the report says which).
	CodeReplayFailed reason.Code = "REPLAY_FAILED"
)

// MetaReplayedAt marks a dead-letter blob as replayed (its value is the
// time, RFC 3339); such a blob is skipped by later replays.
const MetaReplayedAt = "bwvreplayedat"

// deadLetterFields are what Event Grid adds to an event it dead-letters;
// they are removed again before the event is replayed, so the function sees
// the event as it was first delivered.
var deadLetterFields = []string{"deadLetterReason", "deliveryAttempts", "lastDeliveryOutcome", "lastHttpStatusCode",
	"publishTime", "lastDeliveryAttemptTime"}

// ReplayOptions say what to replay and how.
type ReplayOptions struct {
	DryRun bool // list what would be replayed; change nothing
	Max    int  // at most this many messages or dead-letter blobs (0 = 1000)
	// DeadLetterContainer holds Event Grid's dead letters (default eventgrid-deadletter).
	DeadLetterContainer string
	// Function is the Event Grid function to deliver to (default ClipIngest).
	Function string
	// Client sends the webhook requests (default: 30 s timeout).
	Client *http.Client
	Now    func() time.Time
}

func (o *ReplayOptions) defaults() {
	if o.Max <= 0 {
		o.Max = 1000
	}
	if o.DeadLetterContainer == "" {
		o.DeadLetterContainer = DeadLetterContainer
	}
	if o.Function == "" {
		o.Function = "ClipIngest"
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// ReplayItem is one message or dead letter and what happened to it.
type ReplayItem struct {
	Source  string `json:"source"` // queue message id, or dead-letter blob name
	About   string `json:"about"`  // the clip or event it concerns
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
}

// Replay outcomes.
const (
	OutcomeWouldReplay     = "would-replay"
	OutcomeReplayed        = "replayed"
	OutcomeAlreadyReplayed = "already-replayed"
	OutcomeFailed          = "failed"
)

// ReplayReport lists every item looked at.
type ReplayReport struct {
	DryRun bool         `json:"dryRun"`
	Items  []ReplayItem `json:"items"`
	// Waiting is the poison queue's approximate message count when a dry
	// run looked: a queue peek shows at most 32 messages, so Items may list
	// fewer than a replay would move.
	Waiting int `json:"waiting,omitempty"`
}

// Failed counts the items that failed.
func (r ReplayReport) Failed() int {
	n := 0
	for _, it := range r.Items {
		if it.Outcome == OutcomeFailed {
			n++
		}
	}
	return n
}

// ReplayPoison moves the messages of the verify queue's poison queue back to
// the verify queue (a dry run only peeks at them).
func ReplayPoison(ctx context.Context, c *Clients, o ReplayOptions) (ReplayReport, error) {
	o.defaults()
	rep := ReplayReport{DryRun: o.DryRun}
	poison := c.Queues.NewQueueClient(c.Target.PoisonQueue())
	if o.DryRun {
		if props, err := poison.GetProperties(ctx, nil); err == nil && props.ApproximateMessagesCount != nil {
			rep.Waiting = int(*props.ApproximateMessagesCount)
		}
		peek, err := poison.PeekMessages(ctx, &azqueue.PeekMessagesOptions{NumberOfMessages: to.Ptr(int32(min(o.Max, 32)))})
		if err != nil {
			return rep, unreachableOr(err, CodeReplayFailed, "peeking %s", c.Target.PoisonQueue())
		}
		for _, m := range peek.Messages {
			rep.Items = append(rep.Items, ReplayItem{Source: deref(m.MessageID), About: describeMessage(deref(m.MessageText)), Outcome: OutcomeWouldReplay})
		}
		return rep, nil
	}
	verify := c.Queues.NewQueueClient(c.Target.VerifyQueue)
	for len(rep.Items) < o.Max {
		batch, err := poison.DequeueMessages(ctx, &azqueue.DequeueMessagesOptions{
			NumberOfMessages: to.Ptr(int32(min(o.Max-len(rep.Items), 32))), VisibilityTimeout: to.Ptr(int32(120))})
		if err != nil {
			return rep, unreachableOr(err, CodeReplayFailed, "reading %s", c.Target.PoisonQueue())
		}
		if len(batch.Messages) == 0 {
			break
		}
		for _, m := range batch.Messages {
			it := ReplayItem{Source: deref(m.MessageID), About: describeMessage(deref(m.MessageText)), Outcome: OutcomeReplayed}
			// The text is replayed exactly as it is: already in the host's
			// messageEncoding (base64), as the host moved it.
			if _, err := verify.EnqueueMessage(ctx, deref(m.MessageText), nil); err != nil {
				it.Outcome, it.Error = OutcomeFailed, "enqueue to "+c.Target.VerifyQueue+": "+err.Error()
			} else if _, err := poison.DeleteMessage(ctx, deref(m.MessageID), deref(m.PopReceipt), nil); err != nil {
				// Replayed; the poison copy comes back after its visibility
				// timeout and a later replay sends it again (harmless).
				it.Error = "replayed, but the poison copy was not deleted: " + err.Error()
			}
			rep.Items = append(rep.Items, it)
		}
	}
	return rep, failedErr(rep)
}

// ReplayDeadLetters delivers every event of every dead-letter blob not yet
// replayed to the Event Grid function through the host's webhook, and marks
// the blob replayed once the function accepted them (2xx).
func ReplayDeadLetters(ctx context.Context, c *Clients, o ReplayOptions) (ReplayReport, error) {
	o.defaults()
	rep := ReplayReport{DryRun: o.DryRun}
	cc := c.Blobs.ServiceClient().NewContainerClient(o.DeadLetterContainer)
	pager := cc.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Include: container.ListBlobsInclude{Metadata: true}})
	for pager.More() && len(rep.Items) < o.Max {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return rep, unreachableOr(err, CodeReplayFailed, "listing %s", o.DeadLetterContainer)
		}
		for _, b := range page.Segment.BlobItems {
			if len(rep.Items) >= o.Max {
				break
			}
			rep.Items = append(rep.Items, replayDeadLetter(ctx, c, cc, deref(b.Name), b.Metadata, o))
		}
	}
	return rep, failedErr(rep)
}

func replayDeadLetter(ctx context.Context, c *Clients, cc *container.Client, name string, md map[string]*string, o ReplayOptions) ReplayItem {
	it := ReplayItem{Source: o.DeadLetterContainer + "/" + name}
	for k, v := range md {
		if strings.EqualFold(k, MetaReplayedAt) && v != nil {
			it.Outcome, it.About = OutcomeAlreadyReplayed, "replayed at "+*v
			return it
		}
	}
	fail := func(format string, args ...any) ReplayItem {
		it.Outcome, it.Error = OutcomeFailed, fmt.Sprintf(format, args...)
		return it
	}
	bc := cc.NewBlobClient(name)
	dl, err := bc.DownloadStream(ctx, nil)
	if err != nil {
		return fail("download: %v", err)
	}
	raw, err := io.ReadAll(io.LimitReader(dl.Body, 64<<20))
	dl.Body.Close()
	if err != nil {
		return fail("download: %v", err)
	}
	events, about, err := originalEvents(raw)
	if err != nil {
		return fail("%v", err)
	}
	it.About = about
	if o.DryRun {
		it.Outcome = OutcomeWouldReplay
		return it
	}
	if err := deliverEvents(ctx, c.Target, o, events); err != nil {
		return fail("%v", err)
	}
	meta := map[string]*string{}
	for k, v := range md {
		meta[k] = v
	}
	meta[MetaReplayedAt] = to.Ptr(o.Now().UTC().Format(time.RFC3339))
	if _, err := bc.SetMetadata(ctx, meta, &blob.SetMetadataOptions{AccessConditions: &blob.AccessConditions{
		ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: dl.ETag}}}); err != nil {
		// Delivered, not marked: a later replay delivers it again (harmless).
		it.Outcome, it.Error = OutcomeReplayed, "delivered, but not marked replayed: "+err.Error()
		return it
	}
	it.Outcome = OutcomeReplayed
	return it
}

// originalEvents reads a dead-letter blob (a JSON array of events, as Event
// Grid writes them) and removes the fields dead-lettering added.
func originalEvents(raw []byte) ([]byte, string, error) {
	var evs []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &evs); err != nil || len(evs) == 0 {
		return nil, "", fmt.Errorf("not a dead-letter blob (a JSON array of events): %v", err)
	}
	var about []string
	for _, ev := range evs {
		for _, f := range deadLetterFields {
			delete(ev, f)
		}
		var subject string
		_ = json.Unmarshal(ev["subject"], &subject)
		about = append(about, subject)
	}
	b, err := json.Marshal(evs)
	return b, strings.Join(about, ", "), err
}

// deliverEvents POSTs events to the host's Event Grid webhook as a
// Notification, the way Event Grid delivers them.
func deliverEvents(ctx context.Context, t Target, o ReplayOptions, events []byte) error {
	u := strings.TrimRight(t.HostURL, "/") + "/runtime/webhooks/eventgrid?functionName=" + url.QueryEscape(o.Function)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(events))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("aeg-event-type", "Notification")
	resp, err := o.Client.Do(req)
	if err != nil {
		return unreachableOr(err, CodeReplayFailed, "delivering to %s", o.Function)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s answered %d: %s", o.Function, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

func failedErr(rep ReplayReport) error {
	if n := rep.Failed(); n > 0 {
		return reason.Errorf(CodeReplayFailed, nil, "%d of %d items could not be replayed (listed above)", n, len(rep.Items))
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
