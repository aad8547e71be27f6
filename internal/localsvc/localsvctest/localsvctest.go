// Package localsvctest gives tests a started Azurite or local Cosmos server,
// stopped in t.Cleanup. When the npm tools are missing it fails the test if
// CI=true (CI must never skip silently) and skips it otherwise, naming the
// command that installs them.
package localsvctest

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
)

// startTimeout bounds a service start; generous because the machine is shared.
const startTimeout = 60 * time.Second

// Azurite starts Azurite on free loopback ports with data in a temporary
// directory, and stops it when the test ends.
func Azurite(t testing.TB) *localsvc.Azurite {
	t.Helper()
	return AzuriteWith(t, localsvc.AzuriteOptions{})
}

// AzuriteWith is Azurite with options (e.g. a data directory).
func AzuriteWith(t testing.TB, o localsvc.AzuriteOptions) *localsvc.Azurite {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	a, err := localsvc.StartAzurite(ctx, o)
	if err != nil {
		missingOrFatal(t, err)
	}
	t.Cleanup(func() {
		if err := a.Stop(); err != nil {
			t.Errorf("stop azurite: %v", err)
		}
	})
	return a
}

// Cosmos starts the local Cosmos server through the project's launcher on a
// free loopback port, reporting region "UK South", and stops it when the test
// ends.
func Cosmos(t testing.TB) *localsvc.Cosmos {
	t.Helper()
	return CosmosWith(t, localsvc.CosmosOptions{})
}

// CosmosWith is Cosmos with options.
func CosmosWith(t testing.TB, o localsvc.CosmosOptions) *localsvc.Cosmos {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	c, err := localsvc.StartCosmos(ctx, o)
	if err != nil {
		missingOrFatal(t, err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop cosmos: %v", err)
		}
	})
	return c
}

func missingOrFatal(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, localsvc.ErrToolsMissing) && os.Getenv("CI") != "true" {
		t.Skipf("local services not installed (run scripts/install-npm.sh; CI=true makes this a failure): %v", err)
	}
	t.Fatal(err)
}
