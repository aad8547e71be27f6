package localrun

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue/queueerror"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/transport"
)

// Clients are the SDK clients of one Target.
type Clients struct {
	Target  Target
	Blobs   *azblob.Client
	Queues  *azqueue.ServiceClient
	Records *cosmosdb.Store
}

// Connect builds clients for t; it does no I/O. A local service that is
// down fails fast (few retries): a person waiting at a terminal wants to
// hear "is `make run` running?" in seconds, not after a minute of backoff.
func Connect(t Target) (*Clients, error) {
	retry := policy.RetryOptions{MaxRetries: 2, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: 2 * time.Second, TryTimeout: 5 * time.Minute}
	bcred, err := azblob.NewSharedKeyCredential(t.Account, t.Key)
	if err != nil {
		return nil, reason.Errorf(CodeSettingsInvalid, err, "storage key")
	}
	blobs, err := azblob.NewClientWithSharedKeyCredential(t.BlobEndpoint+"/", bcred,
		&azblob.ClientOptions{ClientOptions: azcore.ClientOptions{Retry: retry}})
	if err != nil {
		return nil, reason.Errorf(CodeSettingsInvalid, err, "blob endpoint %s", t.BlobEndpoint)
	}
	qcred, err := azqueue.NewSharedKeyCredential(t.Account, t.Key)
	if err != nil {
		return nil, reason.Errorf(CodeSettingsInvalid, err, "storage key")
	}
	queues, err := azqueue.NewServiceClientWithSharedKeyCredential(t.QueueEndpoint+"/", qcred,
		&azqueue.ClientOptions{ClientOptions: azcore.ClientOptions{Retry: retry}})
	if err != nil {
		return nil, reason.Errorf(CodeSettingsInvalid, err, "queue endpoint %s", t.QueueEndpoint)
	}
	records, err := cosmosdb.New(cosmosdb.Options{Endpoint: t.CosmosEndpoint, Key: t.CosmosKey, Database: t.Database,
		Clips: t.ClipsContainer, Audit: t.AuditContainer, ThrottleBudget: 10 * time.Second})
	if err != nil {
		return nil, reason.Errorf(CodeSettingsInvalid, err, "cosmos endpoint %s", t.CosmosEndpoint)
	}
	return &Clients{Target: t, Blobs: blobs, Queues: queues, Records: records}, nil
}

// EnsureStorage creates the containers and queues the pipeline uses, if
// missing: the upload, quarantine and Event Grid dead-letter containers, the
// audit anchors container, the verify queue and its poison queue.
func (c *Clients) EnsureStorage(ctx context.Context, deadLetter string) error {
	for _, name := range []string{c.Target.UploadContainer, c.Target.QuarantineContainer, deadLetter, blobstore.AnchorContainer} {
		if _, err := c.Blobs.CreateContainer(ctx, name, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
			return unreachableOr(err, CodeStartFailed, "creating container %s", name)
		}
	}
	for _, name := range []string{c.Target.VerifyQueue, c.Target.PoisonQueue()} {
		if _, err := c.Queues.CreateQueue(ctx, name, nil); err != nil && !queueerror.HasCode(err, queueerror.QueueAlreadyExists) {
			return unreachableOr(err, CodeStartFailed, "creating queue %s", name)
		}
	}
	return nil
}

// unreachableOr codes a connection failure as CodeUnreachable (the pipeline
// is not running), anything else as code.
func unreachableOr(err error, code reason.Code, format string, args ...any) error {
	if isUnreachable(err) {
		e := reason.Errorf(CodeUnreachable, err, format, args...)
		e.Message += " — is the pipeline running (`make run`)?"
		return e
	}
	return reason.Errorf(code, err, format, args...)
}

// isUnreachable: a local service did not answer (refused, reset, timed
// out) — shared/transport's classifier, the one the adapters use.
func isUnreachable(err error) bool {
	return transport.IsFailure(err)
}
