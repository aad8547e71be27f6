package cosmosdb

import (
	"context"
	"encoding/json"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// read point-reads one document into v and returns its ETag.
func read(ctx context.Context, c *azcosmos.ContainerClient, pk, id string, v any) (string, error) {
	r, err := c.ReadItem(ctx, azcosmos.NewPartitionKeyString(pk), id, nil)
	if err != nil {
		return "", classify(err, "reading %s/%s", c.ID(), id)
	}
	if err := json.Unmarshal(r.Value, v); err != nil {
		return "", clip.Wrap(clip.Internal, err, "decoding %s/%s", c.ID(), id)
	}
	return string(r.ETag), nil
}

// create writes v only if no document with its id exists in the partition
// (409 → clip.Conflict), and returns the new ETag.
func create(ctx context.Context, c *azcosmos.ContainerClient, pk, id string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", clip.Wrap(clip.Internal, err, "encoding %s/%s", c.ID(), id)
	}
	r, err := c.CreateItem(ctx, azcosmos.NewPartitionKeyString(pk), b, nil)
	if err != nil {
		return "", classify(err, "creating %s/%s", c.ID(), id)
	}
	return string(r.ETag), nil
}

// replace writes v only if the stored document still has etag (412 →
// clip.Conflict), and returns the new ETag.
func replace(ctx context.Context, c *azcosmos.ContainerClient, pk, id, etag string, v any) (string, error) {
	if etag == "" {
		return "", clip.Errorf(clip.Internal, "", "replace of %s/%s without an ETag would be a blind write", c.ID(), id)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", clip.Wrap(clip.Internal, err, "encoding %s/%s", c.ID(), id)
	}
	tag := azcore.ETag(etag)
	r, err := c.ReplaceItem(ctx, azcosmos.NewPartitionKeyString(pk), id, b, &azcosmos.ItemOptions{IfMatchEtag: &tag})
	if err != nil {
		return "", classify(err, "replacing %s/%s", c.ID(), id)
	}
	return string(r.ETag), nil
}

// GetClip point-reads a clip record.
func (s *Store) GetClip(ctx context.Context, officerID, id string) (clip.Clip, error) {
	var c clip.Clip
	etag, err := read(ctx, s.clips, officerID, id, &c)
	c.ETag = etag
	return c, err
}

// CreateClip creates a clip record if its id is new; an existing record is
// a clip.Conflict (the caller reads it: duplicates collapse).
func (s *Store) CreateClip(ctx context.Context, c clip.Clip) (clip.Clip, error) {
	c.ETag = ""
	etag, err := create(ctx, s.clips, c.OfficerID, c.ID, c)
	c.ETag = etag
	return c, err
}

// ReplaceClip replaces a clip record if it is unchanged since it was read
// (If-Match c.ETag); otherwise clip.Conflict.
func (s *Store) ReplaceClip(ctx context.Context, c clip.Clip) (clip.Clip, error) {
	etag := c.ETag
	c.ETag = ""
	newTag, err := replace(ctx, s.clips, c.OfficerID, c.ID, etag, c)
	if err != nil {
		c.ETag = etag
		return c, err
	}
	c.ETag = newTag
	return c, nil
}

// DeleteClip deletes a clip record only if it is unchanged since it was
// read (If-Match etag; otherwise clip.Conflict). Used only to finish moving
// a record to another officer's partition, after the copy there exists.
func (s *Store) DeleteClip(ctx context.Context, officerID, id, etag string) error {
	if etag == "" {
		return clip.Errorf(clip.Internal, "", "delete of clips/%s without an ETag would be a blind delete", id)
	}
	tag := azcore.ETag(etag)
	_, err := s.clips.DeleteItem(ctx, azcosmos.NewPartitionKeyString(officerID), id, &azcosmos.ItemOptions{IfMatchEtag: &tag})
	if err != nil {
		return classify(err, "deleting clips/%s", id)
	}
	return nil
}

// GetNameClaim reads the claim of a blob name (key = clip.NameKey).
func (s *Store) GetNameClaim(ctx context.Context, key string) (clip.NameClaim, error) {
	var n clip.NameClaim
	etag, err := read(ctx, s.audit, key, key, &n)
	n.ETag = etag
	return n, err
}

// CreateNameClaim claims a blob name for its first version.
func (s *Store) CreateNameClaim(ctx context.Context, n clip.NameClaim) (clip.NameClaim, error) {
	n.ETag = ""
	n.Type = clip.DocTypeNameClaim
	n.ClipID = n.ID
	etag, err := create(ctx, s.audit, n.ID, n.ID, n)
	n.ETag = etag
	return n, err
}

// ReplaceNameClaim updates a claim (If-Match n.ETag).
func (s *Store) ReplaceNameClaim(ctx context.Context, n clip.NameClaim) (clip.NameClaim, error) {
	etag := n.ETag
	n.ETag = ""
	newTag, err := replace(ctx, s.audit, n.ID, n.ID, etag, n)
	if err != nil {
		n.ETag = etag
		return n, err
	}
	n.ETag = newTag
	return n, nil
}
