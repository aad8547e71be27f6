package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc/localsvctest"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

// localStores starts Azurite and the local Cosmos server (stopped when the
// test ends), bootstraps the database and creates the uploads and
// quarantine containers; the CLI commands reach them through the
// BWV_COSMOS_* settings set here.
type localStores struct {
	az     *localsvc.Azurite
	cs     *localsvc.Cosmos
	stOpts cosmosdb.Options
	st     *cosmosdb.Store
	blobs  *blobstore.Store
}

func startLocalStores(t *testing.T, ctx context.Context) localStores {
	t.Helper()
	s := localStores{az: localsvctest.Azurite(t), cs: localsvctest.Cosmos(t)}
	t.Setenv("BWV_COSMOS_ENDPOINT", s.cs.Endpoint)
	t.Setenv("BWV_COSMOS_KEY", s.cs.Key)
	// bwv audit verify reads the audit anchors from the same account.
	t.Setenv("BWV_BLOB_ENDPOINT", s.az.BlobEndpoint)
	t.Setenv("BWV_STORAGE_ACCOUNT", s.az.Account)
	t.Setenv("BWV_STORAGE_KEY", s.az.Key)
	s.stOpts = cosmosdb.Options{Endpoint: s.cs.Endpoint, Key: s.cs.Key, Database: "bwv", Clips: "clips", Audit: "audit"}
	var err error
	if s.st, err = cosmosdb.New(s.stOpts); err != nil {
		t.Fatal(err)
	}
	if err := s.st.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	if s.blobs, err = blobstore.New(blobstore.Options{Endpoint: s.az.BlobEndpoint, Account: s.az.Account, Key: s.az.Key}); err != nil {
		t.Fatal(err)
	}
	if err := s.blobs.EnsureContainers(ctx, "uploads", "quarantine"); err != nil {
		t.Fatal(err)
	}
	return s
}

// cli runs bwv in-process and checks exit codes and output.
type cli struct {
	t   *testing.T
	ctx context.Context
}

func (c cli) run(args ...string) (int, string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	code := run(c.ctx, args, &out, &errb)
	return code, out.String() + errb.String()
}

func (c cli) expect(code int, out string, wantCode int, wants ...string) {
	c.t.Helper()
	if code != wantCode {
		c.t.Fatalf("exit %d, want %d:\n%s", code, wantCode, out)
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			c.t.Fatalf("output lacks %q:\n%s", w, out)
		}
	}
}
