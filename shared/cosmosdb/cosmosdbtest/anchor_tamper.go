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

// ReplaceClipDoc replaces a clip record unconditionally with doc, as
// given (an attacker's write: any updatedAt, any _ts in the body).
func (d *DB) ReplaceClipDoc(ctx context.Context, officer, id string, doc []byte) error {
	_, err := d.clips.ReplaceItem(ctx, azcosmos.NewPartitionKeyString(officer), id, doc, nil)
	return err
}

// PatchClipSet sets one top-level field of a clip record with a Cosmos
// patch (no ETag condition).
func (d *DB) PatchClipSet(ctx context.Context, officer, id, field string, value any) error {
	ops := azcosmos.PatchOperations{}
	ops.AppendSet("/"+field, value)
	_, err := d.clips.PatchItem(ctx, azcosmos.NewPartitionKeyString(officer), id, ops, nil)
	return err
}
