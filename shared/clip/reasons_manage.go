package clip

// Clip management (the ClipManage HTTP function and the retention tools).
// Each appears as "code" in a 4xx answer; docs/runbook.md lists them.
const (
	CodeActionUnknown        Code = "ACTION_UNKNOWN"         // the URL names no management action this API has
	CodeMethodNotAllowed     Code = "METHOD_NOT_ALLOWED"     // GET reads a clip; POST changes it
	CodeJustificationMissing Code = "JUSTIFICATION_MISSING"  // every change needs a justification (DPA 2018 s.62)
	CodeJustificationTooLong Code = "JUSTIFICATION_TOO_LONG" // more than 2,000 characters
	CodeActorMissing         Code = "ACTOR_MISSING"          // no authenticated principal and no "actor" in the body
	CodeActorInvalid         Code = "ACTOR_INVALID"          // actor longer than 256 characters or with control characters
	CodePrincipalMalformed   Code = "PRINCIPAL_MALFORMED"    // X-MS-CLIENT-PRINCIPAL is not base64 JSON
	CodeIfMatchRequired      Code = "IF_MATCH_REQUIRED"      // a change must name the ETag it was based on
	CodeCategoriesMissing    Code = "CATEGORIES_MISSING"     // reclassify with an empty category list
	CodeIncidentRefsMissing  Code = "INCIDENT_REFS_MISSING"  // link/unlink without references
	CodeIncidentRefNotLinked Code = "INCIDENT_REF_NOT_LINKED"
	CodeClipDeleted          Code = "CLIP_DELETED"        // the clip is a tombstone: nothing about it can change
	CodeClipNotManageable    Code = "CLIP_NOT_MANAGEABLE" // e.g. a residency refusal: no footage was recorded
	CodeClipIDAmbiguous      Code = "CLIP_ID_AMBIGUOUS"   // the clip id is recorded under more than one officer: name one with ?officer=
)
