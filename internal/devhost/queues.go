package devhost

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue/queueerror"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// queueMessage is a dequeued message, its text still encoded as stored.
type queueMessage struct {
	ID, PopReceipt  string
	Text            string
	DequeueCount    int64
	InsertionTime   time.Time
	ExpirationTime  time.Time
	NextVisibleTime time.Time
}

// queueStore hands out queue clients by (connection setting, queue name),
// as bindings name them in function.json.
type queueStore struct {
	settings map[string]string
	encoding string // host.json extensions.queues.messageEncoding

	mu      sync.Mutex
	clients map[string]*queueRef
}

// queueRef is one queue: Azurite (or Azure) Storage, shared-key auth.
type queueRef struct {
	name     string
	encoding string
	c        *azqueue.QueueClient

	mu      sync.Mutex
	created bool
}

func newQueueStore(settings map[string]string, encoding string) *queueStore {
	return &queueStore{settings: settings, encoding: encoding, clients: map[string]*queueRef{}}
}

// storageAccountFor resolves a binding's connection setting (default
// AzureWebJobsStorage) to an account, as the real host does.
func storageAccountFor(settings map[string]string, connection string) (StorageAccount, error) {
	if connection == "" {
		connection = "AzureWebJobsStorage"
	}
	cs, ok := settings[connection]
	if !ok || cs == "" {
		return StorageAccount{}, reason.Errorf(CodeConfigMissing, nil, "setting %s (a storage connection string) is not set", connection)
	}
	a, err := ParseConnectionString(cs)
	if err != nil {
		return StorageAccount{}, reason.Errorf(CodeConfigInvalid, err, "setting %s", connection)
	}
	return a, nil
}

func (s *queueStore) client(ctx context.Context, connection, name string, create bool) (*queueRef, error) {
	key := connection + "\x00" + name
	s.mu.Lock()
	q, ok := s.clients[key]
	s.mu.Unlock()
	if !ok {
		acct, err := storageAccountFor(s.settings, connection)
		if err != nil {
			return nil, err
		}
		cred, err := azqueue.NewSharedKeyCredential(acct.Name, acct.Key)
		if err != nil {
			return nil, reason.Errorf(CodeConfigInvalid, err, "storage key for %s", acct.Name)
		}
		c, err := azqueue.NewQueueClientWithSharedKeyCredential(acct.QueueEndpoint+"/"+name, cred, nil)
		if err != nil {
			return nil, reason.Errorf(CodeStorageFailed, err, "queue client %s", name)
		}
		q = &queueRef{name: name, encoding: s.encoding, c: c}
		s.mu.Lock()
		if prev, raced := s.clients[key]; raced {
			q = prev
		} else {
			s.clients[key] = q
		}
		s.mu.Unlock()
	}
	if create {
		if err := q.ensure(ctx); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// ensure creates the queue once; output bindings and the poison queue create
// their queue on first write, as the Storage Queues extension does.
func (q *queueRef) ensure(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.created {
		return nil
	}
	if _, err := q.c.Create(ctx, nil); err != nil && !queueerror.HasCode(err, queueerror.QueueAlreadyExists) {
		return reason.Errorf(CodeStorageFailed, err, "create queue %s", q.name)
	}
	q.created = true
	return nil
}

func (q *queueRef) encode(body []byte) string {
	if q.encoding == "none" {
		return string(body)
	}
	return base64.StdEncoding.EncodeToString(body)
}

// decode returns the message body, or false when a base64 queue holds text
// that is not base64 (the real host then fails the invocation at binding).
func (q *queueRef) decode(text string) ([]byte, bool) {
	if q.encoding == "none" {
		return []byte(text), true
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	return b, err == nil
}

func (q *queueRef) enqueue(ctx context.Context, body []byte) error {
	return q.enqueueText(ctx, q.encode(body))
}

// enqueueText puts already-encoded text (used to move a message to poison as is).
func (q *queueRef) enqueueText(ctx context.Context, text string) error {
	if _, err := q.c.EnqueueMessage(ctx, text, nil); err != nil {
		return reason.Errorf(CodeStorageFailed, err, "enqueue to %s", q.name)
	}
	return nil
}

// dequeue fetches up to n visible messages and hides them for visibility. A
// queue that does not exist yet is an empty queue.
func (q *queueRef) dequeue(ctx context.Context, n int, visibility time.Duration) ([]queueMessage, error) {
	resp, err := q.c.DequeueMessages(ctx, &azqueue.DequeueMessagesOptions{
		NumberOfMessages:  ptr(int32(n)),
		VisibilityTimeout: ptr(int32(visibility / time.Second)),
	})
	if err != nil {
		if queueerror.HasCode(err, queueerror.QueueNotFound) {
			return nil, nil
		}
		return nil, reason.Errorf(CodeStorageFailed, err, "dequeue from %s", q.name)
	}
	out := make([]queueMessage, 0, len(resp.Messages))
	for _, m := range resp.Messages {
		out = append(out, queueMessage{
			ID: deref(m.MessageID), PopReceipt: deref(m.PopReceipt), Text: deref(m.MessageText),
			DequeueCount: deref(m.DequeueCount), InsertionTime: deref(m.InsertionTime),
			ExpirationTime: deref(m.ExpirationTime), NextVisibleTime: deref(m.TimeNextVisible),
		})
	}
	return out, nil
}

func (q *queueRef) delete(ctx context.Context, m queueMessage) error {
	if _, err := q.c.DeleteMessage(ctx, m.ID, m.PopReceipt, nil); err != nil {
		return reason.Errorf(CodeStorageFailed, err, "delete message %s from %s", m.ID, q.name)
	}
	return nil
}

// release makes a failed message visible again after delay, content unchanged.
func (q *queueRef) release(ctx context.Context, m queueMessage, delay time.Duration) error {
	_, err := q.c.UpdateMessage(ctx, m.ID, m.PopReceipt, m.Text, &azqueue.UpdateMessageOptions{
		VisibilityTimeout: ptr(int32(delay / time.Second)),
	})
	if err != nil {
		return reason.Errorf(CodeStorageFailed, err, "release message %s on %s", m.ID, q.name)
	}
	return nil
}

// depth is the approximate message count (for the status view).
func (q *queueRef) depth(ctx context.Context) (int, error) {
	p, err := q.c.GetProperties(ctx, nil)
	if err != nil {
		if queueerror.HasCode(err, queueerror.QueueNotFound) {
			return 0, nil
		}
		return 0, reason.Errorf(CodeStorageFailed, err, "properties of %s", q.name)
	}
	return int(deref(p.ApproximateMessagesCount)), nil
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func isExists(err error) bool   { return queueerror.HasCode(err, queueerror.QueueAlreadyExists) }
func isNotFound(err error) bool { return queueerror.HasCode(err, queueerror.QueueNotFound) }
