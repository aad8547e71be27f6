package devhost

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// Local bearer tokens for the App Service Authentication emulation
// (easyauth.go): compact JWTs (RFC 7519) signed with Ed25519 (alg EdDSA,
// RFC 8037) by a key kept under .local/, minted by `bwv token` and verified
// by the local host. Only the standard library is used; verification is
// deliberately narrow: one algorithm, required exp/iat, a bounded lifetime
// and a small clock skew.

// Token issuer and audience of the local emulation. In Azure the issuer is
// the Entra tenant and the audience the Function App's client ID; locally
// they only have to be stable and checked.
const (
	TokenIssuer   = "https://bwv-ingest.local/easyauth"
	TokenAudience = "api://bwv-ingest-local/ClipManage"
)

const (
	// MaxTokenLifetime is the longest exp − iat (or exp − nbf) accepted
	// and minted: a working day plus margin, as a local session.
	MaxTokenLifetime = 24 * time.Hour
	// TokenClockSkew is how far iat/nbf may lie in the future and exp in
	// the past before a token is refused.
	TokenClockSkew = 30 * time.Second
)

// DefaultAuthKeyPath is the signing key's place under the repository root,
// shared by `bwv run`/`bwv-host` (verify) and `bwv token` (mint).
const DefaultAuthKeyPath = ".local/auth/signing-key"

// Reason codes of the emulation: why a token was refused (the 401 body's
// code) or why a key or token could not be made.
const (
	CodeTokenMissing      reason.Code = "AUTH_TOKEN_MISSING"       // no Authorization: Bearer header
	CodeTokenMalformed    reason.Code = "AUTH_TOKEN_MALFORMED"     // not a compact JWT, bad base64 or JSON, a required claim absent
	CodeTokenAlgorithm    reason.Code = "AUTH_TOKEN_ALGORITHM"     // alg is not EdDSA (e.g. "none", HS256), or crit/jku/x5u present
	CodeTokenSignature    reason.Code = "AUTH_TOKEN_SIGNATURE"     // the signature does not verify with the local key
	CodeTokenExpired      reason.Code = "AUTH_TOKEN_EXPIRED"       // exp has passed (beyond the clock skew)
	CodeTokenNotYetValid  reason.Code = "AUTH_TOKEN_NOT_YET_VALID" // nbf or iat lies in the future (beyond the clock skew)
	CodeTokenLifetime     reason.Code = "AUTH_TOKEN_LIFETIME"      // exp − iat longer than MaxTokenLifetime, or not positive
	CodeTokenAudience     reason.Code = "AUTH_TOKEN_AUDIENCE"      // aud is not TokenAudience
	CodeTokenIssuer       reason.Code = "AUTH_TOKEN_ISSUER"        // iss is not TokenIssuer
	CodeTokenClaimInvalid reason.Code = "AUTH_CLAIM_INVALID"       // name or a role unusable (minting or verifying)
	CodeAuthKey           reason.Code = "AUTH_KEY_INVALID"         // the signing key file cannot be created or read, or is readable by others
)

// TokenClaims are the claims of a local token, named as Entra ID names them
// in its tokens.
type TokenClaims struct {
	Issuer            string   `json:"iss"`
	Audience          string   `json:"aud"`
	Subject           string   `json:"sub,omitempty"`
	Name              string   `json:"name"`
	PreferredUsername string   `json:"preferred_username,omitempty"`
	ObjectID          string   `json:"oid,omitempty"`
	Roles             []string `json:"roles,omitempty"`
	IssuedAt          int64    `json:"iat"`
	NotBefore         int64    `json:"nbf,omitempty"`
	Expires           int64    `json:"exp"`
}

type tokenHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ,omitempty"`
	Kid string `json:"kid,omitempty"`
}

