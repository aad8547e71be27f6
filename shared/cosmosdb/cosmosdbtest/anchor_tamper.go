package cosmosdbtest

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
)

// DeleteAuditDoc deletes one audit document unconditionally: what an
// attacker with database access would do to erase a trail (the tests of
// audit anchoring show that `bwv audit verify` then names the clip).
func (d *DB) DeleteAuditDoc(ctx context.Context, clipID, id string) error {
	_, err := d.audit.DeleteItem(ctx, azcosmos.NewPartitionKeyString(clipID), id, nil)
	return err
}
