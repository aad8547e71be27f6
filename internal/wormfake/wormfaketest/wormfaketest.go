// Package wormfaketest starts the enforcing immutability FAKE
// (internal/wormfake) in front of a test's Azurite and stops it when the
// test ends.
package wormfaketest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
	"github.com/bwv-ingest/bwv-ingest/internal/wormfake"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/retention"
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

// AgePolicy gives c's content (bc) the immutability policy it would carry
// had its record been written as it now is: until the date the record's
// schedule (under the built-in policy) becomes due, or none once that has
// passed. Tests that age a record (docked weeks ago, a grace run out) age
// Storage's policy with it; a legal hold is left as it is.
func AgePolicy(t testing.TB, bc *blob.Client, c clip.Clip) {
	t.Helper()
	if err := AgePolicyContext(context.Background(), bc, c); err != nil {
		t.Fatal(err)
	}
}

// AgePolicyContext is AgePolicy for callers that must not stop the test
// from their own goroutine (the fault suite): it returns the error.
func AgePolicyContext(ctx context.Context, bc *blob.Client, c clip.Clip) error {
	s := retention.ScheduleOf(retention.Default(), c)
	if s.RetainUntil == nil || s.HeldUntilReleased || c.Retention.LegalHold {
		return nil
	}
	due := *s.RetainUntil
	for _, b := range []*time.Time{s.NotBefore, s.ReleaseFrom} {
		if b != nil && b.After(due) {
			due = *b
		}
	}
	var err error
	if due.After(time.Now()) {
		_, err = bc.SetImmutabilityPolicy(ctx, due, nil)
	} else {
		_, err = bc.DeleteImmutabilityPolicy(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("ageing the immutability policy of %s: %w", bc.URL(), err)
	}
	return nil
}
