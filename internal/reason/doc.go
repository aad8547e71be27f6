// Package reason is the one coded error of the project's tooling: the local
// Functions host (devhost), the local run and its CLI (localrun), and the
// infra command (infra). A failure there is shown to a person running a
// command, so it carries a stable UPPER_SNAKE code (a contract: scripts and
// tests match on it, docs list it), a sentence that person understands, and
// the cause.
//
// Why a separate type from clip.Error: the domain's error has a Kind that
// drives the Functions outcome table (HTTP status, retry or not). Tooling has
// no such outcome to choose — its caller prints the error and exits — so it
// needs only the code, and each tooling package declares its own codes as
// reason.Code constants next to the operations that return them.
package reason
