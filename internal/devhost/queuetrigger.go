package devhost

import (
	"context"
	"sync"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// runQueueTrigger polls one queue for one function until ctx ends, following
// the Storage Queues extension: fetch batchSize messages whenever the number
// in flight is at or below newBatchThreshold; back off up to
// maxPollingInterval while the queue is empty; on success delete; on failure
// make the message visible again after visibilityTimeout, or, once it has been
// dequeued maxDequeueCount times, move it to <queue>-poison.
func (h *Host) runQueueTrigger(ctx context.Context, fn *Function) {
	opts := h.cfg.Queues
	q, err := h.queues.client(ctx, fn.Trigger.Connection, fn.Trigger.QueueName, false)
	if err != nil {
		h.log.Error("queue trigger disabled", "function", fn.Name, "err", err)
		return
	}
	// While a message is being processed it stays hidden; it reappears on its
	// own only if this host dies mid-invocation.
	hide := h.cfg.FunctionTimeout + time.Minute

	// In-flight invocations run on a context that outlives ctx by a grace
	// period, so a shutdown lets them finish instead of failing them all.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	var wg sync.WaitGroup
	var mu sync.Mutex
	inflight := 0
	freed := make(chan struct{}, 64)

	const minPoll = 100 * time.Millisecond
	delay := minPoll
	for ctx.Err() == nil {
		mu.Lock()
		n := inflight
		mu.Unlock()
		if n > opts.NewBatchThreshold {
			select {
			case <-ctx.Done():
			case <-freed:
			}
			continue
		}
		msgs, err := q.dequeue(ctx, opts.BatchSize, hide)
		if err != nil && ctx.Err() == nil {
			h.log.Warn("dequeue failed", "function", fn.Name, "queue", q.name, "err", err)
		}
		for range msgs {
			h.stats.started(fn.Name)
		}
		if err == nil {
			h.stats.polled(fn.Name)
		}
		if len(msgs) == 0 {
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
			if delay *= 2; delay > opts.MaxPollingInterval {
				delay = opts.MaxPollingInterval
			}
			if delay < minPoll {
				delay = minPoll
			}
			continue
		}
		delay = minPoll
		for _, m := range msgs {
			mu.Lock()
			inflight++
			mu.Unlock()
			wg.Add(1)
			go func(m queueMessage) {
				defer wg.Done()
				h.processQueueMessage(work, fn, q, m)
				h.stats.settled(fn.Name)
				mu.Lock()
				inflight--
				mu.Unlock()
				select {
				case freed <- struct{}{}:
				default:
				}
			}(m)
		}
	}
	drained := make(chan struct{})
	go func() { wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(h.opts.ShutdownGrace):
		cancelWork()
		<-drained
	}
}

func (h *Host) processQueueMessage(ctx context.Context, fn *Function, q *queueRef, m queueMessage) {
	opts := h.cfg.Queues
	if m.DequeueCount > int64(opts.MaxDequeueCount) {
		// Dequeued more often than allowed without an answer (e.g. the host
		// died mid-invocation): poison it without running it again.
		h.poison(ctx, fn, q, m)
		return
	}
	inv := &invocation{fn: fn, id: newUUID()}
	var err error
	body, ok := q.decode(m.Text)
	if !ok {
		err = reason.Errorf(CodeTriggerValueBad, nil, "message %s on %s is not base64 (host.json messageEncoding is base64)", m.ID, q.name)
		h.summarise(inv, outcome{}, err)
	} else {
		inv.data = map[string]any{fn.Trigger.Name: serializedString(string(body))}
		inv.metadata = queueMessageMetadata(fn.Name, time.Now(), m, body)
		_, err = h.invoke(ctx, inv)
	}
	if err == nil {
		if derr := q.delete(ctx, m); derr != nil {
			h.log.Warn("delete after success failed; the message will run again", "function", fn.Name, "invocation_id", inv.id, "err", derr)
		}
		return
	}
	if m.DequeueCount >= int64(opts.MaxDequeueCount) {
		h.poison(ctx, fn, q, m)
		return
	}
	if rerr := q.release(ctx, m, opts.VisibilityTimeout); rerr != nil {
		h.log.Warn("release after failure failed; the message reappears when its hide time ends", "function", fn.Name, "err", rerr)
	}
}

// poison moves a message, text unchanged, to <queue>-poison and deletes it.
func (h *Host) poison(ctx context.Context, fn *Function, q *queueRef, m queueMessage) {
	name := q.name + "-poison"
	p, err := h.queues.client(ctx, fn.Trigger.Connection, name, true)
	if err == nil {
		err = p.enqueueText(ctx, m.Text)
	}
	if err != nil {
		h.log.Error("move to poison queue failed; the message stays", "function", fn.Name, "queue", name, "err", err)
		return
	}
	if err := q.delete(ctx, m); err != nil {
		h.log.Warn("delete after poisoning failed", "function", fn.Name, "err", err)
	}
	h.log.Warn("message moved to poison queue", "function", fn.Name, "message_id", m.ID, "dequeue_count", m.DequeueCount, "poison_queue", name)
	h.stats.poisoned(fn.Name)
}
