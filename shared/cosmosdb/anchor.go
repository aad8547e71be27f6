package cosmosdb

import (
	"context"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// HeadRef is the part of a clip record the audit anchor reads: which clip,
// its audit head, and when Cosmos DB last wrote the record (_ts).
type HeadRef struct {
	ID        string         `json:"id"`
	OfficerID string         `json:"officerId"`
	Audit     clip.AuditHead `json:"audit"`
	// TS is the record's system timestamp (_ts): seconds since the Unix
	// epoch at which Cosmos DB committed its last write. Cosmos sets it on
	// every create, replace, upsert and patch; a writer cannot choose it.
	TS int64 `json:"_ts"`
}

// Changed is when Cosmos DB last wrote the record.
func (h HeadRef) Changed() time.Time { return time.Unix(h.TS, 0).UTC() }

// AuditHeadsChangedSince hands page every clip record (tombstones
// included: a deleted clip keeps its record) that Cosmos DB wrote at or
// after since, as HeadRefs, following continuation tokens to the last
// page. The filter is on the system timestamp _ts, not on the record's
// updatedAt: a head moves only in a write of the record, and every write
// sets _ts, whoever the writer is and whatever updatedAt says, so this
// finds every head that moved. since is rounded down to the second (_ts
// has one-second resolution). It is a plain filter with a projection,
// which Azure's gateway serves across partitions to the Go SDK (no ORDER
// BY, TOP, aggregates or DISTINCT).
func (s *Store) AuditHeadsChangedSince(ctx context.Context, since time.Time, pageSize int, page func([]HeadRef) error) error {
	q := "SELECT c.id, c.officerId, c.audit, c._ts FROM c WHERE c.type = @type AND c._ts >= @since"
	sec := max(since.Unix(), 0)
	params := []azcosmos.QueryParameter{
		{Name: "@type", Value: clip.DocTypeClip},
		{Name: "@since", Value: sec},
	}
	continuation := ""
	for {
		p, err := queryPage[HeadRef](ctx, s.clips, q, params, pageSize, continuation, "listing audit heads written since _ts "+strconv.FormatInt(sec, 10))
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

// GetHeadRef point-reads one clip record as a HeadRef (with its _ts).
func (s *Store) GetHeadRef(ctx context.Context, officerID, id string) (HeadRef, error) {
	var h HeadRef
	_, err := read(ctx, s.clips, officerID, id, &h)
	return h, err
}
