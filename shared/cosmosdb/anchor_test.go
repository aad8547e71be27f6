package cosmosdb_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb/cosmosdbtest"
)

// The anchor run finds moved heads by the system timestamp _ts, which the
// local Cosmos server (behind the project's launcher) must set as Azure
// does: seconds since the epoch, on every create, replace and patch,
// whatever the body says. A writer's updatedAt, however old, hides nothing.
func TestAuditHeadsChangedSinceFollowsSystemTS(t *testing.T) {
	ctx := context.Background()
	cs, s := newStoreAndOptions(t)
	raw := cosmosdbtest.Open(t, cs)
	heads := func(since time.Time) map[string]cosmosdb.HeadRef {
		t.Helper()
		got := map[string]cosmosdb.HeadRef{}
		if err := s.AuditHeadsChangedSince(ctx, since, 2, func(rs []cosmosdb.HeadRef) error {
			for _, r := range rs {
				got[r.ID] = r
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	within := func(what string, ts int64, from, to time.Time) {
		t.Helper()
		if ts < from.Unix()-1 || ts > to.Unix()+1 {
			t.Fatalf("%s: _ts %d (%s), want between %s and %s", what, ts, time.Unix(ts, 0).UTC(), from, to)
		}
	}
	long := clip.At(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))

	start := time.Now()
	c := testClip("ts-1")
	c.UpdatedAt = long
	c.Audit = clip.AuditHead{Seq: 1, Hash: "h1"}
	c, err := s.CreateClip(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	other := testClip("ts-old")
	if _, err := s.CreateClip(ctx, other); err != nil {
		t.Fatal(err)
	}
	got := heads(start.Add(-2 * time.Second))
	r, ok := got[c.ID]
	if !ok || r.Audit.Seq != 1 {
		t.Fatalf("a record created with updatedAt %s is not listed: %+v", long, got)
	}
	within("create", r.TS, start, time.Now())

	// _ts has one-second resolution: let it tick before each write.
	time.Sleep(1100 * time.Millisecond)
	c.Audit = clip.AuditHead{Seq: 2, Hash: "h2"}
	if c, err = s.ReplaceClip(ctx, c); err != nil {
		t.Fatal(err)
	}
	r2 := heads(time.Unix(r.TS+1, 0))[c.ID]
	if r2.TS <= r.TS || r2.Audit.Seq != 2 {
		t.Fatalf("replace with updatedAt %s: %+v, first write _ts %d", long, r2, r.TS)
	}

	// A raw write that names its own _ts: Cosmos ignores it.
	time.Sleep(1100 * time.Millisecond)
	var doc map[string]any
	b, _ := json.Marshal(c)
	_ = json.Unmarshal(b, &doc)
	doc["_ts"] = 1
	doc["audit"] = map[string]any{"seq": 3, "hash": "h3"}
	b, _ = json.Marshal(doc)
	before := time.Now()
	if err := raw.ReplaceClipDoc(ctx, c.OfficerID, c.ID, b); err != nil {
		t.Fatal(err)
	}
	r3 := heads(time.Unix(r2.TS+1, 0))[c.ID]
	if r3.Audit.Seq != 3 {
		t.Fatalf("raw replace naming _ts 1 not listed: %+v", r3)
	}
	within("raw replace naming _ts 1", r3.TS, before, time.Now())

	time.Sleep(1100 * time.Millisecond)
	before = time.Now()
	if err := raw.PatchClipSet(ctx, c.OfficerID, c.ID, "deviceId", "DEV-9"); err != nil {
		t.Fatal(err)
	}
	r4 := heads(time.Unix(r3.TS+1, 0))[c.ID]
	if r4.TS <= r3.TS {
		t.Fatalf("patch did not move _ts: %+v after %d", r4, r3.TS)
	}
	within("patch", r4.TS, before, time.Now())
	if _, ok := heads(time.Unix(r4.TS+1, 0))[other.ID]; ok {
		t.Fatal("a record not written since is listed")
	}
}
