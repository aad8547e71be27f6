package cosmosdb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

// searchNow is the fixed "now" of the generated clips and the searches.
var searchNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// searchSeed is fixed under CI=true (reproducible), random otherwise; logged
// either way, and BWV_SEARCH_SEED replays a run.
func searchSeed(t *testing.T) uint64 {
	seed := uint64(20260601)
	if v := os.Getenv("BWV_SEARCH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("BWV_SEARCH_SEED=%q: %v", v, err)
		}
		seed = n
	} else if os.Getenv("CI") != "true" {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("generated clips: seed %d (BWV_SEARCH_SEED=%d replays it)", seed, seed)
	return seed
}

var reasonCodes = []clip.Code{"HASH_MISMATCH", "METADATA_INVALID", "OFFICER_MISSING"}

// generateClips makes n clip records over 40 officers, 6 stations, 30
// devices, 10 days of recording and every status, hold and schedule shape.
func generateClips(seed uint64, n int) []clip.Clip {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	statuses := []clip.Status{clip.StatusReceived, clip.StatusVerified, clip.StatusVerified, clip.StatusVerified, clip.StatusQuarantined, clip.StatusDeleted, clip.StatusRefused}
	out := make([]clip.Clip, n)
	for i := range out {
		start := searchNow.Add(-time.Duration(r.Int64N(int64(10 * 24 * time.Hour)))).Truncate(time.Millisecond)
		c := clip.Clip{
			ID: fmt.Sprintf("g%05d", i), Type: clip.DocTypeClip,
			OfficerID:     fmt.Sprintf("OFF%03d", r.IntN(40)),
			DeviceID:      fmt.Sprintf("CAM-%04d", r.IntN(30)),
			StationID:     fmt.Sprintf("ST-%02d", r.IntN(6)),
			RecordedStart: clip.Ptr(start), RecordedEnd: clip.Ptr(start.Add(5 * time.Minute)),
			Categories: []string{"uncategorised"}, IncidentRefs: []string{},
			Status:     statuses[r.IntN(len(statuses))],
			Blob:       clip.BlobRef{Account: "devstoreaccount1", Container: "uploads", Name: fmt.Sprintf("g%05d.mp4", i), Size: int64(r.IntN(1 << 20))},
			Reasons:    []clip.Reason{},
			ReceivedAt: clip.At(searchNow.Add(-time.Duration(r.Int64N(int64(5 * time.Hour))))),
		}
		c.UpdatedAt = c.ReceivedAt
		for range r.IntN(3) {
			c.IncidentRefs = append(c.IncidentRefs, fmt.Sprintf("CAD/2026/%d", r.IntN(50)))
		}
		if c.Status == clip.StatusQuarantined {
			for _, code := range reasonCodes {
				if r.IntN(2) == 0 {
					c.Reasons = append(c.Reasons, clip.Reason{Code: code, Message: "generated"})
				}
			}
		}
		c.Retention.LegalHold = r.IntN(10) == 0
		c.Retention.HeldUntilReleased = r.IntN(8) == 0
		if r.IntN(6) > 0 {
			c.Retention.RetainUntil = clip.Ptr(searchNow.Add(time.Duration(r.Int64N(int64(60*24*time.Hour))) - 20*24*time.Hour))
		}
		if r.IntN(7) == 0 {
			c.Retention.Review = &clip.RetentionReview{Code: "RECORDED_START_IMPLAUSIBLE", Since: c.ReceivedAt, Detail: "generated"}
		}
		out[i] = c
	}
	return out
}

func seedClips(t *testing.T, s *cosmosdb.Store, clips []clip.Clip) {
	t.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan clip.Clip)
	errs := make(chan error, 1)
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				if _, err := s.CreateClip(context.Background(), c); err != nil {
					select {
					case errs <- fmt.Errorf("seeding %s: %w", c.ID, err):
					default:
					}
				}
			}
		}()
	}
	for _, c := range clips {
		work <- c
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	t.Logf("seeded %d clips in %s", len(clips), time.Since(start).Round(time.Millisecond))
}

