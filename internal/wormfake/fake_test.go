package wormfake_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
	"github.com/bwv-ingest/bwv-ingest/internal/wormfake"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// The fake, in front of real Azurite, through the project's own adapter:
// what it refuses, what it lets through, and that its clock expires
// policies.
func TestFakeEnforcesPoliciesAndHolds(t *testing.T) {
	az := localsvctest.Azurite(t)
	clk := &clock{now: time.Now().UTC()}
	f, err := wormfake.Start(wormfake.Options{Upstream: az.BlobEndpoint, Account: az.Account, Key: az.Key, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	s, err := blobstore.New(blobstore.Options{Endpoint: f.Endpoint(), Account: az.Account, Key: az.Key})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.EnsureContainers(ctx, "uploads"); err != nil {
		t.Fatal(err)
	}
	put := func(name, body string) string {
		r, err := s.Client().UploadBuffer(ctx, "uploads", name, []byte(body), nil)
		if err != nil {
			t.Fatalf("upload %s: %v", name, err)
		}
		return clip.NormalizeETag(string(*r.ETag))
	}

	etag := put("p.mp4", "footage")
	until := clk.Now().Add(48 * time.Hour).Truncate(time.Second)
	if err := s.SetImmutability(ctx, "uploads", "p.mp4", "", until, false); err != nil {
		t.Fatal(err)
	}
	p, err := s.Properties(ctx, "uploads", "p.mp4")
	if err != nil || p.Protection.Until == nil || !p.Protection.Until.Equal(until) || p.Protection.Locked || p.ETag != etag {
		t.Fatalf("properties after setting a policy: %+v %v (the ETag must not change)", p, err)
	}
	if _, err := s.DeleteVersion(ctx, "uploads", "p.mp4", etag, ""); clip.CodeOf(err) != clip.CodeBlobImmutable || !clip.IsKind(err, clip.Refused) {
		t.Fatalf("delete under a policy: %v; want Refused %s", err, clip.CodeBlobImmutable)
	}
	if _, err := s.Client().ServiceClient().NewContainerClient("uploads").NewBlobClient("p.mp4").SetMetadata(ctx, map[string]*string{"x": to.Ptr("y")}, nil); err == nil || !strings.Contains(err.Error(), "BlobImmutableDueToPolicy") {
		t.Fatalf("metadata write under a policy: %v", err)
	}
	if err := s.SetTags(ctx, "uploads", "p.mp4", map[string]string{"k": "v"}); err != nil {
		t.Fatalf("index tags must stay writable: %v", err)
	}
	if err := s.SetImmutability(ctx, "uploads", "p.mp4", "", clk.Now().Add(-time.Minute), false); err == nil {
		t.Fatal("a policy date in the past was accepted")
	}
	// The listing carries the protection too.
	pager := s.Client().NewListBlobsFlatPager("uploads", &container.ListBlobsFlatOptions{})
	page, err := pager.NextPage(ctx)
	if err != nil || len(page.Segment.BlobItems) != 1 || page.Segment.BlobItems[0].Properties.ImmutabilityPolicyExpiresOn == nil {
		t.Fatalf("listing: %v %+v", err, page)
	}

	// Unlocked: may be shortened; once expired by the clock, the delete goes through.
	if err := s.SetImmutability(ctx, "uploads", "p.mp4", "", clk.Now().Add(time.Hour), false); err != nil {
		t.Fatalf("shortening an unlocked policy: %v", err)
	}
	clk.Add(2 * time.Hour)
	if _, err := s.DeleteVersion(ctx, "uploads", "p.mp4", etag, ""); err != nil {
		t.Fatalf("delete after the policy expired: %v", err)
	}

	// Legal hold: refused until cleared, whatever the policy says.
	etag = put("h.mp4", "held")
	if err := s.SetLegalHold(ctx, "uploads", "h.mp4", "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteVersion(ctx, "uploads", "h.mp4", etag, ""); clip.CodeOf(err) != clip.CodeBlobLegalHold {
		t.Fatalf("delete on legal hold: %v; want %s", err, clip.CodeBlobLegalHold)
	}
	if pr, err := s.ProtectionOf(ctx, "uploads", "h.mp4", ""); err != nil || !pr.LegalHold || pr.Until != nil {
		t.Fatalf("protection of a held blob: %+v %v", pr, err)
	}
	if err := s.SetLegalHold(ctx, "uploads", "h.mp4", "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteVersion(ctx, "uploads", "h.mp4", etag, ""); err != nil {
		t.Fatalf("delete after the hold was cleared: %v", err)
	}

	// Locked: only ever extended.
	put("l.mp4", "locked")
	if err := s.SetImmutability(ctx, "uploads", "l.mp4", "", clk.Now().Add(10*time.Hour), true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetImmutability(ctx, "uploads", "l.mp4", "", clk.Now().Add(time.Hour), true); clip.CodeOf(err) != clip.CodeImmutabilityLocked {
		t.Fatalf("shortening a locked policy: %v; want %s", err, clip.CodeImmutabilityLocked)
	}
	if err := s.DeleteImmutability(ctx, "uploads", "l.mp4", ""); clip.CodeOf(err) != clip.CodeImmutabilityLocked {
		t.Fatalf("deleting a locked policy: %v; want %s", err, clip.CodeImmutabilityLocked)
	}
	if err := s.SetImmutability(ctx, "uploads", "l.mp4", "", clk.Now().Add(20*time.Hour), true); err != nil {
		t.Fatalf("extending a locked policy: %v", err)
	}

	// New content over a protected version is accepted, as on Azure, which
	// keeps the protected version as a previous one: the fake keeps it in
	// wormfake-versions, and the new content starts unprotected.
	lockedETag := p.ETag
	if pl, err := s.Properties(ctx, "uploads", "l.mp4"); err == nil {
		lockedETag = pl.ETag
	}
	if _, err := s.Client().UploadBuffer(ctx, "uploads", "l.mp4", []byte("new content"), nil); err != nil {
		t.Fatalf("new content over a protected version: %v", err)
	}
	if pr, err := s.ProtectionOf(ctx, "uploads", "l.mp4", ""); err != nil || pr.Until != nil || pr.LegalHold {
		t.Fatalf("new content under a protected name: %+v %v; want unprotected", pr, err)
	}
	if got := download(t, s, wormfake.VersionsContainer, "uploads/l.mp4@"+lockedETag); got != "locked" {
		t.Fatalf("the protected version was not kept: %q", got)
	}
	// The kept version keeps its protection, as Azure's previous version
	// keeps its policy: it cannot be deleted either.
	kept := "uploads/l.mp4@" + lockedETag
	if pr, err := s.ProtectionOf(ctx, wormfake.VersionsContainer, kept, ""); err != nil || pr.Until == nil || !pr.Locked {
		t.Fatalf("the kept version's protection: %+v %v; want its locked policy", pr, err)
	}
	if pk, err := s.Properties(ctx, wormfake.VersionsContainer, kept); err != nil {
		t.Fatal(err)
	} else if _, err := s.DeleteVersion(ctx, wormfake.VersionsContainer, kept, pk.ETag, ""); clip.CodeOf(err) != clip.CodeBlobImmutable {
		t.Fatalf("deleting the kept version: %v; want %s", err, clip.CodeBlobImmutable)
	}

	// A version id Azurite never made: 404, as Azure for a version that
	// does not exist, never a policy on nothing.
	if err := s.SetImmutability(ctx, "uploads", "l.mp4", "2026-01-01T00:00:00.0000000Z", clk.Now().Add(time.Hour), false); !clip.IsKind(err, clip.NotFound) {
		t.Fatalf("policy on a version that does not exist: %v; want NotFound", err)
	}

	// A blob that is not there cannot be protected.
	if err := s.SetLegalHold(ctx, "uploads", "missing.mp4", "", true); !clip.IsKind(err, clip.NotFound) {
		t.Fatalf("hold on a missing blob: %v", err)
	}

	// Without the fake, Azurite refuses the calls: never a silent success.
	bare, _ := blobstore.New(blobstore.Options{Endpoint: az.BlobEndpoint, Account: az.Account, Key: az.Key})
	if err := bare.SetLegalHold(ctx, "uploads", "l.mp4", "", true); clip.CodeOf(err) != clip.CodeImmutabilityUnsupported {
		t.Fatalf("Azurite without the fake: %v; want %s", err, clip.CodeImmutabilityUnsupported)
	}
}

func download(t *testing.T, s *blobstore.Store, container, name string) string {
	t.Helper()
	var b strings.Builder
	if _, err := s.Download(context.Background(), container, name, "", "", &b); err != nil {
		t.Fatalf("download %s/%s: %v", container, name, err)
	}
	return b.String()
}