var roleName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]{0,63}$`)

// ValidateIdentity checks a person's name and role names as `bwv token`
// and the host accept them: a name of 1–256 printable characters; roles
// from [A-Za-z][A-Za-z0-9._-]{0,63}, at most 32, no duplicates.
func ValidateIdentity(name string, roles []string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return reason.Errorf(CodeTokenClaimInvalid, nil, "the name is empty: say who the token is for (--name)")
	case name != strings.TrimSpace(name):
		return reason.Errorf(CodeTokenClaimInvalid, nil, "the name %q has leading or trailing spaces", name)
	case len(name) > 256 || strings.ContainsFunc(name, unicode.IsControl):
		return reason.Errorf(CodeTokenClaimInvalid, nil, "the name must be at most 256 printable characters")
	case len(roles) > 32:
		return reason.Errorf(CodeTokenClaimInvalid, nil, "%d roles: at most 32", len(roles))
	}
	seen := map[string]bool{}
	for _, r := range roles {
		if !roleName.MatchString(r) {
			return reason.Errorf(CodeTokenClaimInvalid, nil, "role %q: a role is a letter then up to 63 letters, digits, '.', '_' or '-'", r)
		}
		if seen[r] {
			return reason.Errorf(CodeTokenClaimInvalid, nil, "role %q given twice", r)
		}
		seen[r] = true
	}
	return nil
}

// StableObjectID is a UUID-shaped id derived from a name, so the same
// local person keeps one oid (X-MS-CLIENT-PRINCIPAL-ID) across tokens.
func StableObjectID(name string) string {
	s := sha256.Sum256([]byte("bwv-local-oid\x00" + name))
	s[6] = s[6]&0x0f | 0x50 // version 5-like (name-based, SHA)
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// MintToken signs a token for name with roles, valid from now for ttl.
func MintToken(key ed25519.PrivateKey, name string, roles []string, ttl time.Duration, now time.Time) (string, error) {
	if err := ValidateIdentity(name, roles); err != nil {
		return "", err
	}
	if ttl <= 0 || ttl > MaxTokenLifetime {
		return "", reason.Errorf(CodeTokenLifetime, nil, "lifetime %s: must be more than 0 and at most %s", ttl, MaxTokenLifetime)
	}
	oid := StableObjectID(name)
	c := TokenClaims{
		Issuer: TokenIssuer, Audience: TokenAudience, Subject: oid,
		Name: name, PreferredUsername: name, ObjectID: oid, Roles: roles,
		IssuedAt: now.Unix(), NotBefore: now.Unix(), Expires: now.Add(ttl).Unix(),
	}
	return signToken(key, tokenHeader{Alg: "EdDSA", Typ: "JWT", Kid: keyID(key.Public().(ed25519.PublicKey))}, c)
}

// signToken is MintToken without the checks (tests build bad tokens with it).
func signToken(key ed25519.PrivateKey, h tokenHeader, claims any) (string, error) {
	hb, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64(hb) + "." + b64(cb)
	return input + "." + b64(ed25519.Sign(key, []byte(input))), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// keyID is a short fingerprint of the public key, for people reading tokens.
func keyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return b64(s[:9])
}

// VerifyToken checks a compact JWT and returns its claims: exactly three
// base64url parts without padding; header alg EdDSA (anything else,
// including "none", is refused before the signature is looked at; crit,
// jku, jwk, x5u and x5c are refused); an Ed25519 signature by pub; iss and
// aud the local ones; exp and iat present; iat and nbf not in the future,
// exp not past (each with TokenClockSkew); exp − iat at most
// MaxTokenLifetime; name and roles as ValidateIdentity wants them.
func VerifyToken(pub ed25519.PublicKey, token string, now time.Time) (TokenClaims, error) {
	var c TokenClaims
	if len(token) > 8<<10 {
		return c, reason.Errorf(CodeTokenMalformed, nil, "token longer than 8 KiB")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, reason.Errorf(CodeTokenMalformed, nil, "a token is three base64url parts separated by dots; got %d part(s)", len(parts))
	}
	hb, err1 := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		return c, reason.Errorf(CodeTokenMalformed, err, "a token part is not unpadded base64url")
	}
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return c, reason.Errorf(CodeTokenMalformed, err, "the token header is not a JSON object")
	}
	var alg string
	if err := json.Unmarshal(hdr["alg"], &alg); err != nil || alg != "EdDSA" {
		return c, reason.Errorf(CodeTokenAlgorithm, nil, "token alg %s: only EdDSA (Ed25519) is accepted", hdr["alg"])
	}
	for _, k := range []string{"crit", "jku", "jwk", "x5u", "x5c"} {
		if _, ok := hdr[k]; ok {
			return c, reason.Errorf(CodeTokenAlgorithm, nil, "token header %q is not accepted", k)
		}
	}
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
		return c, reason.Errorf(CodeTokenSignature, nil, "the token's signature does not verify with the local signing key")
	}
	// Signed by our key from here on; the claims are still checked strictly.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(cb, &raw); err != nil {
		return c, reason.Errorf(CodeTokenMalformed, err, "the token claims are not a JSON object")
	}
	for _, k := range []string{"iss", "aud", "name", "iat", "exp"} {
		if _, ok := raw[k]; !ok {
			return c, reason.Errorf(CodeTokenMalformed, nil, "the token has no %q claim", k)
		}
	}
	if err := json.Unmarshal(cb, &c); err != nil {
		return TokenClaims{}, reason.Errorf(CodeTokenMalformed, err, "the token claims have the wrong types")
	}
	if c.Issuer != TokenIssuer {
		return TokenClaims{}, reason.Errorf(CodeTokenIssuer, nil, "token issuer %q, want %q", c.Issuer, TokenIssuer)
	}
	if c.Audience != TokenAudience {
		return TokenClaims{}, reason.Errorf(CodeTokenAudience, nil, "token audience %q, want %q", c.Audience, TokenAudience)
	}
	iat, exp := time.Unix(c.IssuedAt, 0), time.Unix(c.Expires, 0)
	start := iat
	if c.NotBefore != 0 {
		start = time.Unix(c.NotBefore, 0)
		if start.Before(iat) {
			start = iat
		}
	}
	switch {
	case !exp.After(iat) || exp.Sub(iat) > MaxTokenLifetime || exp.Sub(start) > MaxTokenLifetime:
		return TokenClaims{}, reason.Errorf(CodeTokenLifetime, nil, "token lifetime %s: at most %s", exp.Sub(iat), MaxTokenLifetime)
	case now.Add(TokenClockSkew).Before(start):
		return TokenClaims{}, reason.Errorf(CodeTokenNotYetValid, nil, "the token is valid only from %s", start.UTC().Format(time.RFC3339))
	case !now.Add(-TokenClockSkew).Before(exp):
		return TokenClaims{}, reason.Errorf(CodeTokenExpired, nil, "the token expired at %s; mint a new one with `bwv token`", exp.UTC().Format(time.RFC3339))
	}
	if err := ValidateIdentity(c.Name, c.Roles); err != nil {
		return TokenClaims{}, err
	}
	return c, nil
}

// LoadOrCreateSigningKey reads the Ed25519 key at path (PKCS#8 PEM), or
// creates it (folder 0700, file 0600) if there is none yet; a key made by
// a concurrent caller is read, not replaced. A key file readable or
// writable by group or others is refused: anyone who can read it can mint
// tokens for anyone.
func LoadOrCreateSigningKey(path string) (ed25519.PrivateKey, error) {
	key, err := LoadSigningKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, reason.Errorf(CodeAuthKey, err, "creating the folder of the signing key %s", path)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, reason.Errorf(CodeAuthKey, err, "generating a signing key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, reason.Errorf(CodeAuthKey, err, "encoding the signing key")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadSigningKey(path) // another process made it first
	}
	if err != nil {
		return nil, reason.Errorf(CodeAuthKey, err, "creating the signing key %s", path)
	}
	werr := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(path)
		return nil, reason.Errorf(CodeAuthKey, werr, "writing the signing key %s", path)
	}
	return priv, nil
}

// LoadSigningKey reads an existing key; a missing file is an error that
// matches fs.ErrNotExist.
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &reason.Error{Code: CodeAuthKey, Message: fmt.Sprintf("no signing key at %s (start `make run` once, or `bwv token` creates it)", path), Err: err}
		}
		return nil, reason.Errorf(CodeAuthKey, err, "reading the signing key %s", path)
	}
	if !fi.Mode().IsRegular() {
		return nil, reason.Errorf(CodeAuthKey, nil, "the signing key %s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, reason.Errorf(CodeAuthKey, nil, "the signing key %s has mode %04o: anyone who can read it can mint tokens; chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, reason.Errorf(CodeAuthKey, err, "reading the signing key %s", path)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, reason.Errorf(CodeAuthKey, nil, "the signing key %s is not a PEM PRIVATE KEY", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, reason.Errorf(CodeAuthKey, err, "the signing key %s does not parse", path)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, reason.Errorf(CodeAuthKey, nil, "the signing key %s is not an Ed25519 key", path)
	}
	return priv, nil
}