// searchCase is a search and the oracle of what it must return.
type searchCase struct {
	s    cosmosdb.Search
	want func(clip.Clip) bool
}

func searchCases(clips []clip.Clip) []searchCase {
	in := func(t *clip.Time, from, to time.Time) bool {
		return t != nil && !t.Before(from) && t.Before(to)
	}
	from, to := searchNow.Add(-72*time.Hour), searchNow.Add(-24*time.Hour)
	day := searchNow.AddDate(0, 0, -3)
	dayStart := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	due := searchNow.AddDate(0, 0, 7)
	stuck := searchNow.Add(-90 * time.Minute)
	officer := clips[0].OfficerID
	return []searchCase{
		{cosmosdb.SearchOfficer(strings.ToLower(officer), searchNow.AddDate(0, 0, -11), searchNow.Add(-time.Hour)), func(c clip.Clip) bool {
			return c.OfficerID == officer && in(c.RecordedStart, searchNow.AddDate(0, 0, -11), searchNow.Add(-time.Hour))
		}},
		{cosmosdb.SearchIncident("CAD/2026/7"), func(c clip.Clip) bool { return slices.Contains(c.IncidentRefs, "CAD/2026/7") }},
		{cosmosdb.SearchStation("ST-02", day), func(c clip.Clip) bool {
			return c.StationID == "ST-02" && in(c.RecordedStart, dayStart, dayStart.AddDate(0, 0, 1))
		}},
		{cosmosdb.SearchDevice("CAM-0011", from, to), func(c clip.Clip) bool {
			return c.DeviceID == "CAM-0011" && in(c.RecordedStart, from, to)
		}},
		{cosmosdb.SearchQuarantined(""), func(c clip.Clip) bool { return c.Status == clip.StatusQuarantined }},
		{cosmosdb.SearchQuarantined("METADATA_INVALID"), func(c clip.Clip) bool {
			return c.Status == clip.StatusQuarantined && slices.ContainsFunc(c.Reasons, func(r clip.Reason) bool { return r.Code == "METADATA_INVALID" })
		}},
		{cosmosdb.SearchOnHold(), func(c clip.Clip) bool { return c.Retention.LegalHold }},
		{cosmosdb.SearchDueWithin(searchNow, 7), func(c clip.Clip) bool {
			return (c.Status == clip.StatusVerified || c.Status == clip.StatusQuarantined) && !c.Retention.LegalHold &&
				!c.Retention.HeldUntilReleased && c.Retention.RetainUntil != nil && !c.Retention.RetainUntil.After(due)
		}},
		{cosmosdb.SearchStuck(searchNow, 90*time.Minute), func(c clip.Clip) bool {
			return c.Status == clip.StatusReceived && c.ReceivedAt.Before(stuck)
		}},
		{cosmosdb.SearchFlaggedForReview(), func(c clip.Clip) bool { return c.Retention.Review != nil }},
	}
}

