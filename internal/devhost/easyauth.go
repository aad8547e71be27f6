package devhost

import (
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

// The emulation of App Service Authentication ("Easy Auth" v2, Microsoft
// Entra ID provider, "require authentication, return 401") in front of the
// httpTrigger routes, so ClipManage runs the same code path locally as in
// Azure. What the platform does, and so what this does
// (https://learn.microsoft.com/en-us/azure/app-service/configure-authentication-user-identities
// and https://learn.microsoft.com/en-us/azure/app-service/overview-authentication-authorization):
//   - client-sent X-MS-CLIENT-PRINCIPAL* headers never reach the app
//     ("External requests aren't allowed to set these headers");
//   - a request without a valid bearer token is answered 401 and never
//     reaches the function;
//   - for a valid token the platform sets X-MS-CLIENT-PRINCIPAL (base64 of
//     {"auth_typ", "claims": [{"typ", "val"}], "name_typ", "role_typ"}),
//     X-MS-CLIENT-PRINCIPAL-NAME (a human-readable name such as the UPN),
//     X-MS-CLIENT-PRINCIPAL-ID (the identity provider's id for the caller:
//     the Entra object id) and X-MS-CLIENT-PRINCIPAL-IDP ("aad").
// The only local difference is who signs the token: a key under .local/
// instead of Entra ID.

// EasyAuthOptions turn the emulation on. With Enabled, KeyPath (default
// <ScriptRoot>/.local/auth/signing-key) is read, or created once.
type EasyAuthOptions struct {
	Enabled bool
	KeyPath string
	// Now is the clock tokens are checked against; default time.Now.
	Now func() time.Time
}

// easyAuth is the emulation's state: the public key tokens must verify with.
type easyAuth struct {
	pub     ed25519.PublicKey
	now     func() time.Time
	keyPath string
}

func newEasyAuth(o EasyAuthOptions, scriptRoot string) (*easyAuth, error) {
	if !o.Enabled {
		return nil, nil
	}
	path := o.KeyPath
	if path == "" {
		path = filepath.Join(scriptRoot, DefaultAuthKeyPath)
	}
	key, err := LoadOrCreateSigningKey(path)
	if err != nil {
		return nil, err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &easyAuth{pub: key.Public().(ed25519.PublicKey), now: now, keyPath: path}, nil
}

// wrap puts the emulation in front of next: strip, verify, inject.
func (a *easyAuth) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k := range r.Header {
			if funchost.IsPrincipalHeader(k) {
				delete(r.Header, k) // always, token or not, as the platform does
			}
		}
		claims, err := a.verify(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="bwv-local", error="invalid_token"`)
			body, _ := json.Marshal(map[string]string{"code": string(reason.CodeOf(err)), "message": err.Error()})
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write(append(body, '\n'))
			return
		}
		for k, v := range principalHeaders(claims) {
			r.Header.Set(k, v)
		}
		next.ServeHTTP(w, r)
	})
}

func (a *easyAuth) verify(r *http.Request) (TokenClaims, error) {
	vals := r.Header.Values("Authorization")
	if len(vals) == 0 {
		return TokenClaims{}, reason.Errorf(CodeTokenMissing, nil, "no Authorization: Bearer token (mint one with `bwv token --name NAME --roles ROLE`)")
	}
	scheme, tok, ok := strings.Cut(vals[0], " ")
	if len(vals) != 1 || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return TokenClaims{}, reason.Errorf(CodeTokenMalformed, nil, "the Authorization header must be exactly one \"Bearer <token>\"")
	}
	return VerifyToken(a.pub, strings.TrimSpace(tok), a.now())
}

// principalHeaders are the headers App Service sets for a verified token.
func principalHeaders(c TokenClaims) map[string]string {
	claims := []funchost.Claim{
		{Type: "aud", Value: c.Audience},
		{Type: "iss", Value: c.Issuer},
		{Type: "iat", Value: strconv.FormatInt(c.IssuedAt, 10)},
	}
	if c.NotBefore != 0 {
		claims = append(claims, funchost.Claim{Type: "nbf", Value: strconv.FormatInt(c.NotBefore, 10)})
	}
	claims = append(claims, funchost.Claim{Type: "exp", Value: strconv.FormatInt(c.Expires, 10)}, funchost.Claim{Type: "name", Value: c.Name})
	if c.ObjectID != "" {
		claims = append(claims, funchost.Claim{Type: funchost.ClaimTypeObjectID, Value: c.ObjectID})
	}
	if c.PreferredUsername != "" {
		claims = append(claims, funchost.Claim{Type: "preferred_username", Value: c.PreferredUsername})
	}
	for _, role := range c.Roles {
		claims = append(claims, funchost.Claim{Type: "roles", Value: role})
	}
	p := funchost.ClientPrincipal{AuthType: "aad", Claims: claims, NameType: funchost.ClaimTypeName, RoleType: funchost.ClaimTypeRoles}
	name := c.PreferredUsername
	if name == "" {
		name = c.Name
	}
	h := map[string]string{
		funchost.HeaderClientPrincipal:     p.Encode(),
		funchost.HeaderClientPrincipalName: name,
		funchost.HeaderClientPrincipalIDP:  "aad",
	}
	if c.ObjectID != "" {
		h[funchost.HeaderClientPrincipalID] = c.ObjectID
	}
	return h
}
