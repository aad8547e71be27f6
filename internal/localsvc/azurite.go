package localsvc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
)

// Azurite's well-known development account (documented by Microsoft; not a secret).
const (
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// AzuriteOptions configures StartAzurite.
type AzuriteOptions struct {
	// Dir holds Azurite's data on disk. "" means a new temporary directory,
	// removed by Stop. Data is never kept in memory only: one 1 GiB blob costs
	// 1.3 GB of RAM with --inMemoryPersistence.
	Dir string
	// BlobPort and QueuePort are the loopback ports; 0 picks free ones.
	BlobPort, QueuePort int
	// ToolsDir is <repo>/tools; "" finds it with ToolsDir().
	ToolsDir string
}

// Azurite is a running Azurite (blob and queue services on 127.0.0.1).
type Azurite struct {
	// BlobEndpoint and QueueEndpoint are service URLs with the account path and
	// a trailing slash, e.g. http://127.0.0.1:10000/devstoreaccount1/.
	BlobEndpoint, QueueEndpoint string
	// BlobPort and QueuePort are the ports actually bound.
	BlobPort, QueuePort int
	// Account and Key are the well-known development account and key.
	Account, Key string
	// ConnectionString holds both endpoints, for AzureWebJobsStorage.
	ConnectionString string
	// Dir is where the data lives.
	Dir string

	proc       *child
	removeDir  bool
	removeOnce sync.Once
}

var azuriteListening = regexp.MustCompile(`Azurite (Blob|Queue) service is successfully listening at http://127\.0\.0\.1:(\d+)`)

// StartAzurite starts Azurite's blob and queue services on 127.0.0.1 with
// --skipApiVersionCheck (azblob 1.8.3 speaks an API version Azurite 3.37 does
// not know) and --disableTelemetry, data on disk, and returns once both
// services print that they are listening. ctx bounds the start only; the
// services run until Stop.
func StartAzurite(ctx context.Context, o AzuriteOptions) (*Azurite, error) {
	tools, err := resolveTools(o.ToolsDir)
	if err != nil {
		return nil, err
	}
	node, err := nodeBinary()
	if err != nil {
		return nil, err
	}
	a := &Azurite{Account: AzuriteAccount, Key: AzuriteKey, Dir: o.Dir}
	if a.Dir == "" {
		a.Dir, err = os.MkdirTemp("", "bwv-azurite-*")
		if err != nil {
			return nil, fmt.Errorf("localsvc: azurite data dir: %w", err)
		}
		a.removeDir = true
	} else if err := os.MkdirAll(a.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("localsvc: azurite data dir: %w", err)
	}

	argv := []string{node, filepath.Join(tools, azuriteMain),
		"--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(o.BlobPort),
		"--queueHost", "127.0.0.1", "--queuePort", strconv.Itoa(o.QueuePort),
		// azurite.js always starts the table service too; keep it on loopback
		// and off the well-known port so parallel runs do not collide.
		"--tableHost", "127.0.0.1", "--tablePort", "0",
		"--location", a.Dir,
		"--skipApiVersionCheck", "--disableTelemetry", "--silent",
	}
	var mu sync.Mutex
	ports := map[string]int{}
	proc, err := startChild(ctx, "azurite", a.Dir, argv, func(line string) bool {
		m := azuriteListening.FindStringSubmatch(line)
		if m == nil {
			return false
		}
		p, _ := strconv.Atoi(m[2])
		mu.Lock()
		defer mu.Unlock()
		ports[m[1]] = p
		return ports["Blob"] != 0 && ports["Queue"] != 0
	})
	if err != nil {
		a.cleanDir()
		return nil, err
	}
	a.proc = proc
	mu.Lock()
	a.BlobPort, a.QueuePort = ports["Blob"], ports["Queue"]
	mu.Unlock()
	a.BlobEndpoint = fmt.Sprintf("http://127.0.0.1:%d/%s/", a.BlobPort, AzuriteAccount)
	a.QueueEndpoint = fmt.Sprintf("http://127.0.0.1:%d/%s/", a.QueuePort, AzuriteAccount)
	a.ConnectionString = fmt.Sprintf(
		"DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%d/%s;QueueEndpoint=http://127.0.0.1:%d/%s;",
		AzuriteAccount, AzuriteKey, a.BlobPort, AzuriteAccount, a.QueuePort, AzuriteAccount)
	return a, nil
}

// PID is the Azurite process id (also its process group id).
func (a *Azurite) PID() int { return a.proc.pid() }

// Stop terminates Azurite (SIGTERM to its process group, SIGKILL after a grace
// period), waits for it, and removes the data directory if StartAzurite made
// it. Safe to call more than once.
func (a *Azurite) Stop() error {
	err := a.proc.stop()
	return errors.Join(err, a.cleanDir())
}

func (a *Azurite) cleanDir() error {
	var err error
	a.removeOnce.Do(func() {
		if a.removeDir {
			if rmErr := os.RemoveAll(a.Dir); rmErr != nil {
				err = fmt.Errorf("localsvc: remove azurite data: %w", rmErr)
			}
		}
	})
	return err
}