// TestSearchesReturnExactlyTheOracleSet seeds a few thousand generated clips
// on the local Cosmos server (whose launcher refuses what Azure's gateway
// refuses to the Go SDK) and runs every search, paged at several page
// sizes: each returns exactly the oracle's set, every item once.
func TestSearchesReturnExactlyTheOracleSet(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 600
	}
	clips := generateClips(searchSeed(t), n)
	s := newQueryStore(t)
	seedClips(t, s, clips)
	ctx := context.Background()
	for _, sc := range searchCases(clips) {
		t.Run(sc.s.Name, func(t *testing.T) {
			var want []string
			for _, c := range clips {
				if sc.want(c) {
					want = append(want, c.ID)
				}
			}
			slices.Sort(want)
			if len(want) == 0 {
				t.Fatalf("the oracle selects nothing: the generated data does not exercise %s", sc.s.Name)
			}
			for _, size := range []int{17, 250, 0} {
				var got []clip.Clip
				seen := map[string]int{}
				cont, pages, charge := "", 0, 0.0
				for {
					p, err := s.Search(ctx, sc.s, size, cont)
					if err != nil {
						t.Fatalf("page size %d, page %d: %v\n%s", size, pages+1, err, sc.s.SQL)
					}
					pages++
					charge += p.RequestCharge
					if size > 0 && len(p.Items) > size {
						t.Errorf("page size %d: a page of %d", size, len(p.Items))
					}
					for _, c := range p.Items {
						seen[c.ID]++
						got = append(got, c)
					}
					if cont = p.Continuation; cont == "" {
						break
					}
					if pages > 2*n {
						t.Fatal("continuation never ends")
					}
				}
				for id, k := range seen {
					if k > 1 {
						t.Errorf("page size %d: %s returned %d times", size, id, k)
					}
				}
				ids := make([]string, 0, len(got))
				for _, c := range got {
					ids = append(ids, c.ID)
				}
				if !sc.s.CrossPartition() { // the service orders inside a partition
					if !slices.IsSortedFunc(got, func(a, b clip.Clip) int { return strings.Compare(b.RecordedStart.String(), a.RecordedStart.String()) }) {
						t.Errorf("page size %d: single-partition result not in recordedStart DESC order", size)
					}
				}
				slices.Sort(ids)
				if !slices.Equal(ids, want) {
					t.Errorf("page size %d: got %d ids, want %d\nmissing %v\nextra %v", size, len(ids), len(want), minus(want, ids), minus(ids, want))
				}
				if charge <= 0 {
					t.Errorf("page size %d: no request charge reported over %d pages", size, pages)
				}
				t.Logf("page size %d: %d items in %d pages, %.0f RU", size, len(ids), pages, charge)
			}
		})
	}

	// "due" is the sweep's own candidate rule with a later horizon: both
	// select the same clips, so the two cannot drift apart.
	var sweep, due []string
	for cont := ""; ; {
		p, err := s.DueForDeletion(ctx, searchNow.AddDate(0, 0, 7), 500, cont)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Items {
			sweep = append(sweep, r.ID)
		}
		if cont = p.Continuation; cont == "" {
			break
		}
	}
	for cont := ""; ; {
		p, err := s.Search(ctx, cosmosdb.SearchDueWithin(searchNow, 7), 500, cont)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Items {
			due = append(due, c.ID)
		}
		if cont = p.Continuation; cont == "" {
			break
		}
	}
	slices.Sort(sweep)
	slices.Sort(due)
	if !slices.Equal(sweep, due) {
		t.Errorf("due within 7 days (%d) and the sweep's candidates at now+7d (%d) differ", len(due), len(sweep))
	}

	// The protection these searches rely on: the launcher refuses a
	// cross-partition ORDER BY as Azure's gateway does, so the searches above
	// passing there means they pass on Azure.
	ordered := cosmosdb.SearchStation("ST-02", searchNow)
	ordered.SQL += " ORDER BY c.recordedStart DESC"
	if _, err := s.Search(ctx, ordered, 10, ""); err == nil || !strings.Contains(err.Error(), "gateway") {
		t.Fatalf("a cross-partition ORDER BY was not refused: %v", err)
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	if len(out) > 10 {
		out = append(out[:10], "…")
	}
	return out
}

// gatewayRefused is what Azure's gateway refuses to the Go SDK across
// partitions (docs/platform-facts.md), as words in the query text.
var gatewayRefused = regexp.MustCompile(`(?i)\b(ORDER\s+BY|TOP|DISTINCT|GROUP\s+BY|COUNT|SUM|MIN|MAX|AVG|OFFSET|LIMIT)\b`)

