package functions

import (
	"strings"
	"unicode"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// Who is acting on a ClipManage request: the platform's principal headers,
// trusted only when BWV_TRUST_PRINCIPAL_HEADERS says authentication is on.

// actorOf resolves who is acting: the platform's authenticated principal
// when present and trusted, else the body's actor, marked unauthenticated.
// The principal headers are trusted only when the platform's
// authentication is on (trust, from BWV_TRUST_PRINCIPAL_HEADERS): only
// then does the platform strip them from incoming requests; otherwise any
// caller could send them, so they are ignored.
func actorOf(req funchost.HTTPRequest, body ManageRequest, trust bool) (ResolvedActor, error) {
	var name string
	if trust {
		name = strings.TrimSpace(req.Header(funchost.HeaderClientPrincipalName))
		if p := strings.TrimSpace(req.Header(funchost.HeaderClientPrincipal)); p != "" {
			n, err := principalName(p)
			if err != nil {
				return ResolvedActor{}, err
			}
			if name == "" {
				name = n
			}
		}
	}
	auth := name != ""
	if !auth {
		name = strings.TrimSpace(body.Actor)
	}
	switch {
	case name == "":
		return ResolvedActor{}, clip.Errorf(clip.Invalid, clip.CodeActorMissing,
			"no authenticated principal (%s) and no \"actor\" in the body: say who is making the change", funchost.HeaderClientPrincipalName)
	case len(name) > 256 || strings.ContainsFunc(name, unicode.IsControl):
		return ResolvedActor{}, clip.Errorf(clip.Invalid, clip.CodeActorInvalid, "the actor must be at most 256 printable characters")
	}
	return ResolvedActor{Name: name, Authenticated: auth}, nil
}

// principalName decodes X-MS-CLIENT-PRINCIPAL and returns the name it
// carries ("" when none).
func principalName(header string) (string, error) {
	p, err := funchost.DecodeClientPrincipal(header)
	if err != nil {
		return "", clip.Errorf(clip.Invalid, clip.CodePrincipalMalformed, "%v", err)
	}
	return p.Name(), nil
}
