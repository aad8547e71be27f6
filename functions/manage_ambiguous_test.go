package functions_test

import (
	"context"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// TestManageNamesAnAmbiguousClipID: a clip id recorded under two officers
// (ids are unique per partition only) is answered 409 CLIP_ID_AMBIGUOUS,
// not 500; naming the officer reads the one meant.
func TestManageNamesAnAmbiguousClipID(t *testing.T) {
	p := retention.Default()
	e := newRetEnv(t, p)
	c := e.seed(p, "amb/clip.mp4", seedSpec{officer: "AM1", start: e.now.Add(-time.Hour), categories: []string{"uncategorised"}, refs: []string{}, status: clip.StatusVerified})
	twin := c
	twin.OfficerID, twin.ETag = "AM2", ""
	if _, err := e.records.CreateClip(context.Background(), twin); err != nil {
		t.Fatal(err)
	}
	if a := e.h.manage(t, manageCall{method: "GET", id: c.ID}); a.status != 409 || a.problem().Code != clip.CodeClipIDAmbiguous || a.problem().Message == "" {
		t.Fatalf("ambiguous id: %d %s", a.status, a.body)
	}
	if a := e.h.manage(t, manageCall{method: "GET", id: c.ID, query: map[string]string{"officer": "AM2"}}); a.status != 200 || a.ok().Clip.OfficerID != "AM2" {
		t.Fatalf("with ?officer=: %d %s", a.status, a.body)
	}
}
