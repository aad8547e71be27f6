package cosmosdb_test

import (
	"context"
	"testing"
	"time"
)

// The local Cosmos server runs on this machine's clock, so the time it
// reports must be within a few seconds of ours (the header has one-second
// resolution).
func TestServerTime(t *testing.T) {
	s := newStore(t, nil, 0)
	before := time.Now().Add(-time.Second).Truncate(time.Second)
	got, err := s.ServerTime(context.Background())
	after := time.Now().Add(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got.Before(before) || got.After(after) || got.Location() != time.UTC {
		t.Fatalf("ServerTime = %s, want a UTC time between %s and %s", got, before, after)
	}
}
