package funchost

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// The caller's identity as App Service Authentication (Easy Auth) hands it
// to the app: the platform validates the caller's token, removes any
// X-MS-CLIENT-PRINCIPAL* header the caller sent, and sets these itself
// (https://learn.microsoft.com/en-us/azure/app-service/configure-authentication-user-identities).
// They are trustworthy only because of that stripping, so the handler reads
// them only when BWV_TRUST_PRINCIPAL_HEADERS says authentication is on. The
// local host (internal/devhost) emulates the platform with the same types.
const (
	HeaderClientPrincipal     = "X-MS-CLIENT-PRINCIPAL"      // base64 JSON, see ClientPrincipal
	HeaderClientPrincipalName = "X-MS-CLIENT-PRINCIPAL-NAME" // a readable name, such as the UPN
	HeaderClientPrincipalID   = "X-MS-CLIENT-PRINCIPAL-ID"   // the identity provider's id (Entra object id)
	HeaderClientPrincipalIDP  = "X-MS-CLIENT-PRINCIPAL-IDP"  // "aad" for Entra ID
)

// Claim types App Service writes for Entra ID tokens.
const (
	ClaimTypeName     = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
	ClaimTypeRole     = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
	ClaimTypeObjectID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
	ClaimTypeRoles    = "roles" // Entra's short name for app roles
)

// IsPrincipalHeader reports whether name is X-MS-CLIENT-PRINCIPAL or one of
// its X-MS-CLIENT-PRINCIPAL-* companions (compared without case).
func IsPrincipalHeader(name string) bool {
	return strings.HasPrefix(strings.ToUpper(name), HeaderClientPrincipal)
}

// ClientPrincipal is the decoded X-MS-CLIENT-PRINCIPAL header.
type ClientPrincipal struct {
	AuthType string  `json:"auth_typ"`
	Claims   []Claim `json:"claims"`
	NameType string  `json:"name_typ"`
	RoleType string  `json:"role_typ"`
}

// Claim is one claim of the principal.
type Claim struct {
	Type  string `json:"typ"`
	Value string `json:"val"`
}

// Encode is the header value: standard base64 of the JSON, as App Service
// sends it.
func (p ClientPrincipal) Encode() string {
	b, _ := json.Marshal(p) // only strings: cannot fail
	return base64.StdEncoding.EncodeToString(b)
}

// DecodeClientPrincipal decodes a header value (standard base64; unpadded
// URL-safe base64 is accepted too).
func DecodeClientPrincipal(header string) (ClientPrincipal, error) {
	header = strings.TrimSpace(header)
	raw, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(header, "="))
	}
	var p ClientPrincipal
	if err == nil {
		err = json.Unmarshal(raw, &p)
	}
	if err != nil {
		return ClientPrincipal{}, fmt.Errorf("%s is not base64-encoded JSON: %w", HeaderClientPrincipal, err)
	}
	return p, nil
}

// Name is the claim name_typ names, else the first of the usual name
// claims; "" when there is none.
func (p ClientPrincipal) Name() string {
	for _, want := range []string{p.NameType, "name", "preferred_username",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"} {
		for _, c := range p.Claims {
			if want != "" && c.Type == want && strings.TrimSpace(c.Value) != "" {
				return strings.TrimSpace(c.Value)
			}
		}
	}
	return ""
}

// Roles are the values of the role claims: those of the type role_typ
// names, and of Entra's "roles" and the .NET role claim type, whichever
// the platform's claim mapping used. Each value once, in order.
func (p ClientPrincipal) Roles() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range p.Claims {
		if c.Type != ClaimTypeRoles && c.Type != ClaimTypeRole && (p.RoleType == "" || c.Type != p.RoleType) {
			continue
		}
		v := strings.TrimSpace(c.Value)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
