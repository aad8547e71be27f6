// Package wormfaketest starts the enforcing immutability FAKE
// (internal/wormfake) in front of a test's Azurite and stops it when the
// test ends.
package wormfaketest

import (
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/wormfake"
)

// Start serves the fake in front of az on a free loopback port; clock is
// the time its policies expire by (nil = the real clock). Give clients
// f.Endpoint() in place of az.BlobEndpoint.
func Start(t testing.TB, az *localsvc.Azurite, clock func() time.Time) *wormfake.Fake {
	t.Helper()
	f, err := wormfake.Start(wormfake.Options{Upstream: az.BlobEndpoint, Account: az.Account, Key: az.Key, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("stop the immutability fake: %v", err)
		}
	})
	return f
}
