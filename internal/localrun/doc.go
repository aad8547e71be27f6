// Package localrun is what a person uses to drive the local pipeline: start
// it (Azurite, the local Cosmos server, the local Functions host and the
// handler, with the containers and queues created), feed it clips the way a
// docking station does, generate sample clips with known expected outcomes,
// and look at it the way an operator would (recent clips, queue depth, poison
// count, host state).
//
// Why one package behind the CLI (cmd/bwv run, upload, demo, status) rather
// than logic in each command: the end-to-end tests and the demo need exactly
// the same upload (streamed SHA-256, block upload, metadata at commit) and the
// same reading of outcomes from Cosmos, and the CLI files stay thin wiring.
//
// Uploads behave as a dock does: the SHA-256 is computed while the content
// streams, once, and declared in the blob metadata set by the final commit
// (PutBlockList), so memory stays bounded whatever the clip's size and the
// content is read only once. Small clips go in one PutBlob, as small dock
// uploads do, so both Event Grid APIs are exercised locally.
package localrun
