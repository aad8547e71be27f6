// Package clip is the domain of bwv-ingest: the clip record analysts query,
// its statuses, the metadata contract with the docking stations and its
// reason codes, deterministic clip ids, and the project's error type.
//
// It imports nothing from Azure: adapters (blobstore, cosmosdb, eventgrid)
// translate to and from these types, so the rules here can be tested without
// any service running.
package clip
