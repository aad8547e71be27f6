package localsvc

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
)

// CosmosEmulatorKey is the Cosmos DB emulator's well-known key (documented by
// Microsoft; not a secret). The local server accepts any base64 key.
const CosmosEmulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="

// DefaultCosmosRegion is the region the local account reports: the handler
// refuses to start against a Cosmos account outside the UK.
const DefaultCosmosRegion = "UK South"

// CosmosOptions configures StartCosmos.
type CosmosOptions struct {
	// Port is the loopback port; 0 picks a free one.
	Port int
	// Region is the location the account read (GET /) reports; "" = DefaultCosmosRegion.
	Region string
	// ToolsDir is <repo>/tools; "" finds it with ToolsDir().
	ToolsDir string
	// Bare starts @vercel/cosmosdb-server 1.0.1 without the launcher's
	// corrections. Only for tests that show a fault exists; never for real use.
	Bare bool
}

// Cosmos is a running local Cosmos DB server (plain HTTP on 127.0.0.1).
type Cosmos struct {
	// Endpoint is the account endpoint, e.g. http://127.0.0.1:8081/.
	Endpoint string
	// Port is the port actually bound.
	Port int
	// Key is the emulator's well-known key.
	Key string
	// Region is the location the account reports.
	Region string

	proc *child
}

var cosmosReady = regexp.MustCompile(`cosmos-launcher ready at (http://127\.0\.0\.1:(\d+)/)`)

// StartCosmos starts the Cosmos server through tools/cosmos-launcher.js on
// 127.0.0.1 and returns once it prints its ready line. ctx bounds the start
// only; the server runs until Stop. Data lives in memory and dies with it.
func StartCosmos(ctx context.Context, o CosmosOptions) (*Cosmos, error) {
	tools, err := resolveTools(o.ToolsDir)
	if err != nil {
		return nil, err
	}
	node, err := nodeBinary()
	if err != nil {
		return nil, err
	}
	region := o.Region
	if region == "" {
		region = DefaultCosmosRegion
	}
	argv := []string{node, filepath.Join(tools, cosmosLauncher),
		"--host", "127.0.0.1", "--port", strconv.Itoa(o.Port), "--region", region}
	if o.Bare {
		argv = append(argv, "--bare")
	}
	c := &Cosmos{Key: CosmosEmulatorKey, Region: region}
	proc, err := startChild(ctx, "cosmos", tools, argv, func(line string) bool {
		m := cosmosReady.FindStringSubmatch(line)
		if m == nil {
			return false
		}
		c.Endpoint = m[1]
		c.Port, _ = strconv.Atoi(m[2])
		return true
	})
	if err != nil {
		return nil, err
	}
	if _, err := url.Parse(c.Endpoint); err != nil {
		_ = proc.stop()
		return nil, fmt.Errorf("localsvc: cosmos printed a bad endpoint %q: %w", c.Endpoint, err)
	}
	c.proc = proc
	return c, nil
}

// PID is the launcher's process id (also its process group id).
func (c *Cosmos) PID() int { return c.proc.pid() }

// Stop terminates the server (SIGTERM to its process group, SIGKILL after a
// grace period) and waits for it. Safe to call more than once.
func (c *Cosmos) Stop() error { return c.proc.stop() }
