package cosmosdb

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// HeadRef is the part of a clip record the audit anchor reads: which clip,
// its audit head, and when the record last changed.
type HeadRef struct {
	ID        string         `json:"id"`
	OfficerID string         `json:"officerId"`
	Audit     clip.AuditHead `json:"audit"`
	UpdatedAt clip.Time      `json:"updatedAt"`
}

// AuditHeadsUpdatedSince hands page every clip record (tombstones
// included: a deleted clip keeps its record) updated at or after since,
// as HeadRefs, following continuation tokens to the last page. Every
// transition moves the record's audit head and sets updatedAt in the same
// replace, so this finds every head that moved. It is a plain filter with
// a projection, which Azure's gateway serves across partitions to the Go
// SDK (no ORDER BY, TOP, aggregates or DISTINCT).
func (s *Store) AuditHeadsUpdatedSince(ctx context.Context, since time.Time, pageSize int, page func([]HeadRef) error) error {
	q := "SELECT c.id, c.officerId, c.audit, c.updatedAt FROM c WHERE c.type = @type AND c.updatedAt >= @since"
	params := []azcosmos.QueryParameter{
		{Name: "@type", Value: clip.DocTypeClip},
		{Name: "@since", Value: clip.At(since).String()},
	}
	continuation := ""
	for {
		p, err := queryPage[HeadRef](ctx, s.clips, q, params, pageSize, continuation, "listing audit heads updated since "+clip.At(since).String())
		if err != nil {
			return err
		}
		if err := page(p.Items); err != nil {
			return err
		}
		if p.Continuation == "" {
			return nil
		}
		continuation = p.Continuation
	}
}
