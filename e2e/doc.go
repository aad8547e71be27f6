// Package e2e holds the end-to-end tests: they drive the real binaries the
// way a person or a dock would — the local Functions host (cmd/bwv-host,
// which builds and starts the real handler), the CLI (cmd/bwv run, upload,
// demo, status) — against real Azurite and the local Cosmos server on free
// loopback ports, so they run beside a developer's `make run` on the
// default ports. No test calls the handler directly: everything enters
// through storage, the host's endpoints or the CLI, and outcomes are read
// back from Cosmos, the queues and the host's status.
//
// The one fake is faultyBlobProxy (poison_test.go): a storage outage that
// hits only the content reads of chosen blobs, which no local part can
// produce on purpose.
package e2e
