package audit

// ActionDisclosed records that a clip was exported as a disclosure bundle
// (bwv export, docs/disclosure.md): actor and justification are who
// exported it and why; details hold the bundle's contentHash (SHA-256 of
// its content.sha256), the clip file's SHA-256, the bundle format and the
// destination label when one was given.
const ActionDisclosed = "disclosed"
