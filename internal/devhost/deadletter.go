package devhost

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// deadLetter writes an event that ran out of attempts to the dead-letter
// container as Event Grid does: a blob
// <TOPIC>/<SUBSCRIPTION>/yyyy/MM/dd/HH/<guid>.json holding a JSON array with
// the event and deadLetterReason, deliveryAttempts, lastDeliveryOutcome.
func (s *eventGridSource) deadLetter(ctx context.Context, d *delivery, cause error) {
	if s.opts.DeadLetterContainer == "-" {
		s.h.log.Error("event dropped after max attempts (dead-lettering off)", "function", d.fn.Name, "event_id", d.id, "attempts", d.attempt)
		return
	}
	var ev map[string]any
	_ = json.Unmarshal(d.event, &ev)
	now := time.Now().UTC()
	ev["deadLetterReason"] = "MaxDeliveryAttemptsExceeded"
	ev["deliveryAttempts"] = d.attempt
	ev["lastDeliveryOutcome"] = cause.Error()
	ev["publishTime"] = dotnetUTC(now)
	ev["lastDeliveryAttemptTime"] = dotnetUTC(now)
	body, _ := json.Marshal([]any{ev})
	name := strings.ToUpper(s.acct.Name) + "/" + strings.ToUpper(d.fn.Name) + "/" + now.Format("2006/01/02/15") + "/" + newUUID() + ".json"

	cred, err := container.NewSharedKeyCredential(s.acct.Name, s.acct.Key)
	var c *container.Client
	if err == nil {
		c, err = container.NewClientWithSharedKeyCredential(s.acct.BlobEndpoint+"/"+s.opts.DeadLetterContainer, cred, nil)
	}
	if err == nil {
		if _, cerr := c.Create(ctx, nil); cerr != nil && !bloberror.HasCode(cerr, bloberror.ContainerAlreadyExists) {
			err = cerr
		}
	}
	if err == nil {
		_, err = c.NewBlockBlobClient(name).UploadBuffer(ctx, body, nil)
	}
	if err != nil {
		s.h.log.Error("dead-lettering failed; event lost", "function", d.fn.Name, "event_id", d.id, "err", err)
		return
	}
	s.h.log.Error("event dead-lettered after max attempts", "function", d.fn.Name, "event_id", d.id, "attempts", d.attempt, "blob", s.opts.DeadLetterContainer+"/"+name)
}
