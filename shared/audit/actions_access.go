package audit

// ActionConsulted records a read: a named, authenticated person looked at
// the clip's record and trail through ClipManage (GET /api/clips/{id}),
// with the purpose they gave as the justification. It moves the audit head
// like any change, so "who looked at this clip" is in the chain.
const ActionConsulted = "consulted"
