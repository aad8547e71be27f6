package cosmosdb_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

// TestReportSearchesReturnExactlyTheOracleSet runs the searches of `bwv
// report` on the local Cosmos server (its launcher refuses what Azure's
// gateway refuses) over generated clips, some with pending or cancelled
// releases: each returns exactly the oracle's set, every item once, and
// none uses a construct the gateway refuses across partitions.
func TestReportSearchesReturnExactlyTheOracleSet(t *testing.T) {
	clips := generateClips(searchSeed(t), 800)
	for i := range clips {
		switch i % 9 {
		case 0:
			clips[i].Retention.PendingRelease = &clip.PendingRelease{RequestedBy: "x", RequestedAt: clips[i].ReceivedAt, EffectiveFrom: clips[i].ReceivedAt}
		case 1:
			clips[i].Retention.PendingRelease = &clip.PendingRelease{RequestedBy: "x", RequestedAt: clips[i].ReceivedAt, EffectiveFrom: clips[i].ReceivedAt,
				CancelledBy: "y", CancelledAt: clip.Ptr(searchNow)}
		}
	}
	doc, err := os.ReadFile("../../docs/report.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), strings.Join(strings.Fields(cosmosdb.ReportProjection), " ")) {
		t.Errorf("the projection is not in docs/report.md:\n%s", cosmosdb.ReportProjection)
	}
	s := newQueryStore(t)
	seedClips(t, s, clips)
	in := func(t *clip.Time, from, to time.Time) bool { return t != nil && !t.Before(from) && t.Before(to) }
	from, to := searchNow.AddDate(0, 0, -6), searchNow.AddDate(0, 0, -2)
	rFrom, rTo := searchNow.Add(-3*time.Hour), searchNow.Add(-time.Hour)
	for _, sc := range []searchCase{
		{cosmosdb.SearchRecordedBetween(from, to), func(c clip.Clip) bool { return in(c.RecordedStart, from, to) }},
		{cosmosdb.SearchRejectedBetween(rFrom, rTo), func(c clip.Clip) bool {
			return (c.Status == clip.StatusQuarantined || c.Status == clip.StatusRefused) && in(&c.ReceivedAt, rFrom, rTo)
		}},
		{cosmosdb.SearchHeldUntilReleased(), func(c clip.Clip) bool { return c.Retention.HeldUntilReleased && c.Status != clip.StatusDeleted }},
		{cosmosdb.SearchPendingRelease(), func(c clip.Clip) bool { return c.Retention.PendingRelease.Active() && c.Status != clip.StatusDeleted }},
	} {
		t.Run(sc.s.Name, func(t *testing.T) {
			if m := gatewayRefused.FindString(sc.s.SQL); m != "" || !sc.s.CrossPartition() || strings.Contains(sc.s.SQL, "'") {
				t.Errorf("%s uses %q or a literal, or is not a plain cross-partition filter:\n%s", sc.s.Name, m, sc.s.SQL)
			}
			if where := strings.TrimPrefix(sc.s.SQL, cosmosdb.ReportProjection); !strings.Contains(string(doc), "SELECT … FROM c"+where) {
				t.Errorf("query not in docs/report.md:\nSELECT … FROM c%s", where)
			}
			var want, got []string
			for _, c := range clips {
				if sc.want(c) {
					want = append(want, c.ID)
				}
			}
			if len(want) == 0 {
				t.Fatal("the oracle selects nothing: the generated data does not exercise the search")
			}
			for cont, pages := "", 0; ; pages++ {
				p, err := s.Search(context.Background(), sc.s, 100, cont)
				if err != nil {
					t.Fatalf("page %d: %v\n%s", pages+1, err, sc.s.SQL)
				}
				for _, c := range p.Items {
					got = append(got, c.ID)
				}
				if cont = p.Continuation; cont == "" {
					break
				}
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("got %d ids, want %d\nmissing %v\nextra %v", len(got), len(want), minus(want, got), minus(got, want))
			}
		})
	}
}
