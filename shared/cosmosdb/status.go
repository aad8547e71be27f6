package cosmosdb

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// ClipsUpdatedSince reads every clip record updated at or after since,
// across every officer partition, and hands each page of records to page in
// the order the service returns them (the operator's status view; the caller
// sorts). Like the queries in queries.go it is a plain filter — no ORDER BY,
// TOP, aggregates, DISTINCT or GROUP BY, which Azure's gateway refuses to the
// Go SDK across partitions — and it follows continuation tokens until the
// last page. pageSize is a hint (<= 0: the service default). It returns how
// many pages were read; on an error, the pages before it were already handed
// to page.
func (s *Store) ClipsUpdatedSince(ctx context.Context, since time.Time, pageSize int, page func([]clip.Clip)) (pages int, err error) {
	q := "SELECT * FROM c WHERE c.type = @type AND c.updatedAt >= @since"
	params := []azcosmos.QueryParameter{
		{Name: "@type", Value: clip.DocTypeClip},
		{Name: "@since", Value: clip.At(since).String()},
	}
	continuation := ""
	for {
		p, err := queryPage[clip.Clip](ctx, s.clips, q, params, pageSize, continuation, "listing clips updated since "+clip.At(since).String())
		if err != nil {
			return pages, err
		}
		pages++
		page(p.Items)
		if p.Continuation == "" {
			return pages, nil
		}
		continuation = p.Continuation
	}
}
