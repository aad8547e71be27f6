package main

import (
	"fmt"
	"io"

	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
	"github.com/bwv-ingest/bwv-ingest/shared/blobstore"
)

// connectPipeline reads the pipeline's settings (as bwv status finds them
// when settings is "") and builds its clients; on failure it prints the
// error after the command's name and returns false.
func connectPipeline(settings, name string, stderr io.Writer) (*localrun.Clients, bool) {
	target, err := localrun.LoadTarget(settings)
	if err == nil {
		var c *localrun.Clients
		if c, err = localrun.Connect(target); err == nil {
			return c, true
		}
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return nil, false
}

// blobStoreOf is the blob adapter for the pipeline's storage account.
func blobStoreOf(t localrun.Target) (*blobstore.Store, error) {
	return blobstore.New(blobstore.Options{Endpoint: t.BlobEndpoint + "/", Account: t.Account, Key: t.Key})
}
