package functions_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/functions"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
)

// holdLandingBlobs is a fake: the real blob adapter, except that just
// before the first index-tag write that says backstop=short it runs land
// (a legal hold set through the real ClipManage), standing in for a
// request that arrives between this writer's read of the record and its
// tag write. No real service can be asked to time a race that way.
type holdLandingBlobs struct {
	*blobstore.Store
	land   func()
	once   sync.Once
	landed atomic.Bool
}

func (b *holdLandingBlobs) before(tags map[string]string) {
	if tags[clip.TagBackstop] == clip.BackstopShort {
		b.once.Do(func() { b.land(); b.landed.Store(true) })
	}
}

func (b *holdLandingBlobs) SetTags(ctx context.Context, container, name string, tags map[string]string) error {
	b.before(tags)
	return b.Store.SetTags(ctx, container, name, tags)
}

func (b *holdLandingBlobs) SetVersionTags(ctx context.Context, container, name, versionID string, tags map[string]string) error {
	b.before(tags)
	return b.Store.SetVersionTags(ctx, container, name, versionID, tags)
}

// shortPolicy gives non-evidential and uncategorised clips 31 days, so
// their index tags say backstop=short.
func shortPolicy(t testing.TB, version string, days int) *retention.Policy {
	t.Helper()
	p, err := retention.Parse(fmt.Appendf(nil, `{"format": "bwv-retention-policy/1", "version": %q,
		"default": {"period": "P%dD"}, "quarantine": {"period": "P365D"}, "incidentLinked": {"holdUntilReleased": true},
		"categories": [{"name": "non-evidential", "period": "P%dD"}, {"name": "evidential", "period": "P2190D"}]}`, version, days, days))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStaleTagWriterNeverLeavesShortBehindAHold: for each writer of index
// tags (the policy recompute, ClipManage, ClipVerify), a legal hold lands
// through ClipManage between the writer's read of the record and its
// "short" tag write. Whatever the writer then does, the blob must end
// tagged keep and held: "short" would let the lifecycle rule delete a held
// clip. Real Azurite and Cosmos; only the timing is a fake.
func TestStaleTagWriterNeverLeavesShortBehindAHold(t *testing.T) {
	p1 := shortPolicy(t, "test-2026.1", 31)
	p2 := shortPolicy(t, "test-2026.2", 30)
	e := newRetEnv(t, p2) // ClipManage already runs the new policy
	ctx := context.Background()
	start := e.now.Add(-10 * 24 * time.Hour)

	holdVia := func(c clip.Clip) func() {
		return func() {
			a := e.h.manage(t, manageCall{method: "POST", id: c.ID, action: functions.ActionSetLegalHold,
				headers: map[string]string{"If-Match": `"` + e.get(c).ETag + `"`},
				body:    functions.ManageRequest{Justification: "civil claim notified", Actor: "DPO"}})
			if a.status != 200 {
				t.Errorf("the racing hold was refused: %d %s", a.status, a.body)
			}
		}
	}
	staleApp := func(c clip.Clip) (*functions.App, *holdLandingBlobs) {
		fake := &holdLandingBlobs{Store: e.blobs, land: holdVia(c)}
		app := *e.app
		app.Blobs = fake
		return &app, fake
	}
	mustBeHeldAndKept := func(t *testing.T, c clip.Clip, fake *holdLandingBlobs) {
		t.Helper()
		if !fake.landed.Load() {
			t.Fatal("the writer never wrote short tags, so the hold never raced it: the test proves nothing")
		}
		if rec := e.get(c); !rec.Retention.LegalHold {
			t.Fatalf("the hold was lost from the record: %+v", rec.Retention)
		}
		tags, err := e.blobs.Tags(ctx, c.Blob.Container, c.Blob.Name)
		if err != nil || tags[clip.TagBackstop] != clip.BackstopKeep || tags[clip.TagLegalHold] != "true" {
			t.Fatalf("a held clip's blob is tagged %v (%v): the lifecycle rule could delete it", tags, err)
		}
	}

	t.Run("recompute", func(t *testing.T) {
		// bwv retention recompute: scan, hold lands, apply; on a conflict
		// read again and apply once more (cmd/bwv recomputeOne).
		c := e.seed(p1, "tags/recompute.mp4", seedSpec{officer: "TG1", start: start, categories: []string{"non-evidential"}, refs: []string{}, status: clip.StatusVerified})
		app, fake := staleApp(c)
		app.Policy = p2
		who := functions.ResolvedActor{Name: "cli:dpo"}
		_, _, err := app.RecomputeRetention(ctx, c, who, "policy 2026.2 approved")
		if clip.IsKind(err, clip.Conflict) {
			_, _, err = app.RecomputeRetention(ctx, e.get(c), who, "policy 2026.2 approved")
		}
		if err != nil {
			t.Fatal(err)
		}
		mustBeHeldAndKept(t, c, fake)
	})

	t.Run("manage", func(t *testing.T) {
		// Two ClipManage calls race: a reclassification (still short) and
		// a legal hold.
		c := e.seed(p2, "tags/manage.mp4", seedSpec{officer: "TG1", start: start, categories: []string{"non-evidential"}, refs: []string{}, status: clip.StatusVerified})
		app, fake := staleApp(c)
		h := serveApp(t, app)
		a := h.manage(t, manageCall{method: "POST", id: c.ID, action: functions.ActionReclassify,
			headers: map[string]string{"If-Match": `"` + c.ETag + `"`},
			body:    functions.ManageRequest{Justification: "not evidential after review", Actor: "PS 3", Categories: []string{"uncategorised"}}})
		if a.status != 200 && a.status != 412 {
			t.Fatalf("reclassify: %d %s", a.status, a.body)
		}
		mustBeHeldAndKept(t, c, fake)
	})

	t.Run("verify", func(t *testing.T) {
		// ClipVerify hashes a received clip; the hold lands while it works.
		c := e.seed(p2, "tags/verify.mp4", seedSpec{officer: "TG1", start: start, categories: []string{"non-evidential"}, refs: []string{}, status: clip.StatusReceived})
		sum := sha256.Sum256([]byte("clip tags/verify.mp4")) // the content seed uploads
		c.SHA256 = clip.Hashes{Declared: hex.EncodeToString(sum[:])}
		c, err := e.records.ReplaceClip(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		app, fake := staleApp(c)
		h := serveApp(t, app)
		msg, _ := json.Marshal(functions.VerifyMessage{V: 1, ClipID: c.ID, OfficerID: c.OfficerID, Container: c.Blob.Container, Name: c.Blob.Name, ETag: c.Blob.ETag, Size: c.Blob.Size})
		status, r := h.invoke(t, functions.NameVerify, map[string]any{"message": hostEncoded(string(msg))}, map[string]any{"DequeueCount": "1", "Id": `"m1"`})
		if status != http.StatusOK && status != http.StatusInternalServerError {
			t.Fatalf("ClipVerify answered %d: %v", status, r.Logs)
		}
		mustBeHeldAndKept(t, c, fake)
	})

	t.Run("no change rewrites the tags", func(t *testing.T) {
		// A held clip left tagged short by an earlier lost race: setting
		// the hold again changes nothing in the record, but must rewrite
		// the tags from it.
		c := e.seed(p2, "tags/nochange.mp4", seedSpec{officer: "TG1", start: start, categories: []string{"non-evidential"}, refs: []string{}, status: clip.StatusVerified, hold: true})
		stale := clip.IndexTags(c)
		stale[clip.TagBackstop], stale[clip.TagLegalHold] = clip.BackstopShort, "false"
		if err := e.blobs.SetTags(ctx, c.Blob.Container, c.Blob.Name, stale); err != nil {
			t.Fatal(err)
		}
		r := e.h.post(t, c.ID, functions.ActionSetLegalHold, c.ETag, functions.ManageRequest{Justification: "still held", Actor: "DPO"})
		if r.Changed {
			t.Fatal("setting a hold that is set must change nothing")
		}
		tags, err := e.blobs.Tags(ctx, c.Blob.Container, c.Blob.Name)
		if err != nil || tags[clip.TagBackstop] != clip.BackstopKeep || tags[clip.TagLegalHold] != "true" {
			t.Fatalf("tags after a no-change request: %v %v", tags, err)
		}
	})
}

// versionQueryRecorder is a fake transport in front of Azurite: it passes
// every request through and records the versionid of index-tag writes,
// which Azurite (no versioning) ignores.
type versionQueryRecorder struct {
	mu       sync.Mutex
	versions []string
}

func (v *versionQueryRecorder) Do(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && req.URL.Query().Get("comp") == "tags" {
		v.mu.Lock()
		v.versions = append(v.versions, req.URL.Query().Get("versionid"))
		v.mu.Unlock()
	}
	return http.DefaultClient.Do(req)
}

// TestIndexTagsTargetTheRecordedVersion: where the account keeps versions,
// a clip's tags go on its recorded blob version, never on the current blob
// (after an overwrite that is another clip).
func TestIndexTagsTargetTheRecordedVersion(t *testing.T) {
	p := shortPolicy(t, "test-2026.1", 31)
	e := newRetEnv(t, p)
	rec := &versionQueryRecorder{}
	store, err := blobstore.New(blobstore.Options{Endpoint: e.blobs.Client().URL(), Account: e.app.Config.StorageAccount, Key: localsvc.AzuriteKey, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	c := e.seed(p, "tags/version.mp4", seedSpec{officer: "TG2", start: e.now.Add(-time.Hour), categories: []string{"non-evidential"}, refs: []string{}, status: clip.StatusVerified})
	c.Blob.VersionID = "2026-05-31T10:00:00.0000000Z"
	c, err = e.records.ReplaceClip(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	app := *e.app
	app.Blobs = store
	h := serveApp(t, &app)
	h.post(t, c.ID, functions.ActionSetLegalHold, c.ETag, functions.ManageRequest{Justification: "hold", Actor: "DPO"})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.versions) == 0 {
		t.Fatal("no index tags were written")
	}
	for _, v := range rec.versions {
		if v != c.Blob.VersionID {
			t.Fatalf("tag writes went to versions %q, want every one on %q", rec.versions, c.Blob.VersionID)
		}
	}
}
