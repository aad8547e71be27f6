package cosmosdb_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

func newQueryStore(t *testing.T) *cosmosdb.Store {
	t.Helper()
	cs := localsvctest.Cosmos(t)
	s, err := cosmosdb.New(cosmosdb.Options{Endpoint: cs.Endpoint, Key: cs.Key, Database: "bwv", Clips: "clips", Audit: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRetentionQueriesAcrossPartitions runs the sweep's candidate queries
// on the local Cosmos server (with the launcher's gateway rules): only
// due, unheld, final clips come back, across officers, paged.
func TestRetentionQueriesAcrossPartitions(t *testing.T) {
	s := newQueryStore(t)
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	past, future := clip.Ptr(now.Add(-time.Hour)), clip.Ptr(now.Add(time.Hour))
	exact := clip.Ptr(now)
	type spec struct {
		status    clip.Status
		until     *clip.Time
		hold, hur bool
		deletedAt *clip.Time
		want      string // "due", "pending" or ""
	}
	specs := []spec{
		{clip.StatusVerified, past, false, false, nil, "due"},
		{clip.StatusVerified, exact, false, false, nil, "due"},
		{clip.StatusQuarantined, past, false, false, nil, "due"},
		{clip.StatusVerified, future, false, false, nil, ""},
		{clip.StatusVerified, past, true, false, nil, ""},
		{clip.StatusVerified, nil, false, true, nil, ""},
		{clip.StatusVerified, nil, false, false, nil, ""},
		{clip.StatusReceived, past, false, false, nil, ""},
		{clip.StatusRefused, past, false, false, nil, ""},
		{clip.StatusDeleted, past, false, false, nil, "pending"},
		{clip.StatusDeleted, past, false, false, past, ""},
	}
	var wantDue, wantPending []string
	for i, sp := range specs {
		for o := range 3 { // three officers: three partitions
			c := clip.Clip{ID: fmt.Sprintf("c%02d-%d", i, o), Type: clip.DocTypeClip, OfficerID: fmt.Sprintf("OFF%d", o), Status: sp.status,
				Retention: clip.Retention{RetainUntil: sp.until, LegalHold: sp.hold, HeldUntilReleased: sp.hur}, DeletedAt: sp.deletedAt}
			if _, err := s.CreateClip(ctx, c); err != nil {
				t.Fatal(err)
			}
			switch sp.want {
			case "due":
				wantDue = append(wantDue, c.ID)
			case "pending":
				wantPending = append(wantPending, c.ID)
			}
		}
	}
	collect := func(next func(cont string) (clip.Page[clip.Ref], error)) []string {
		var ids []string
		cont, pages := "", 0
		for {
			p, err := next(cont)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, r := range p.Items {
				if r.OfficerID == "" {
					t.Fatalf("ref without officer: %+v", r)
				}
				ids = append(ids, r.ID)
			}
			if cont = p.Continuation; cont == "" {
				break
			}
			if pages > 100 {
				t.Fatal("continuation never ends")
			}
		}
		slices.Sort(ids)
		return ids
	}
	slices.Sort(wantDue)
	slices.Sort(wantPending)
	due := collect(func(cont string) (clip.Page[clip.Ref], error) { return s.DueForDeletion(ctx, now, 2, cont) })
	if !slices.Equal(due, wantDue) {
		t.Errorf("due %v\nwant %v", due, wantDue)
	}
	pending := collect(func(cont string) (clip.Page[clip.Ref], error) { return s.PendingDeletions(ctx, 2, cont) })
	if !slices.Equal(pending, wantPending) {
		t.Errorf("pending %v\nwant %v", pending, wantPending)
	}

	got, err := s.FindClip(ctx, "c03-2")
	if err != nil || got.OfficerID != "OFF2" || got.ETag == "" {
		t.Fatalf("FindClip: %+v %v", got, err)
	}
	if _, err := s.FindClip(ctx, "nope"); !clip.IsKind(err, clip.NotFound) {
		t.Fatalf("FindClip of a missing id: %v", err)
	}
}
