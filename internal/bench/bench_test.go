package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// smallConfig is the whole table at toy sizes: a few seconds.
func smallConfig() Config {
	c := DefaultConfig()
	c.VerifyMiB = []int{16}
	c.IngestClips, c.IngestConcurrency, c.SweepClips, c.GrowthBase = 12, 4, 12, 3
	c.LatencyLevels, c.LatencyUploads, c.LatencyClipKiB, c.StartRuns = []int{1, 2}, 2, 64, 2
	return c
}

// expectedRows are the ids every run must report for c.
func expectedRows(c Config) []string {
	ids := []string{"start_ms"}
	for _, m := range c.VerifyMiB {
		for _, p := range []string{"sha256_%dMiB_MBps", "download1_%dMiB_MBps", "download4_%dMiB_MBps", "download8_%dMiB_MBps", "verify_%dMiB_MBps", "verify_shared_cpu_%dMiB_MBps", "rss_%dMiB_MiB"} {
			ids = append(ids, fmt.Sprintf(p, m))
		}
	}
	ids = append(ids, "ingest_cosmos_trips", "ingest_storage_trips", "verify_cosmos_trips", "verify_storage_trips",
		"ingest_seq_per_s", "ingest_conc_per_s", "ingest_growth", "sweep_cosmos_trips", "sweep_storage_trips", "sweep_query_page_ms", "sweep_per_s", "sweep_growth")
	for _, l := range c.LatencyLevels {
		ids = append(ids, fmt.Sprintf("latency_c%d_p50_ms", l), fmt.Sprintf("latency_c%d_p99_ms", l))
	}
	return ids
}

// TestBenchSmoke runs the real benchmark (real handler binary, Azurite,
// the local Cosmos server, the local host) at toy sizes: every row is
// there with a measured value, the JSON parses back to the same rows, and
// the round trips of a new clip's ingest, counted on the wire, are exactly
// 1 Storage + 3 Cosmos. No timing is asserted.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts services and the handler")
	}
	root, _ := filepath.Abs("../..")
	bin := filepath.Join(t.TempDir(), "bwv-handler")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/bwv-ingest/bwv-ingest/cmd/bwv-handler").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c := smallConfig()
	var progress bytes.Buffer
	rep, err := Run(context.Background(), Options{Root: root, HandlerPath: bin, WorkDir: t.TempDir(), Config: c, Progress: &progress})
	if errors.Is(err, localsvc.ErrToolsMissing) && os.Getenv("CI") != "true" {
		t.Skipf("local services not installed (run scripts/install-npm.sh; CI=true makes this a failure): %v", err)
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	byID := map[string]Row{}
	for _, r := range rep.Rows {
		if _, dup := byID[r.ID]; dup {
			t.Errorf("row %s twice", r.ID)
		}
		byID[r.ID] = r
	}
	for _, id := range expectedRows(c) {
		r, ok := byID[id]
		switch {
		case !ok:
			t.Errorf("no row %s", id)
		case !(r.Value > 0):
			t.Errorf("row %s: value %v, want a measured figure", id, r.Value)
		case r.Direction != Info && (r.Pass == nil || !(r.Limit > 0) || r.Ratio != r.Value/r.Limit):
			t.Errorf("row %s: judged row without limit, ratio or verdict: %+v", id, r)
		}
	}
	if len(byID) != len(expectedRows(c)) {
		t.Errorf("%d rows, want %d", len(byID), len(expectedRows(c)))
	}
	if got := byID["ingest_cosmos_trips"].Value; got != ingestCosmosTrips {
		t.Errorf("a new clip's ingest made %.2f Cosmos round trips, want %d", got, ingestCosmosTrips)
	}
	if got := byID["ingest_storage_trips"].Value; got != ingestStorageTrips {
		t.Errorf("a new clip's ingest made %.2f Storage round trips, want %d", got, ingestStorageTrips)
	}

	path := filepath.Join(t.TempDir(), "bench.json")
	if err := rep.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatalf("bench.json does not parse: %v", err)
	}
	if len(back.Rows) != len(rep.Rows) || back.Settings.IngestClips != c.IngestClips || back.Machine.Cores == 0 {
		t.Errorf("bench.json lost rows or settings: %d rows, settings %+v", len(back.Rows), back.Settings)
	}
	var table bytes.Buffer
	rep.Print(&table)
	for _, r := range rep.Rows {
		if !strings.Contains(table.String(), r.What) {
			t.Errorf("table has no line for %s", r.ID)
		}
	}
	t.Logf("\n%s", table.String())
}

func TestConfigFromEnvRefusesNonsense(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"BWV_BENCH_INGEST_CLIPS", "0"}, {"BWV_BENCH_SWEEP_CLIPS", "-3"}, {"BWV_BENCH_VERIFY_MIB", "1024,lots"},
		{"BWV_VERIFY_RANGE_MIB", "16MiB"}, {"BWV_BENCH_LATENCY_LEVELS", "1,,8"},
	} {
		_, err := ConfigFromEnv(func(k string) string {
			if k == tc.name {
				return tc.value
			}
			return ""
		})
		if reason.CodeOf(err) != CodeBadSetting || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s=%q: got %v, want %s naming the variable", tc.name, tc.value, err, CodeBadSetting)
		}
	}
	c, err := ConfigFromEnv(func(k string) string {
		return map[string]string{"BWV_BENCH_VERIFY_MIB": "64, 128", "BWV_BENCH_INGEST_CLIPS": "50"}[k]
	})
	if err != nil || len(c.VerifyMiB) != 2 || c.VerifyMiB[1] != 128 || c.IngestClips != 50 || c.SweepClips != DefaultConfig().SweepClips {
		t.Errorf("got %+v, %v", c, err)
	}
}

func TestJudged(t *testing.T) {
	for _, tc := range []struct {
		row  Row
		pass bool
	}{
		{Row{Value: 95, Limit: 100, Direction: AtLeast, Target: 0.9}, true},
		{Row{Value: 85, Limit: 100, Direction: AtLeast, Target: 0.9}, false},
		{Row{Value: 112, Limit: 112, Direction: AtMost, Target: 1}, true},
		{Row{Value: 113, Limit: 112, Direction: AtMost, Target: 1}, false},
	} {
		got := judged(tc.row)
		if got.Pass == nil || *got.Pass != tc.pass || got.Ratio != tc.row.Value/tc.row.Limit {
			t.Errorf("%+v: got pass %v ratio %v, want %v", tc.row, got.Pass, got.Ratio, tc.pass)
		}
	}
	if got := judged(Row{Value: 3, Direction: Info}); got.Pass != nil || got.Ratio != 0 {
		t.Errorf("info row judged: %+v", got)
	}
}
