// Package clipview is `bwv clip show`: one clip, its audit trail and its
// integrity in a form a person reads, and its consultation recorded.
//
// Reading a clip's record through the CLI, straight from Cosmos DB, is a
// consultation like GET /api/clips/{id} of ClipManage: Consult appends a
// "consulted" entry (actor and purpose given on the command line, marked
// not authenticated — the CLI holds a database credential, not a person's
// sign-in) through the same conditional append, and only then shows the
// record and the trail that includes it. A consultation that cannot be
// recorded shows nothing.
//
// Rehash streams the stored content again (the upload, or the quarantine
// copy) and compares its SHA-256 with the one recorded at verification.
package clipview
