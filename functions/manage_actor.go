package functions

import (
	"strings"
	"unicode"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// Who is acting on a ClipManage request: the platform's principal headers,
// trusted only when BWV_TRUST_PRINCIPAL_HEADERS says authentication is on.
// There is no other way to name a person: the body's "actor" cannot stand
// in for an authenticated one.

// caller is the authenticated person and the app roles their token
// carries.
type caller struct {
	ResolvedActor
	roles []string
}

// authenticate resolves who is calling. The principal headers are trusted
// only when the platform's authentication is on (trust, from
// BWV_TRUST_PRINCIPAL_HEADERS): only then does the platform strip them
// from incoming requests and set its own. With it off nobody is
// authenticated, so every request is refused (401): a forged header must
// not name a person, and a name in the body proves nothing either.
func authenticate(req funchost.HTTPRequest, trust bool) (caller, error) {
	if !trust {
		return caller{}, clip.Errorf(clip.Refused, clip.CodeAuthenticationRequired,
			"this app runs without the platform's authentication (BWV_TRUST_PRINCIPAL_HEADERS is false), so no caller is authenticated: clips can be neither read nor changed")
	}
	header := strings.TrimSpace(req.Header(funchost.HeaderClientPrincipal))
	if header == "" {
		return caller{}, clip.Errorf(clip.Refused, clip.CodeAuthenticationRequired,
			"no authenticated principal (%s): send an Entra access token for the API (Authorization: Bearer …)", funchost.HeaderClientPrincipal)
	}
	p, err := funchost.DecodeClientPrincipal(header)
	if err != nil {
		return caller{}, clip.Errorf(clip.Invalid, clip.CodePrincipalMalformed, "%v", err)
	}
	name := strings.TrimSpace(req.Header(funchost.HeaderClientPrincipalName))
	if name == "" {
		name = p.Name()
	}
	switch {
	case name == "":
		return caller{}, clip.Errorf(clip.Invalid, clip.CodeActorMissing,
			"the authenticated principal carries no name (%s or a name claim): a change or read must be attributable to a named person", funchost.HeaderClientPrincipalName)
	case len(name) > 256 || strings.ContainsFunc(name, unicode.IsControl):
		return caller{}, clip.Errorf(clip.Invalid, clip.CodeActorInvalid, "the principal's name must be at most 256 printable characters")
	}
	return caller{ResolvedActor: ResolvedActor{Name: name, Authenticated: true}, roles: p.Roles()}, nil
}
