package cosmosdb

import (
	"context"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
)

// ClipsIndexingPolicy is the indexing policy of the clips container. It
// must match infra/terraform/main.cosmos.tf (a test compares them) and
// docs/schema.md, which explains each composite index by the analysts'
// query it serves.
func ClipsIndexingPolicy() *azcosmos.IndexingPolicy {
	return &azcosmos.IndexingPolicy{
		Automatic:     true,
		IndexingMode:  azcosmos.IndexingModeConsistent,
		IncludedPaths: []azcosmos.IncludedPath{{Path: "/*"}},
		ExcludedPaths: []azcosmos.ExcludedPath{{Path: "/metadata/*"}, {Path: "/reasons/*"}, {Path: `/"_etag"/?`}},
		CompositeIndexes: [][]azcosmos.CompositeIndex{
			{{Path: "/officerId", Order: azcosmos.CompositeIndexAscending}, {Path: "/recordedStart", Order: azcosmos.CompositeIndexDescending}},
			{{Path: "/stationId", Order: azcosmos.CompositeIndexAscending}, {Path: "/recordedStart", Order: azcosmos.CompositeIndexDescending}},
			{{Path: "/status", Order: azcosmos.CompositeIndexAscending}, {Path: "/retention/retainUntil", Order: azcosmos.CompositeIndexAscending}},
			{{Path: "/status", Order: azcosmos.CompositeIndexAscending}, {Path: "/receivedAt", Order: azcosmos.CompositeIndexDescending}},
			{{Path: "/retention/legalHold", Order: azcosmos.CompositeIndexAscending}, {Path: "/recordedStart", Order: azcosmos.CompositeIndexDescending}},
		},
	}
}

// AuditIndexingPolicy is the indexing policy of the audit container.
func AuditIndexingPolicy() *azcosmos.IndexingPolicy {
	return &azcosmos.IndexingPolicy{
		Automatic:     true,
		IndexingMode:  azcosmos.IndexingModeConsistent,
		IncludedPaths: []azcosmos.IncludedPath{{Path: "/*"}},
		ExcludedPaths: []azcosmos.ExcludedPath{{Path: `/"_etag"/?`}},
		CompositeIndexes: [][]azcosmos.CompositeIndex{
			{{Path: "/clipId", Order: azcosmos.CompositeIndexAscending}, {Path: "/seq", Order: azcosmos.CompositeIndexAscending}},
		},
	}
}

// Bootstrap creates the database and both containers if they are missing
// (409 = exists). In Azure, Terraform owns them and Bootstrap is off. No
// default TTL is set on either container: records never expire silently.
func (s *Store) Bootstrap(ctx context.Context) error {
	_, err := s.client.CreateDatabase(ctx, azcosmos.DatabaseProperties{ID: s.opts.Database}, nil)
	if err != nil && statusOf(err) != http.StatusConflict {
		return classify(err, "creating database %s", s.opts.Database)
	}
	db, err := s.client.NewDatabase(s.opts.Database)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		id, pk string
		ip     *azcosmos.IndexingPolicy
	}{
		{s.opts.Clips, "/officerId", ClipsIndexingPolicy()},
		{s.opts.Audit, "/clipId", AuditIndexingPolicy()},
	} {
		_, err := db.CreateContainer(ctx, azcosmos.ContainerProperties{
			ID:                     c.id,
			PartitionKeyDefinition: azcosmos.PartitionKeyDefinition{Paths: []string{c.pk}},
			IndexingPolicy:         c.ip,
		}, nil)
		if err != nil && statusOf(err) != http.StatusConflict {
			return classify(err, "creating container %s", c.id)
		}
	}
	return nil
}
