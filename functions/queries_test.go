package functions_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// docQueries reads the analyst queries from docs/schema.md: each "-- title"
// comment followed by its SQL.
func docQueries(t *testing.T) map[string]string {
	b, err := os.ReadFile("../docs/schema.md")
	if err != nil {
		t.Fatal(err)
	}
	block := strings.SplitN(strings.SplitN(string(b), "```sql", 2)[1], "```", 2)[0]
	out := map[string]string{}
	var title string
	for _, line := range strings.Split(block, "\n") {
		switch {
		case strings.HasPrefix(line, "--"):
			title = strings.TrimSpace(strings.TrimPrefix(line, "--"))
		case strings.TrimSpace(line) != "" && title != "":
			out[title] += " " + strings.TrimSpace(line)
		}
	}
	return out
}

// TestDocumentedQueriesRunAsDocumented runs every analyst query in
// docs/schema.md against the local Cosmos server (which refuses what
// Azure's gateway refuses for the Go SDK) and checks the results.
func TestDocumentedQueriesRunAsDocumented(t *testing.T) {
	e := newEnv(t, nil)
	good := randomBytes(t, 4096)
	start := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	meta := clipMeta(good, "qa1", start)
	meta["incidentref"] = toPtr("CAD/2026/7")
	etag := e.upload("q1.mp4", good, meta)
	e.verify(e.h, e.ingest(e.blobEvent("devstoreaccount1", "q1.mp4", etag, "1", 4096)), 1)
	bad := []byte("bad")
	badMeta := clipMeta([]byte("other"), "qa1", start)
	etag2 := e.upload("q2.mp4", bad, badMeta)
	e.verify(e.h, e.ingest(e.blobEvent("devstoreaccount1", "q2.mp4", etag2, "1", 3)), 1)
	goodID := clip.ID("devstoreaccount1", "uploads", "q1.mp4", etag)
	badID := clip.ID("devstoreaccount1", "uploads", "q2.mp4", etag2)
	// One read of the good clip, so "who looked" has an answer (entry 3).
	if a := e.h.manage(t, manageCall{method: "GET", id: goodID}); a.status != 200 {
		t.Fatalf("GET %s: %d %s", goodID, a.status, a.body)
	}

	params := map[string]any{
		"@officer": "QA1", "@from": clip.At(start.Add(-time.Hour)).String(), "@to": clip.At(time.Now()).String(),
		"@ref": "CAD/2026/7", "@station": "ST-01",
		"@dayStart": clip.At(start.Add(-24 * time.Hour)).String(), "@dayEnd": clip.At(time.Now().Add(time.Hour)).String(),
		"@now": clip.At(time.Now().Add(400 * 24 * time.Hour)).String(), "@anHourAgo": clip.At(time.Now().Add(-time.Hour)).String(),
		"@clipId": goodID,
	}
	want := map[string][]string{ // title prefix → ids that must be in the result
		"An officer's footage": {goodID, badID},
		"Everything linked":    {goodID},
		"A station's footage":  {goodID, badID},
		"Due for deletion":     {badID}, // the verified clip is incident-linked: held until released
		"Quarantined":          {badID},
		"A clip's history":     {goodID + ":000001", goodID + ":000002"},
		"Who looked at a clip": {testPurpose},
	}
	qs := docQueries(t)
	if len(qs) < 10 {
		t.Fatalf("found only %d queries in docs/schema.md", len(qs))
	}
	for title, q := range qs {
		t.Run(title, func(t *testing.T) {
			var qp []azcosmos.QueryParameter
			for name, v := range params {
				if strings.Contains(q, name) {
					qp = append(qp, azcosmos.QueryParameter{Name: name, Value: v})
				}
			}
			var items []json.RawMessage
			var err error
			switch db := e.raw(); {
			case strings.Contains(q, "@clipId"):
				items, err = db.QueryAudit(context.Background(), goodID, q, qp)
			case strings.Contains(q, "@officer"):
				items, err = db.QueryClips(context.Background(), "QA1", q, qp)
			default:
				items, err = db.QueryClips(context.Background(), "", q, qp)
			}
			if err != nil {
				t.Fatalf("%s\n%v", q, err)
			}
			var got string
			for _, it := range items {
				got += string(it)
			}
			for prefix, ids := range want {
				if strings.HasPrefix(title, prefix) {
					for _, id := range ids {
						if !strings.Contains(got, `"`+id+`"`) {
							t.Errorf("result lacks %s:\n%s", id, got)
						}
					}
				}
			}
		})
	}
}

func toPtr(s string) *string { return &s }
