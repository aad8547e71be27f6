package blobstore_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// fakeVersioningTransport is a fake: Azurite has no blob versioning
// (docs/platform-facts.md, Azurite), so this transport passes requests to Azurite but makes it
// look like an account that keeps versions: GetProperties answers carry
// the version id versions[container/name], and a DELETE of a version
// (?versionid=) is recorded and answered 202 by the fake itself. Every
// request is logged as "METHOD path?versionid=… if-match=…".
type fakeVersioningTransport struct {
	versions map[string]string // "container/name" → current version id
	before   func(*http.Request)
	mu       sync.Mutex
	log      []string
}

func (f *fakeVersioningTransport) Do(req *http.Request) (*http.Response, error) {
	if f.before != nil {
		f.before(req)
	}
	path := strings.TrimPrefix(req.URL.Path, "/devstoreaccount1/")
	f.mu.Lock()
	f.log = append(f.log, req.Method+" "+path+"?versionid="+req.URL.Query().Get("versionid")+" if-match="+req.Header.Get("If-Match"))
	f.mu.Unlock()
	if req.Method == http.MethodDelete && req.URL.Query().Get("versionid") != "" {
		return &http.Response{StatusCode: http.StatusAccepted, Status: "202 Accepted", Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil && req.Method == http.MethodHead && resp.StatusCode == http.StatusOK {
		if v, ok := f.versions[path]; ok {
			resp.Header.Set("x-ms-version-id", v)
		}
	}
	return resp, err
}

func (f *fakeVersioningTransport) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// indexOf returns the index of the first logged request with prefix p, or -1.
func indexOf(log []string, p string) int {
	for i, l := range log {
		if strings.HasPrefix(l, p) {
			return i
		}
	}
	return -1
}

// TestMoveRecordsAndDeletesVersionsWhereTheAccountKeepsThem: on Azurite
// (no versioning) the ids are empty and the move works as before; behind
// the fake versioning transport the move records the copy's and the
// source's version ids and deletes the source's version by id after the
// conditional delete of the source, also when a newer upload took the
// source's name (which is left alone).
func TestMoveRecordsAndDeletesVersionsWhereTheAccountKeepsThem(t *testing.T) {
	az := localsvctest.Azurite(t)
	plain := newStore(t, az, nil)
	ctx := context.Background()
	_ = plain.EnsureContainers(ctx, "uploads", "quarantine")

	// Real Azurite, no versions: empty ids, no version request.
	etag := put(t, plain, "uploads", "v0.mp4", random(1000))
	ref, err := plain.Move(ctx, "uploads", "v0.mp4", etag, "quarantine", "c0/v0.mp4")
	if err != nil || !ref.SourceDeleted || ref.VersionID != "" || ref.SourceVersionID != "" {
		t.Fatalf("move without versioning: %+v %v", ref, err)
	}
	// A repeat after a crash (source gone) looks for the source's version
	// in the listing; Azurite lists none.
	if ref, err = plain.Move(ctx, "uploads", "v0.mp4", etag, "quarantine", "c0/v0.mp4"); err != nil || !ref.SourceDeleted || ref.SourceVersionID != "" {
		t.Fatalf("repeat without versioning: %+v %v", ref, err)
	}

	// Versioning (fake): both ids recorded, the source version deleted by id.
	content := random(1000)
	etag = put(t, plain, "uploads", "v1.mp4", content)
	fake := &fakeVersioningTransport{versions: map[string]string{
		"uploads/v1.mp4": "2026-06-01T00:00:00.0000001Z", "quarantine/c1/v1.mp4": "2026-06-01T00:00:01.0000001Z"}}
	ref, err = newStore(t, az, fake).Move(ctx, "uploads", "v1.mp4", etag, "quarantine", "c1/v1.mp4")
	if err != nil || !ref.SourceDeleted || ref.SourceVersionID != "2026-06-01T00:00:00.0000001Z" || ref.VersionID != "2026-06-01T00:00:01.0000001Z" {
		t.Fatalf("move with versioning: %+v %v", ref, err)
	}
	log := fake.requests()
	base := indexOf(log, "DELETE uploads/v1.mp4?versionid= if-match=\""+etag+"\"")
	version := indexOf(log, "DELETE uploads/v1.mp4?versionid=2026-06-01T00:00:00.0000001Z")
	if base < 0 || version < base {
		t.Fatalf("want the conditional delete of the source, then its version by id; requests:\n%s", strings.Join(log, "\n"))
	}
	if !bytes.Equal(download(t, plain, "quarantine", "c1/v1.mp4"), content) {
		t.Fatal("quarantined copy differs")
	}

	// A newer upload lands before the source delete: it is kept, and the
	// moved version is still deleted by id (its content is in quarantine).
	etag2 := put(t, plain, "uploads", "v2.mp4", random(1000))
	newer := random(1000)
	fake = &fakeVersioningTransport{versions: map[string]string{"uploads/v2.mp4": "2026-06-01T00:00:02.0000001Z"}}
	fake.before = func(req *http.Request) {
		if req.Method == http.MethodDelete && req.URL.Query().Get("versionid") == "" && strings.HasSuffix(req.URL.Path, "/uploads/v2.mp4") {
			put(t, plain, "uploads", "v2.mp4", newer)
		}
	}
	ref, err = newStore(t, az, fake).Move(ctx, "uploads", "v2.mp4", etag2, "quarantine", "c2/v2.mp4")
	if err != nil || ref.SourceDeleted || ref.SourceVersionID != "2026-06-01T00:00:02.0000001Z" {
		t.Fatalf("move over a newer upload: %+v %v", ref, err)
	}
	if indexOf(fake.requests(), "DELETE uploads/v2.mp4?versionid=2026-06-01T00:00:02.0000001Z") < 0 {
		t.Fatalf("the moved version was not deleted by id:\n%s", strings.Join(fake.requests(), "\n"))
	}
	if !bytes.Equal(download(t, plain, "uploads", "v2.mp4"), newer) {
		t.Fatal("the newer upload was touched")
	}
}

// TestDeleteVersionDeletesTheRecordedVersionEvenWhenTheBaseIsGoneOrChanged:
// with a recorded version id, the version is deleted by id when the base
// blob was already deleted (it would otherwise stay as a previous version
// forever) and when the base is a newer write (which is not deleted, and
// the caller hears BLOB_CHANGED).
func TestDeleteVersionDeletesTheRecordedVersionEvenWhenTheBaseIsGoneOrChanged(t *testing.T) {
	az := localsvctest.Azurite(t)
	plain := newStore(t, az, nil)
	ctx := context.Background()
	_ = plain.EnsureContainers(ctx, "uploads")
	fake := &fakeVersioningTransport{}
	s := newStore(t, az, fake)

	// Real Azurite, no version id: as before.
	etag := put(t, plain, "uploads", "d0.mp4", random(100))
	if d, err := plain.DeleteVersion(ctx, "uploads", "d0.mp4", etag, ""); err != nil || d.AlreadyGone || d.VersionDeleted {
		t.Fatalf("plain delete: %+v %v", d, err)
	}
	if d, err := plain.DeleteVersion(ctx, "uploads", "d0.mp4", etag, ""); err != nil || !d.AlreadyGone {
		t.Fatalf("repeat: %+v %v", d, err)
	}

	// Base already gone, version recorded: the version is deleted by id.
	d, err := s.DeleteVersion(ctx, "uploads", "d0.mp4", etag, "v-gone")
	if err != nil || !d.AlreadyGone || !d.VersionDeleted || indexOf(fake.requests(), "DELETE uploads/d0.mp4?versionid=v-gone") < 0 {
		t.Fatalf("gone base: %+v %v\n%s", d, err, strings.Join(fake.requests(), "\n"))
	}

	// Base changed: not deleted, BLOB_CHANGED, the version still deleted.
	etag1 := put(t, plain, "uploads", "d1.mp4", random(100))
	newer := random(100)
	put(t, plain, "uploads", "d1.mp4", newer)
	d, err = s.DeleteVersion(ctx, "uploads", "d1.mp4", etag1, "v-changed")
	if !clip.IsKind(err, clip.Conflict) || clip.CodeOf(err) != clip.CodeBlobChanged || !d.VersionDeleted {
		t.Fatalf("changed base: %+v %v", d, err)
	}
	if !bytes.Equal(download(t, plain, "uploads", "d1.mp4"), newer) {
		t.Fatal("the newer write was deleted")
	}
}

// TestSetVersionTagsNamesTheVersion: tags for a recorded version are sent
// with its versionid (Azurite ignores it, so the fake log is the proof).
func TestSetVersionTagsNamesTheVersion(t *testing.T) {
	az := localsvctest.Azurite(t)
	plain := newStore(t, az, nil)
	ctx := context.Background()
	_ = plain.EnsureContainers(ctx, "uploads")
	put(t, plain, "uploads", "t.mp4", []byte("x"))
	fake := &fakeVersioningTransport{}
	s := newStore(t, az, fake)
	tags := map[string]string{clip.TagBackstop: clip.BackstopKeep}
	if err := s.SetVersionTags(ctx, "uploads", "t.mp4", "2026-06-01T00:00:00.0000001Z", tags); err != nil {
		t.Fatal(err)
	}
	if err := s.SetVersionTags(ctx, "uploads", "t.mp4", "", tags); err != nil {
		t.Fatal(err)
	}
	log := fake.requests()
	if len(log) != 2 || !strings.HasPrefix(log[0], "PUT uploads/t.mp4?versionid=2026-06-01T00:00:00.0000001Z") || !strings.HasPrefix(log[1], "PUT uploads/t.mp4?versionid= ") {
		t.Fatalf("tag writes:\n%s", strings.Join(log, "\n"))
	}
	if got, err := plain.Tags(ctx, "uploads", "t.mp4"); err != nil || got[clip.TagBackstop] != clip.BackstopKeep {
		t.Fatalf("tags %v %v", got, err)
	}
}
