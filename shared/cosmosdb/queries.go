package cosmosdb

import (
	"context"
	"encoding/json"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// The queries in this file cross partitions (the clips container is
// partitioned by officer, and retention cuts across officers). They are
// plain filters: Azure's gateway serves cross-partition queries to the Go
// SDK only without ORDER BY, TOP, aggregates, DISTINCT or GROUP BY
// (azure-sdk-for-go#23128, docs/platform-facts.md; the local launcher refuses them the same way). They page with
// continuation tokens, so a caller can bound its work per run and resume.
// Times are clip.TimeLayout strings (fixed width, UTC), so string
// comparison is time order.

// DueForDeletion pages through the clips whose stored schedule is due at
// now and that no hold keeps: status verified or quarantined, no legal
// hold, not held until released, retainUntil at or before now, and no
// pending release still in its grace (a mass recompute's clips would
// otherwise use up every run's budget for a week). It is a candidate list
// only: the sweep re-reads each record and decides again
// (retention.DecideClip also keeps a clip in its release grace).
func (s *Store) DueForDeletion(ctx context.Context, now time.Time, pageSize int, continuation string) (clip.Page[clip.Ref], error) {
	q := "SELECT c.id, c.officerId FROM c WHERE c.type = @type AND c.status IN (@verified, @quarantined)" +
		" AND c.retention.legalHold = false AND c.retention.heldUntilReleased = false" +
		" AND c.retention.retainUntil <= @now" +
		" AND (NOT IS_DEFINED(c.retention.pendingRelease) OR IS_NULL(c.retention.pendingRelease)" +
		" OR IS_DEFINED(c.retention.pendingRelease.cancelledAt) OR c.retention.pendingRelease.effectiveFrom <= @now)"
	return queryPage[clip.Ref](ctx, s.clips, q, []azcosmos.QueryParameter{
		{Name: "@type", Value: clip.DocTypeClip},
		{Name: "@verified", Value: string(clip.StatusVerified)},
		{Name: "@quarantined", Value: string(clip.StatusQuarantined)},
		{Name: "@now", Value: clip.At(now).String()},
	}, pageSize, continuation, "listing clips due for deletion")
}

// PendingDeletions pages through tombstones whose content deletion is not
// confirmed yet (status deleted, no top-level deletedAt): a sweep run
// stopped between marking the record and deleting the blob, or the blob
// could not be deleted. The sweep finishes them.
func (s *Store) PendingDeletions(ctx context.Context, pageSize int, continuation string) (clip.Page[clip.Ref], error) {
	q := "SELECT c.id, c.officerId FROM c WHERE c.type = @type AND c.status = @deleted" +
		" AND (NOT IS_DEFINED(c.deletedAt) OR IS_NULL(c.deletedAt))"
	return queryPage[clip.Ref](ctx, s.clips, q, []azcosmos.QueryParameter{
		{Name: "@type", Value: clip.DocTypeClip},
		{Name: "@deleted", Value: string(clip.StatusDeleted)},
	}, pageSize, continuation, "listing unfinished deletions")
}

// ScanClips pages through every clip record (tools: reports, policy
// recompute, audit verification of all chains).
func (s *Store) ScanClips(ctx context.Context, pageSize int, continuation string) (clip.Page[clip.Clip], error) {
	return queryPage[clip.Clip](ctx, s.clips, "SELECT * FROM c WHERE c.type = @type",
		[]azcosmos.QueryParameter{{Name: "@type", Value: clip.DocTypeClip}}, pageSize, continuation, "scanning clips")
}

// FindClip reads a clip by id alone, for people who know the clip id but
// not the officer (a filter query across partitions; GetClip is the point
// read when the officer is known).
func (s *Store) FindClip(ctx context.Context, id string) (clip.Clip, error) {
	refs, err := queryPage[clip.Ref](ctx, s.clips, "SELECT c.id, c.officerId FROM c WHERE c.id = @id AND c.type = @type",
		[]azcosmos.QueryParameter{{Name: "@id", Value: id}, {Name: "@type", Value: clip.DocTypeClip}}, 10, "", "finding clip "+id)
	if err != nil {
		return clip.Clip{}, err
	}
	if len(refs.Items) == 0 {
		return clip.Clip{}, clip.Errorf(clip.NotFound, clip.CodeClipNotFound, "no clip with id %s", id)
	}
	// Ids are unique per partition only; a clip id is a digest of the blob
	// version, so two officers cannot share one, but say so if they do.
	if len(refs.Items) > 1 {
		return clip.Clip{}, clip.Errorf(clip.Conflict, clip.CodeClipIDAmbiguous, "clip id %s is recorded under %d officers; name the officer with ?officer=", id, len(refs.Items))
	}
	return s.GetClip(ctx, refs.Items[0].OfficerID, id)
}

// queryPage runs one page of a cross-partition query.
func queryPage[T any](ctx context.Context, c *azcosmos.ContainerClient, q string, params []azcosmos.QueryParameter, pageSize int, continuation, what string) (clip.Page[T], error) {
	opts := &azcosmos.QueryOptions{QueryParameters: params}
	if pageSize > 0 {
		opts.PageSizeHint = int32(pageSize)
	}
	if continuation != "" {
		opts.ContinuationToken = &continuation
	}
	pager := c.NewQueryItemsPager(q, azcosmos.NewPartitionKey(), opts)
	var out clip.Page[T]
	if !pager.More() {
		return out, nil
	}
	page, err := pager.NextPage(ctx)
	if err != nil {
		return out, classify(err, "%s", what)
	}
	for _, raw := range page.Items {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return out, clip.Wrap(clip.Internal, err, "%s: decoding an item", what)
		}
		out.Items = append(out.Items, v)
	}
	if page.ContinuationToken != nil {
		out.Continuation = *page.ContinuationToken
	}
	return out, nil
}
