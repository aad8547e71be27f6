package report

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
)

// Storage reads the queue depths and the dead-letter container.
type Storage struct {
	Blobs               *azblob.Client
	Queues              *azqueue.ServiceClient
	VerifyQueue         string
	DeadLetterContainer string
}

var _ Counter = Storage{}

// StorageOf is the Storage of a local pipeline's clients.
func StorageOf(c *localrun.Clients) Storage {
	return Storage{Blobs: c.Blobs, Queues: c.Queues, VerifyQueue: c.Target.VerifyQueue, DeadLetterContainer: localrun.DeadLetterContainer}
}

// Counts reads the verify and poison queues' approximate message counts
// and counts the dead-letter blobs (a missing dead-letter container is
// zero, and reported as missing).
func (s Storage) Counts(ctx context.Context) (StorageCounts, error) {
	sc := StorageCounts{VerifyQueue: s.VerifyQueue, PoisonQueue: s.VerifyQueue + "-poison", DeadLetterContainer: s.DeadLetterContainer}
	for _, q := range []struct {
		name string
		dst  *int
	}{{sc.VerifyQueue, &sc.VerifyMessages}, {sc.PoisonQueue, &sc.PoisonMessages}} {
		props, err := s.Queues.NewQueueClient(q.name).GetProperties(ctx, nil)
		if err != nil {
			return sc, err
		}
		if props.ApproximateMessagesCount != nil {
			*q.dst = int(*props.ApproximateMessagesCount)
		}
	}
	pager := s.Blobs.ServiceClient().NewContainerClient(s.DeadLetterContainer).NewListBlobsFlatPager(
		&container.ListBlobsFlatOptions{Include: container.ListBlobsInclude{Metadata: true}})
	sc.DeadLetterContainerOK = true
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if bloberror.HasCode(err, bloberror.ContainerNotFound) {
			sc.DeadLetterContainerOK = false
			break
		}
		if err != nil {
			return sc, err
		}
		for _, b := range page.Segment.BlobItems {
			sc.DeadLetters++
			for k := range b.Metadata {
				if strings.EqualFold(k, localrun.MetaReplayedAt) && b.Metadata[k] != nil {
					sc.DeadLettersReplayed++
					break
				}
			}
		}
	}
	return sc, nil
}
