package localsvc_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/internal/localsvc"
)

// One launcher and one bare server serve every Cosmos test in this package
// (each test uses its own database), so the suite pays two starts, not forty.
var (
	launched, bare *localsvc.Cosmos
	startErr       error
)

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	launched, startErr = localsvc.StartCosmos(ctx, localsvc.CosmosOptions{})
	if startErr == nil {
		bare, startErr = localsvc.StartCosmos(ctx, localsvc.CosmosOptions{Bare: true})
	}
	cancel()
	code := m.Run()
	for _, c := range []*localsvc.Cosmos{launched, bare} {
		if c != nil {
			if err := c.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "stop cosmos:", err)
				code = 1
			}
		}
	}
	os.Exit(code)
}

// servers returns the launched and the bare server, or ends the test: a
// failure on CI (CI=true) or when the start failed for any reason but missing
// tools, a skip naming the install command otherwise.
func servers(t *testing.T) (launcher, bareServer *localsvc.Cosmos) {
	t.Helper()
	if startErr != nil {
		if errors.Is(startErr, localsvc.ErrToolsMissing) && os.Getenv("CI") != "true" {
			t.Skipf("run scripts/install-npm.sh (CI=true makes this a failure): %v", startErr)
		}
		t.Fatal(startErr)
	}
	return launched, bare
}

// target is one server under test with a database of its own.
type target struct {
	name   string
	client *azcosmos.Client
	db     *azcosmos.DatabaseClient
	dials  *atomic.Int64
}

var dbSeq atomic.Int64

// newTarget connects to c with no retries (the bare server's 500s would
// otherwise be retried for seconds) and a dialer that counts TCP connections.
func newTarget(t *testing.T, name string, c *localsvc.Cosmos) *target {
	t.Helper()
	cred, err := azcosmos.NewKeyCredential(c.Key)
	if err != nil {
		t.Fatal(err)
	}
	dials := &atomic.Int64{}
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
	}
	t.Cleanup(tr.CloseIdleConnections)
	client, err := azcosmos.NewClientWithKey(c.Endpoint, cred, &azcosmos.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Retry:     policy.RetryOptions{MaxRetries: -1},
			Transport: &http.Client{Transport: tr},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	dbName := fmt.Sprintf("t%d", dbSeq.Add(1))
	if _, err := client.CreateDatabase(context.Background(), azcosmos.DatabaseProperties{ID: dbName}, nil); err != nil {
		t.Fatalf("%s: create database: %v", name, err)
	}
	db, err := client.NewDatabase(dbName)
	if err != nil {
		t.Fatal(err)
	}
	return &target{name: name, client: client, db: db, dials: dials}
}

// both returns the launcher target and the bare target.
func both(t *testing.T) (fixed, broken *target) {
	t.Helper()
	l, b := servers(t)
	return newTarget(t, "launcher", l), newTarget(t, "bare", b)
}

// container creates a container partitioned on /officerId (as `clips` is),
// with an optional default TTL.
func (tg *target) container(t *testing.T, id string, defaultTTL *int32) *azcosmos.ContainerClient {
	t.Helper()
	props := azcosmos.ContainerProperties{
		ID:                     id,
		PartitionKeyDefinition: azcosmos.PartitionKeyDefinition{Paths: []string{"/officerId"}},
		DefaultTimeToLive:      defaultTTL,
	}
	if _, err := tg.db.CreateContainer(context.Background(), props, nil); err != nil {
		t.Fatalf("%s: create container %s: %v", tg.name, id, err)
	}
	c, err := tg.db.NewContainer(id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// put creates an item {id, officerId, ...extra} in partition officer.
func put(t *testing.T, c *azcosmos.ContainerClient, officer, id string, extra string) azcore.ETag {
	t.Helper()
	body := fmt.Sprintf(`{"id":%q,"officerId":%q%s}`, id, officer, extra)
	resp, err := c.CreateItem(context.Background(), azcosmos.NewPartitionKeyString(officer), []byte(body), nil)
	if err != nil {
		t.Fatalf("create %s/%s: %v", officer, id, err)
	}
	return resp.ETag
}

// statusOf is the HTTP status of an azcosmos error, or 0.
func statusOf(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

func ptr[T any](v T) *T { return &v }