// TestCrossPartitionSearchesUseNoGatewayRefusedConstruct checks the query
// texts themselves, without a server.
func TestCrossPartitionSearchesUseNoGatewayRefusedConstruct(t *testing.T) {
	for _, sc := range allSearches() {
		if sc.CrossPartition() {
			if m := gatewayRefused.FindString(sc.SQL); m != "" {
				t.Errorf("%s crosses partitions and uses %s, which Azure's gateway refuses to the Go SDK:\n%s", sc.Name, m, sc.SQL)
			}
		} else if sc.Partition != strings.ToUpper(sc.Partition) {
			t.Errorf("%s: partition %q is not upper case (officer ids are stored upper case)", sc.Name, sc.Partition)
		}
		for _, p := range sc.Params {
			if !strings.Contains(sc.SQL, p.Name) {
				t.Errorf("%s: parameter %s unused", sc.Name, p.Name)
			}
		}
		if strings.Contains(sc.SQL, "'") {
			t.Errorf("%s: a literal in the query text; values are parameters:\n%s", sc.Name, sc.SQL)
		}
	}
	if !gatewayRefused.MatchString(cosmosdb.SearchStation("x", searchNow).SQL + " ORDER BY c.id") {
		t.Fatal("the check does not see ORDER BY")
	}
}

func allSearches() []cosmosdb.Search {
	return []cosmosdb.Search{
		cosmosdb.SearchOfficer("ab1", searchNow, searchNow), cosmosdb.SearchIncident("r"), cosmosdb.SearchStation("s", searchNow),
		cosmosdb.SearchDevice("d", searchNow, searchNow), cosmosdb.SearchQuarantined(""), cosmosdb.SearchQuarantined("X"),
		cosmosdb.SearchOnHold(), cosmosdb.SearchDueWithin(searchNow, 1), cosmosdb.SearchStuck(searchNow, time.Minute),
		cosmosdb.SearchFlaggedForReview(),
	}
}

// TestSearchesAreDocumentedWithTheirIndex: every search's SQL is in
// docs/queries.md verbatim, and the index it names is in the clips
// indexing policy (a composite index, or a path the range index covers).
func TestSearchesAreDocumentedWithTheirIndex(t *testing.T) {
	b, err := os.ReadFile("../../docs/queries.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(b)), " ")
	pol := cosmosdb.ClipsIndexingPolicy()
	composites := map[string]bool{}
	for _, ci := range pol.CompositeIndexes {
		var parts []string
		for _, p := range ci {
			dir := "ASC"
			if p.Order == azcosmos.CompositeIndexDescending {
				dir = "DESC"
			}
			parts = append(parts, p.Path+" "+dir)
		}
		composites[strings.Join(parts, ", ")] = true
	}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	// The page writes the shared projection once and each query as
	// "SELECT … FROM c WHERE …".
	if !strings.Contains(doc, norm(cosmosdb.SearchProjection)) {
		t.Errorf("the projection is not in docs/queries.md:\n%s", cosmosdb.SearchProjection)
	}
	for _, sc := range allSearches() {
		rest, ok := strings.CutPrefix(sc.SQL, cosmosdb.SearchProjection)
		if !ok {
			t.Errorf("%s: does not start with SearchProjection", sc.Name)
		}
		if !strings.Contains(doc, norm("SELECT … FROM c"+rest)) {
			t.Errorf("%s: query not in docs/queries.md:\nSELECT … FROM c%s", sc.Name, rest)
		}
		if !strings.Contains(doc, "`"+sc.Index+"`") {
			t.Errorf("%s: index `%s` not named in docs/queries.md", sc.Name, sc.Index)
		}
		if strings.Contains(sc.Index, ",") {
			if !composites[sc.Index] {
				t.Errorf("%s: composite index %s is not in the clips indexing policy", sc.Name, sc.Index)
			}
			continue
		}
		for _, ex := range pol.ExcludedPaths {
			if strings.HasPrefix(sc.Index+"/", strings.TrimSuffix(strings.TrimSuffix(ex.Path, "*"), "?")) {
				t.Errorf("%s: path %s is excluded from the index by %s", sc.Name, sc.Index, ex.Path)
			}
		}
	}
}
