package cosmosdb_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// ClipsUpdatedSince runs on the local Cosmos server with the launcher's
// gateway rules (cross-partition ORDER BY/TOP refused, as in Azure): it
// returns exactly the clips updated within the window, across officers,
// following continuation tokens page by page.
func TestClipsUpdatedSinceAcrossPartitions(t *testing.T) {
	s := newQueryStore(t)
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	since := now.Add(-time.Hour)
	var want []string
	for i, at := range []time.Time{now, since, now.Add(-2 * time.Hour), now.Add(-time.Minute), since.Add(-time.Nanosecond * 1000)} {
		for o := range 3 { // three officers: three partitions
			c := clip.Clip{ID: fmt.Sprintf("u%02d-%d", i, o), Type: clip.DocTypeClip, OfficerID: fmt.Sprintf("OFF%d", o),
				Status: clip.StatusVerified, UpdatedAt: clip.At(at)}
			if _, err := s.CreateClip(ctx, c); err != nil {
				t.Fatal(err)
			}
			if !at.Before(since) {
				want = append(want, c.ID)
			}
		}
	}
	var got []string
	pages, err := s.ClipsUpdatedSince(ctx, since, 2, func(recs []clip.Clip) {
		if len(recs) > 2 {
			t.Errorf("a page of %d records with page size 2", len(recs))
		}
		for _, r := range recs {
			got = append(got, r.ID)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("clips updated since %s: %v, want %v", since, got, want)
	}
	if pages < len(want)/2 {
		t.Fatalf("%d clips in %d pages of 2: continuation was not followed", len(got), pages)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.ClipsUpdatedSince(cctx, since, 2, func([]clip.Clip) {}); !clip.IsKind(err, clip.Transient) {
		t.Fatalf("cancelled: %v, want a Transient error", err)
	}
}
