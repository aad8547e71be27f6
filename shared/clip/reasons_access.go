package clip

// ClipManage access: who is asking and what they may do. Each appears as
// "code" in a 4xx answer; docs/runbook.md › Access model lists them with
// their status.
const (
	CodeAuthenticationRequired Code = "AUTHENTICATION_REQUIRED" // 401: no platform-authenticated principal (or the platform's authentication is off)
	CodeRoleRequired           Code = "ROLE_REQUIRED"           // 403: the principal lacks the app role the request needs
	CodePurposeRequired        Code = "PURPOSE_REQUIRED"        // 400: a read must say why (?purpose=)
	CodePurposeInvalid         Code = "PURPOSE_INVALID"         // 400: purpose longer than 256 characters or not printable
	CodeIfMatchWildcard        Code = "IF_MATCH_WILDCARD"       // 428: If-Match: * names no state the change was decided on
	CodeIfMatchEmpty           Code = "IF_MATCH_EMPTY"          // 428: If-Match with an empty ETag
)
