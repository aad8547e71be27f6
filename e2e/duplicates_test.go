package e2e

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
)

// Event Grid delivers at least once and out of order. With every event
// delivered three times, concurrently and shuffled, each clip must still
// have exactly one record, one ingest entry in its audit chain, and the
// outcome it would have had with one delivery.
func TestDuplicatedAndReorderedEventsGiveOneRecordPerClip(t *testing.T) {
	t.Parallel()
	const copies = 3
	// The shuffle's seed: random, fixed under CI=true, E2E_SHUFFLE_SEED to rerun one; always logged.
	seed := time.Now().UnixNano()
	if os.Getenv("CI") == "true" {
		seed = 20260303
	}
	if v, err := strconv.ParseInt(os.Getenv("E2E_SHUFFLE_SEED"), 10, 64); err == nil && v != 0 {
		seed = v
	}
	t.Logf("shuffle seed %d (rerun with E2E_SHUFFLE_SEED=%d)", seed, seed)
	p := startPipeline(t, pipelineOptions{hostArgs: []string{"--eg-duplicate", "3", "--eg-shuffle", "--eg-seed", strconv.FormatInt(seed, 10)}})

	stdout, stderr, code := p.cli("demo", "--json", "--large-mib", "8", "--small-kib", "32", "--prefix", "dup/", "--timeout", "2m")
	if code != 0 {
		t.Fatalf("bwv demo exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	var res struct {
		Outcomes []localrun.Outcome `json:"outcomes"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	clips := len(res.Outcomes)

	// Every copy must have been delivered and answered 2xx (a copy that
	// lost a create race fails and is redelivered, then succeeds as a
	// duplicate): without this the test could pass with no duplicates at all.
	waitFor(t, "every copy of every event handled", 90*time.Second, func() (bool, string) {
		st, err := p.hostStatus()
		if err != nil {
			return false, err.Error()
		}
		f := st.Functions["ClipIngest"]
		return f.Succeeded == copies*clips, "ClipIngest " + strings.TrimSpace(jsonText(f))
	})

	byName := p.clipsByName()
	for _, o := range res.Outcomes {
		recs := byName[o.Blob]
		if len(recs) != 1 {
			t.Errorf("%s: %d records, want exactly 1", o.Blob, len(recs))
			continue
		}
		if recs[0].Status != o.Want {
			t.Errorf("%s: %s, want %s", o.Blob, recs[0].Status, o.Want)
		}
		entries, err := p.clients.Records.ListAudit(context.Background(), recs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		ingest := 0
		for _, e := range entries {
			if strings.HasPrefix(e.Key, "ingest:") {
				ingest++
			}
		}
		if ingest != 1 {
			t.Errorf("%s: %d ingest entries in the audit chain, want 1", o.Blob, ingest)
		}
	}
	if len(byName) != clips {
		t.Errorf("%d blob names have records, want %d", len(byName), clips)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
