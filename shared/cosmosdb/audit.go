package cosmosdb

import (
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"slices"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// maxOrphans bounds how many interrupted entries AppendAudit steps over.
const maxOrphans = 8

// AppendAudit appends e after head on the clip's chain and returns the
// entry that is now at that place, and the new head.
//
// The entry id is the clip id and sequence number, so create-if-absent
// makes the chain single-writer. When the slot is taken:
//   - by an entry with the same Key that records the same transition (same
//     action, actor, authenticated flag, justification and details;
//     SameTransition): a retry after a crash between writing the entry and
//     updating the clip record; that entry is adopted, so a retry never
//     appends a second copy. The same Key with another transition is a
//     concurrent writer that started from the same state (two people
//     reclassifying from one ETag): adopting its entry would put the other
//     person's change in this writer's trail, so it is clip.Conflict;
//   - by an entry with another Key that continues the same chain (its
//     prevHash is our head): an interrupted transition whose record update
//     never landed; it stays in the trail (nothing is hidden) and e goes
//     after it;
//   - otherwise the caller's view is stale: clip.Conflict, re-read.
func (s *Store) AppendAudit(ctx context.Context, clipID string, head clip.AuditHead, e audit.Entry) (audit.Entry, clip.AuditHead, error) {
	for range maxOrphans {
		next := audit.Next(clipID, head, e)
		_, err := create(ctx, s.audit, clipID, next.ID, next)
		if err == nil {
			return next, audit.Head(next), nil
		}
		if !clip.IsKind(err, clip.Conflict) {
			return audit.Entry{}, head, err
		}
		var got audit.Entry
		if _, rerr := read(ctx, s.audit, clipID, next.ID, &got); rerr != nil {
			return audit.Entry{}, head, rerr
		}
		switch {
		case got.Key == e.Key && got.PrevHash == head.Hash && SameTransition(got, e) && audit.Hash(got) == got.Hash:
			return got, audit.Head(got), nil
		case got.Key == e.Key:
			return audit.Entry{}, head, clip.Errorf(clip.Conflict, clip.CodeConcurrentUpdate,
				"audit entry %s records another change made from the same state (%s by %s); re-read the clip and decide again", next.ID, got.Action, got.Actor)
		case got.PrevHash == head.Hash && audit.Hash(got) == got.Hash:
			head = audit.Head(got)
		default:
			return audit.Entry{}, head, clip.Errorf(clip.Conflict, clip.CodeConcurrentUpdate,
				"audit entry %s was written by someone else; re-read the clip", next.ID)
		}
	}
	return audit.Entry{}, head, clip.Errorf(clip.Internal, "", "more than %d interrupted audit entries on clip %s", maxOrphans, clipID)
}

// ListAudit returns every audit entry of a clip in chain order (a query
// inside one partition, paged).
func (s *Store) ListAudit(ctx context.Context, clipID string) ([]audit.Entry, error) {
	q := "SELECT * FROM c WHERE c.clipId = @clip AND c.type = @type"
	pager := s.audit.NewQueryItemsPager(q, azcosmos.NewPartitionKeyString(clipID), &azcosmos.QueryOptions{
		QueryParameters: []azcosmos.QueryParameter{{Name: "@clip", Value: clipID}, {Name: "@type", Value: audit.DocType}},
	})
	var out []audit.Entry
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, classify(err, "listing audit of %s", clipID)
		}
		for _, raw := range page.Items {
			var e audit.Entry
			if err := json.Unmarshal(raw, &e); err != nil {
				return nil, clip.Wrap(clip.Internal, err, "decoding audit entry of %s", clipID)
			}
			out = append(out, e)
		}
	}
	sortEntries(out)
	return out, nil
}

func sortEntries(es []audit.Entry) {
	slices.SortFunc(es, func(a, b audit.Entry) int { return cmp.Compare(a.Seq, b.Seq) })
}

// AttemptDetails are the detail keys that name the attempt rather than the
// transition: the retention sweep's "runId" (a retry by the next run adopts
// the entry an interrupted run wrote, and builds its certificate from it).
// SameTransition ignores them and nothing else.
var AttemptDetails = []string{"runId"}

// SameTransition reports whether a stored entry records the transition e
// describes: the same action, actor, authenticated flag, justification and
// details (except AttemptDetails). Time, sequence and hashes are not
// compared (a retry has its own time; the slot gives the rest).
func SameTransition(stored, e audit.Entry) bool {
	return stored.Action == e.Action && stored.Actor == e.Actor && stored.ActorAuthenticated == e.ActorAuthenticated &&
		stored.Justification == e.Justification && maps.Equal(transitionDetails(stored.Details), transitionDetails(e.Details))
}

// transitionDetails is m without AttemptDetails and empty values (absent
// and "" compare equal, as the stored JSON may drop them).
func transitionDetails(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != "" && !slices.Contains(AttemptDetails, k) {
			out[k] = v
		}
	}
	return out
}
