// Package blobstore is the Azure Blob Storage adapter: blob properties and
// metadata, streamed hashing with parallel ranged reads, the quarantine
// move (copy, then delete the source only if its ETag is unchanged), index
// tags, and conditional deletes. Errors come back as *clip.Error kinds:
// NotFound, Conflict (ETag changed), Transient (5xx, throttling, network).
package blobstore
