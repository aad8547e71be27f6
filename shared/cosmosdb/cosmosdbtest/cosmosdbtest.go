// Package cosmosdbtest is raw access to a test's Cosmos database, for tests
// only: what the adapter (package cosmosdb) deliberately does not offer.
// Tests use it to play the attacker with write access (replace an audit
// document as stored, one field changed) and to run queries verbatim (the
// analyst queries of docs/schema.md, ad-hoc checks of what is stored). The
// deployed handler never imports it; production code reads and writes
// through cosmosdb.Store's operations.
package cosmosdbtest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/cosmosdb"
)

// DB is raw access to the clips and audit containers named by Options.
type DB struct {
	clips, audit *azcosmos.ContainerClient
}

// Open connects to the database o names, with o.Key (test databases are
// local: there is no managed identity). It does no I/O; an error fails tb.
func Open(tb testing.TB, o cosmosdb.Options) *DB {
	tb.Helper()
	if o.Key == "" {
		tb.Fatal("cosmosdbtest.Open: Options.Key is empty; a test database is opened with its key")
	}
	cred, err := azcosmos.NewKeyCredential(o.Key)
	if err != nil {
		tb.Fatalf("cosmosdbtest: key: %v", err)
	}
	c, err := azcosmos.NewClientWithKey(o.Endpoint, cred, nil)
	if err != nil {
		tb.Fatalf("cosmosdbtest: client for %s: %v", o.Endpoint, err)
	}
	d := &DB{}
	if d.clips, err = c.NewContainer(o.Database, o.Clips); err != nil {
		tb.Fatalf("cosmosdbtest: container %s: %v", o.Clips, err)
	}
	if d.audit, err = c.NewContainer(o.Database, o.Audit); err != nil {
		tb.Fatalf("cosmosdbtest: container %s: %v", o.Audit, err)
	}
	return d
}

// QueryClips runs q on the clips container — in officer's partition, or
// across every partition when officer is "" — following every page, and
// returns the items as stored. An error is returned, not fatal, so a test
// can name the query that failed.
func (d *DB) QueryClips(ctx context.Context, officer, q string, params []azcosmos.QueryParameter) ([]json.RawMessage, error) {
	pk := azcosmos.NewPartitionKey()
	if officer != "" {
		pk = azcosmos.NewPartitionKeyString(officer)
	}
	return query(ctx, d.clips, pk, q, params)
}

// QueryAudit runs q on the audit container in clipID's partition (the
// audit container is partitioned by clip), following every page.
func (d *DB) QueryAudit(ctx context.Context, clipID, q string, params []azcosmos.QueryParameter) ([]json.RawMessage, error) {
	return query(ctx, d.audit, azcosmos.NewPartitionKeyString(clipID), q, params)
}

func query(ctx context.Context, c *azcosmos.ContainerClient, pk azcosmos.PartitionKey, q string, params []azcosmos.QueryParameter) ([]json.RawMessage, error) {
	pager := c.NewQueryItemsPager(q, pk, &azcosmos.QueryOptions{QueryParameters: params})
	var out []json.RawMessage
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return out, err
		}
		for _, it := range page.Items {
			out = append(out, json.RawMessage(it))
		}
	}
	return out, nil
}

// ReadAuditDoc reads one audit document as stored (clipID is its partition).
func (d *DB) ReadAuditDoc(ctx context.Context, clipID, id string) ([]byte, error) {
	r, err := d.audit.ReadItem(ctx, azcosmos.NewPartitionKeyString(clipID), id, nil)
	if err != nil {
		return nil, err
	}
	return r.Value, nil
}

// ReplaceAuditDoc overwrites one audit document with doc, unconditionally
// (no ETag, no chain): the write an attacker with database access would make,
// which the adapter never does.
func (d *DB) ReplaceAuditDoc(ctx context.Context, clipID, id string, doc []byte) error {
	_, err := d.audit.ReplaceItem(ctx, azcosmos.NewPartitionKeyString(clipID), id, doc, nil)
	return err
}
