// The blob watch: Azurite emits no Event Grid events, so the local host lists
// the upload container and raises BlobCreated for every new name or ETag,
// delivering with retries and dead-lettering like Event Grid.

package devhost

import (
	"context"
	"encoding/json"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

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
			for _, fn := range s.fns {
				s.h.stats.polled(fn.Name)
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
	copy    int // 0 for the first copy of an event, 1… for its duplicates
}

// copies is how many times to deliver one event: Duplicates, or a draw
// from Duplicates..MaxDuplicates.
func (s *eventGridSource) copies() int {
	if s.opts.MaxDuplicates <= s.opts.Duplicates {
		return s.opts.Duplicates
	}
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.opts.Duplicates + s.rng.IntN(s.opts.MaxDuplicates-s.opts.Duplicates+1)
}

// dispatch delivers a poll's events: in order, one after another, by default;
// with Shuffle, every copy concurrently after a random delay within one poll
// interval, so duplicates and neighbours overlap and arrive out of order.
func (s *eventGridSource) dispatch(ctx context.Context, events []EventGridEvent) {
	var ds []*delivery
	for _, ev := range events {
		raw, _ := json.Marshal(ev)
		copies := s.copies()
		for _, fn := range s.fns {
			for i := 0; i < copies; i++ {
				ds = append(ds, &delivery{fn: fn, event: raw, id: ev.ID, copy: i})
				s.h.stats.raised(fn.Name)
			}
		}
		s.h.log.Info("BlobCreated raised", "subject", ev.Subject, "etag", ev.Data.ETag, "sequencer", ev.Data.Sequencer, "api", ev.Data.API, "copies", copies)
	}
	if !s.opts.Shuffle {
		s.inflight.Add(1)
		go func() {
			defer s.inflight.Done()
			for _, d := range ds {
				s.deliver(ctx, d)
				s.h.stats.settled(d.fn.Name)
			}
		}()
		return
	}
	s.rngMu.Lock()
	s.rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
	delays := make([]time.Duration, len(ds))
	for i, d := range ds {
		window := s.opts.PollInterval
		if d.copy > 0 && s.opts.DuplicateWindow > window {
			window = s.opts.DuplicateWindow
		}
		delays[i] = time.Duration(s.rng.Int64N(int64(window)))
	}
	s.rngMu.Unlock()
	for i, d := range ds {
		s.inflight.Add(1)
		go func(d *delivery, wait time.Duration) {
			defer s.inflight.Done()
			defer s.h.stats.settled(d.fn.Name)
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
