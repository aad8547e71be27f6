package localsvc_test

import (
	"testing"

	"github.com/bwv-ingest/bwv-ingest/shared/localsvc/localsvctest"
)

func TestStartStopSmoke(t *testing.T) {
	a := localsvctest.Azurite(t)
	c := localsvctest.Cosmos(t)
	t.Logf("azurite %s %s pid %d; cosmos %s pid %d", a.BlobEndpoint, a.QueueEndpoint, a.PID(), c.Endpoint, c.PID())
}
