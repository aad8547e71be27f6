package blobstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

type passTransport struct {
	before func(*http.Request) *http.Response
}

func (p *passTransport) Do(req *http.Request) (*http.Response, error) {
	if p.before != nil {
		if r := p.before(req); r != nil {
			return r, nil
		}
	}
	return http.DefaultClient.Do(req)
}

func newStore(t *testing.T, az *localsvc.Azurite, tr policy.Transporter) *blobstore.Store {
	t.Helper()
	s, err := blobstore.New(blobstore.Options{Endpoint: az.BlobEndpoint, Account: az.Account, Key: az.Key, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func put(t *testing.T, s *blobstore.Store, container, name string, content []byte) string {
	t.Helper()
	r, err := s.Client().UploadBuffer(context.Background(), container, name, content, &blockblob.UploadBufferOptions{
		Metadata: map[string]*string{"officerid": to.Ptr("AB1")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return clip.NormalizeETag(string(*r.ETag))
}

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func TestHashMatchesAcrossRangeBoundaries(t *testing.T) {
	az := localsvctest.Azurite(t)
	s := newStore(t, az, nil)
	ctx := context.Background()
	if err := s.EnsureContainers(ctx, "uploads", "quarantine"); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureContainers(ctx, "uploads"); err != nil {
		t.Fatalf("EnsureContainers must be idempotent: %v", err)
	}
	const rng = 64 << 10
	for _, size := range []int{1, rng - 1, rng, rng + 1, 5*rng + 17} {
		content := random(size)
		etag := put(t, s, "uploads", "x", content)
		want := sha256.Sum256(content)
		got, n, err := s.Hash(ctx, "uploads", "x", etag, int64(size), clip.HashOptions{RangeBytes: rng, Parallelism: 3})
		if err != nil || n != int64(size) || got != hex.EncodeToString(want[:]) {
			t.Fatalf("size %d: got %s (%d bytes, %v)", size, got, n, err)
		}
	}
}

func TestHashRefusesAChangedOrMissingBlob(t *testing.T) {
	az := localsvctest.Azurite(t)
	s := newStore(t, az, nil)
	ctx := context.Background()
	_ = s.EnsureContainers(ctx, "uploads")
	old := put(t, s, "uploads", "y", random(1000))
	put(t, s, "uploads", "y", random(1000))
	if _, _, err := s.Hash(ctx, "uploads", "y", old, 1000, clip.HashOptions{}); clip.CodeOf(err) != clip.CodeBlobChanged {
		t.Fatalf("hash of an overwritten version: %v", err)
	}
	if _, _, err := s.Hash(ctx, "uploads", "nope", old, 1000, clip.HashOptions{}); clip.CodeOf(err) != clip.CodeBlobGone {
		t.Fatalf("hash of a missing blob: %v", err)
	}
}

func TestStorage5xxIsRetried(t *testing.T) {
	az := localsvctest.Azurite(t)
	var failures atomic.Int32
	failures.Store(2)
	// A fake: Azurite never answers 503, so this transport does, twice.
	fake503 := &passTransport{before: func(req *http.Request) *http.Response {
		if req.Method == http.MethodHead && failures.Add(-1) >= 0 {
			return &http.Response{StatusCode: 503, Status: "503 Server Busy", Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}
		}
		return nil
	}}
	plain := newStore(t, az, nil)
	ctx := context.Background()
	_ = plain.EnsureContainers(ctx, "uploads")
	put(t, plain, "uploads", "z", []byte("abc"))
	s := newStore(t, az, fake503)
	p, err := s.Properties(ctx, "uploads", "z")
	if err != nil || p.Size != 3 || p.Metadata["Officerid"] != "AB1" && p.Metadata["officerid"] != "AB1" {
		t.Fatalf("properties after two 503s: %+v %v", p, err)
	}
	if failures.Load() >= 0 {
		t.Fatal("the fake never failed: the test proves nothing")
	}
}

func TestMoveKeepsContentAndNeverDeletesAChangedSource(t *testing.T) {
	az := localsvctest.Azurite(t)
	plain := newStore(t, az, nil)
	ctx := context.Background()
	_ = plain.EnsureContainers(ctx, "uploads", "quarantine")

	content := random(200 << 10)
	etag := put(t, plain, "uploads", "a.mp4", content)
	ref, err := plain.Move(ctx, "uploads", "a.mp4", etag, "quarantine", "c1/a.mp4")
	if err != nil || !ref.SourceDeleted {
		t.Fatalf("move: %+v %v", ref, err)
	}
	got := download(t, plain, "quarantine", "c1/a.mp4")
	if !bytes.Equal(got, content) {
		t.Fatal("quarantined copy differs")
	}
	// Repeating the move after a crash (source already gone) is done, not an error.
	if ref2, err := plain.Move(ctx, "uploads", "a.mp4", etag, "quarantine", "c1/a.mp4"); err != nil || !ref2.SourceDeleted {
		t.Fatalf("repeat: %+v %v", ref2, err)
	}

	// A new version lands between the copy and the delete (a fake
	// injects the upload just before the DELETE reaches Azurite).
	v1 := random(1000)
	etag1 := put(t, plain, "uploads", "b.mp4", v1)
	v2 := random(1000)
	racing := &passTransport{before: func(req *http.Request) *http.Response {
		if req.Method == http.MethodDelete && strings.HasSuffix(req.URL.Path, "/uploads/b.mp4") {
			put(t, plain, "uploads", "b.mp4", v2)
		}
		return nil
	}}
	s := newStore(t, az, racing)
	ref, err = s.Move(ctx, "uploads", "b.mp4", etag1, "quarantine", "c2/b.mp4")
	if err != nil || ref.SourceDeleted {
		t.Fatalf("a changed source must be left in place: %+v %v", ref, err)
	}
	if !bytes.Equal(download(t, plain, "uploads", "b.mp4"), v2) || !bytes.Equal(download(t, plain, "quarantine", "c2/b.mp4"), v1) {
		t.Fatal("content lost: both versions must survive")
	}
	// A source already changed before the copy is refused outright.
	if _, err := plain.Move(ctx, "uploads", "b.mp4", etag1, "quarantine", "c3/b.mp4"); !clip.IsKind(err, clip.Conflict) {
		t.Fatalf("stale ETag: %v", err)
	}
}

func TestTagsRoundTrip(t *testing.T) {
	az := localsvctest.Azurite(t)
	s := newStore(t, az, nil)
	ctx := context.Background()
	_ = s.EnsureContainers(ctx, "uploads")
	etag := put(t, s, "uploads", "t.mp4", []byte("x"))
	tags := clip.IndexTags(clip.Clip{Status: clip.StatusVerified, Categories: []string{"evidential", "non-evidential"}})
	if err := s.SetTags(ctx, "uploads", "t.mp4", tags); err != nil {
		t.Fatal(err)
	}
	got, err := s.Tags(ctx, "uploads", "t.mp4")
	if err != nil || got[clip.TagStatus] != "verified" || got[clip.TagCategories] != "evidential non-evidential" {
		t.Fatalf("%v %v", got, err)
	}
	if p, _ := s.Properties(ctx, "uploads", "t.mp4"); p.ETag != etag {
		t.Fatal("setting tags changed the ETag; the record's If-Match would then fail")
	}
}

func download(t *testing.T, s *blobstore.Store, c, n string) []byte {
	t.Helper()
	r, err := s.Client().DownloadStream(context.Background(), c, n, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return b
}

// A 409 that is not a failed access condition (the destination has a copy
// pending, a copy id mismatch, a blob being rehydrated) means "busy", not
// "changed": the move is retried (transient QUARANTINE_COPY_FAILED) and the
// source is untouched; only a failed condition is a Conflict (BLOB_CHANGED).
func TestMoveTreatsABusyConflictAsTransient(t *testing.T) {
	az := localsvctest.Azurite(t)
	plain := newStore(t, az, nil)
	ctx := context.Background()
	_ = plain.EnsureContainers(ctx, "uploads", "quarantine")
	content := random(1000)
	etag := put(t, plain, "uploads", "busy.mp4", content)
	for _, tc := range []struct {
		method, code string
	}{
		{http.MethodPut, "PendingCopyOperation"}, // the copy
		{http.MethodPut, "CopyIdMismatch"},
		{http.MethodPut, "BlobBeingRehydrated"},
		{http.MethodDelete, "LeaseAlreadyPresent"}, // the source delete after the copy
	} {
		var injected atomic.Int32
		fake := &passTransport{before: func(req *http.Request) *http.Response {
			isCopy := req.Method == http.MethodPut && hasHeader(req, "x-ms-copy-source")
			isDelete := req.Method == http.MethodDelete && strings.HasSuffix(req.URL.Path, "/uploads/busy.mp4")
			if (tc.method == http.MethodPut && isCopy) || (tc.method == http.MethodDelete && isDelete) {
				injected.Add(1)
				h := http.Header{"X-Ms-Error-Code": {tc.code}}
				return &http.Response{StatusCode: http.StatusConflict, Status: "409 Conflict", Header: h,
					Body: io.NopCloser(strings.NewReader("")), Request: req}
			}
			return nil
		}}
		_, err := newStore(t, az, fake).Move(ctx, "uploads", "busy.mp4", etag, "quarantine", "c9/busy.mp4")
		if injected.Load() == 0 {
			t.Fatalf("%s: the fake never answered 409: the test proves nothing", tc.code)
		}
		if !clip.IsKind(err, clip.Transient) || clip.CodeOf(err) != clip.CodeQuarantineCopyFailed {
			t.Errorf("409 %s on %s: kind %v code %q (%v); want transient %s", tc.code, tc.method, clip.KindOf(err), clip.CodeOf(err), err, clip.CodeQuarantineCopyFailed)
		}
		if !bytes.Equal(download(t, plain, "uploads", "busy.mp4"), content) {
			t.Fatalf("409 %s: the source must be untouched", tc.code)
		}
	}
	// A failed condition is still a change.
	fake := &passTransport{before: func(req *http.Request) *http.Response {
		if req.Method == http.MethodPut && hasHeader(req, "x-ms-copy-source") {
			return &http.Response{StatusCode: http.StatusPreconditionFailed, Status: "412", Header: http.Header{"X-Ms-Error-Code": {"SourceConditionNotMet"}},
				Body: io.NopCloser(strings.NewReader("")), Request: req}
		}
		return nil
	}}
	if _, err := newStore(t, az, fake).Move(ctx, "uploads", "busy.mp4", etag, "quarantine", "c8/busy.mp4"); !clip.IsKind(err, clip.Conflict) {
		t.Errorf("412 SourceConditionNotMet: %v; want Conflict", err)
	}
	if ref, err := plain.Move(ctx, "uploads", "busy.mp4", etag, "quarantine", "c9/busy.mp4"); err != nil || !ref.SourceDeleted {
		t.Fatalf("the retry after the busy answers: %+v %v", ref, err)
	}
}

// hasHeader looks a header up case-insensitively: the SDK sets x-ms-*
// headers without canonicalising their names.
func hasHeader(req *http.Request, name string) bool {
	for k := range req.Header {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}
