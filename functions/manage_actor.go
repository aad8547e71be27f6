package functions

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"unicode"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// Who is acting on a ClipManage request: the platform's principal headers,
// trusted only when BWV_TRUST_PRINCIPAL_HEADERS says authentication is on.

// Headers the platform sets for an authenticated caller (App Service
// Authentication). They are trustworthy only because the platform strips
// them from incoming requests when authentication is on (docs/runbook.md).
const (
	HeaderPrincipalName = "X-MS-CLIENT-PRINCIPAL-NAME"
	HeaderPrincipal     = "X-MS-CLIENT-PRINCIPAL"
)

// actorOf resolves who is acting: the platform's authenticated principal
// when present and trusted, else the body's actor, marked unauthenticated.
// The principal headers are trusted only when the platform's
// authentication is on (trust, from BWV_TRUST_PRINCIPAL_HEADERS): only
// then does the platform strip them from incoming requests; otherwise any
// caller could send them, so they are ignored.
func actorOf(req funchost.HTTPRequest, body ManageRequest, trust bool) (ResolvedActor, error) {
	var name string
	if trust {
		name = strings.TrimSpace(req.Header(HeaderPrincipalName))
		if p := strings.TrimSpace(req.Header(HeaderPrincipal)); p != "" {
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
			"no authenticated principal (%s) and no \"actor\" in the body: say who is making the change", HeaderPrincipalName)
	case len(name) > 256 || strings.ContainsFunc(name, unicode.IsControl):
		return ResolvedActor{}, clip.Errorf(clip.Invalid, clip.CodeActorInvalid, "the actor must be at most 256 printable characters")
	}
	return ResolvedActor{Name: name, Authenticated: auth}, nil
}

// principalName decodes X-MS-CLIENT-PRINCIPAL (base64 JSON with auth_typ,
// name_typ and claims) and returns the claim its name_typ names, or a
// usual name claim.
func principalName(header string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(header, "="))
	}
	var p struct {
		NameType string `json:"name_typ"`
		Claims   []struct {
			Type  string `json:"typ"`
			Value string `json:"val"`
		} `json:"claims"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &p)
	}
	if err != nil {
		return "", clip.Errorf(clip.Invalid, clip.CodePrincipalMalformed, "%s is not base64-encoded JSON: %v", HeaderPrincipal, err)
	}
	for _, want := range []string{p.NameType, "name", "preferred_username", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"} {
		for _, c := range p.Claims {
			if want != "" && c.Type == want && strings.TrimSpace(c.Value) != "" {
				return strings.TrimSpace(c.Value), nil
			}
		}
	}
	return "", nil
}
