package devhost

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
	"github.com/bwv-ingest/bwv-ingest/shared/funchost"
)

func testKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func goodClaims(now time.Time) TokenClaims {
	return TokenClaims{Issuer: TokenIssuer, Audience: TokenAudience, Name: "PC 1234 Jones", PreferredUsername: "PC 1234 Jones",
		ObjectID: StableObjectID("PC 1234 Jones"), Roles: []string{"Evidence.Manage"},
		IssuedAt: now.Unix(), NotBefore: now.Unix(), Expires: now.Add(time.Hour).Unix()}
}

// Every way a token can be wrong is refused with its own code; a minted
// one verifies and carries what was asked for.
func TestTokenMintAndVerify(t *testing.T) {
	key, other := testKey(t), testKey(t)
	pub := key.Public().(ed25519.PublicKey)
	now := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	tok, err := MintToken(key, "PC 1234 Jones", []string{"Evidence.Manage", "Evidence.Read"}, 8*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := VerifyToken(pub, tok, now.Add(time.Minute))
	if err != nil || c.Name != "PC 1234 Jones" || len(c.Roles) != 2 || c.Expires-c.IssuedAt != int64(8*time.Hour/time.Second) || c.ObjectID != StableObjectID("PC 1234 Jones") {
		t.Fatalf("VerifyToken(minted) = %+v, %v", c, err)
	}

	sign := func(h tokenHeader, claims any) string {
		s, err := signToken(key, h, claims)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ed := tokenHeader{Alg: "EdDSA", Typ: "JWT"}
	with := func(f func(*TokenClaims)) TokenClaims { c := goodClaims(now); f(&c); return c }
	parts := strings.Split(tok, ".")
	tamperedClaims := func() string {
		b, _ := base64.RawURLEncoding.DecodeString(parts[1])
		b = []byte(strings.Replace(string(b), "PC 1234 Jones", "PC 9999 Other", 1))
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
	}()
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	wrongKey, _ := MintToken(other, "PC 1234 Jones", nil, time.Hour, now)
	missingExp := map[string]any{"iss": TokenIssuer, "aud": TokenAudience, "name": "x", "iat": now.Unix()}
	cases := []struct {
		name, token string
		at          time.Time
		want        reason.Code
	}{
		{"tampered payload", tamperedClaims, now, CodeTokenSignature},
		{"wrong key", wrongKey, now, CodeTokenSignature},
		{"alg none, no signature", noneHeader + "." + parts[1] + ".", now, CodeTokenAlgorithm},
		{"alg none, original signature", noneHeader + "." + parts[1] + "." + parts[2], now, CodeTokenAlgorithm},
		{"alg HS256", sign(tokenHeader{Alg: "HS256"}, goodClaims(now)), now, CodeTokenAlgorithm},
		{"crit header", func() string {
			h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA","crit":["exp"]}`))
			in := h + "." + parts[1]
			return in + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(in)))
		}(), now, CodeTokenAlgorithm},
		{"expired", tok, now.Add(8*time.Hour + TokenClockSkew + time.Second), CodeTokenExpired},
		{"expired within skew is still valid", "", time.Time{}, ""},
		{"not yet valid (nbf)", sign(ed, with(func(c *TokenClaims) {
			c.NotBefore = now.Add(time.Hour).Unix()
			c.Expires = now.Add(2 * time.Hour).Unix()
		})), now, CodeTokenNotYetValid},
		{"issued in the future", tok, now.Add(-time.Minute), CodeTokenNotYetValid},
		{"missing exp", sign(ed, missingExp), now, CodeTokenMalformed},
		{"lifetime too long", sign(ed, with(func(c *TokenClaims) { c.Expires = now.Add(MaxTokenLifetime + time.Second).Unix() })), now, CodeTokenLifetime},
		{"exp before iat", sign(ed, with(func(c *TokenClaims) { c.Expires = now.Add(-time.Second).Unix() })), now, CodeTokenLifetime},
		{"wrong audience", sign(ed, with(func(c *TokenClaims) { c.Audience = "api://someone-else" })), now, CodeTokenAudience},
		{"wrong issuer", sign(ed, with(func(c *TokenClaims) { c.Issuer = "https://login.example/other" })), now, CodeTokenIssuer},
		{"bad role in a signed token", sign(ed, with(func(c *TokenClaims) { c.Roles = []string{"a b"} })), now, CodeTokenClaimInvalid},
		{"empty name in a signed token", sign(ed, with(func(c *TokenClaims) { c.Name = "" })), now, CodeTokenClaimInvalid},
		{"two parts", parts[0] + "." + parts[1], now, CodeTokenMalformed},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], now, CodeTokenMalformed},
		{"no alg", "e30." + base64.RawURLEncoding.EncodeToString([]byte("nope")) + "." + parts[2], now, CodeTokenAlgorithm},
		{"garbage", "garbage", now, CodeTokenMalformed},
		{"empty", "", now, CodeTokenMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.want == "" { // exp 20 s ago, within the 30 s skew
				if _, err := VerifyToken(pub, tok, now.Add(8*time.Hour+20*time.Second)); err != nil {
					t.Fatal(err)
				}
				return
			}
			_, err := VerifyToken(pub, c.token, c.at)
			if reason.CodeOf(err) != c.want {
				t.Fatalf("VerifyToken = %v, want code %s", err, c.want)
			}
		})
	}
}

func TestMintRefusesBadIdentity(t *testing.T) {
	key := testKey(t)
	now := time.Now()
	for _, c := range []struct {
		name  string
		roles []string
		ttl   time.Duration
		want  reason.Code
	}{
		{"", nil, time.Hour, CodeTokenClaimInvalid},
		{"   ", nil, time.Hour, CodeTokenClaimInvalid},
		{" padded", nil, time.Hour, CodeTokenClaimInvalid},
		{"ctl\x07", nil, time.Hour, CodeTokenClaimInvalid},
		{"ok", []string{"has space"}, time.Hour, CodeTokenClaimInvalid},
		{"ok", []string{"1starts-with-digit"}, time.Hour, CodeTokenClaimInvalid},
		{"ok", []string{"a", "a"}, time.Hour, CodeTokenClaimInvalid},
		{"ok", []string{`x"y`}, time.Hour, CodeTokenClaimInvalid},
		{"ok", nil, 0, CodeTokenLifetime},
		{"ok", nil, MaxTokenLifetime + time.Second, CodeTokenLifetime},
	} {
		if _, err := MintToken(key, c.name, c.roles, c.ttl, now); reason.CodeOf(err) != c.want {
			t.Errorf("MintToken(%q, %q, %s) = %v, want %s", c.name, c.roles, c.ttl, err, c.want)
		}
	}
}

// The key is made once (0600 in a 0700 folder) and reused; a key others
// can read is refused.
func TestSigningKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth", "signing-key")
	k1, err := LoadOrCreateSigningKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreateSigningKey(path)
	if err != nil || !k1.Equal(k2) {
		t.Fatalf("second load: %v, same key %v", err, k1.Equal(k2))
	}
	fi, _ := os.Stat(path)
	di, _ := os.Stat(filepath.Dir(path))
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Errorf("modes: key %04o, folder %04o; want 0600, 0700", fi.Mode().Perm(), di.Mode().Perm())
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSigningKey(path); reason.CodeOf(err) != CodeAuthKey || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key: %v, want %s", err, CodeAuthKey)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "junk"), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigningKey(filepath.Join(filepath.Dir(path), "junk")); reason.CodeOf(err) != CodeAuthKey {
		t.Errorf("junk key: %v", err)
	}
}

// principalOf decodes the X-MS-CLIENT-PRINCIPAL the handler saw.
func principalOf(t *testing.T, v string) funchost.ClientPrincipal {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatalf("X-MS-CLIENT-PRINCIPAL %q is not standard base64: %v", v, err)
	}
	var p funchost.ClientPrincipal
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("X-MS-CLIENT-PRINCIPAL is not the JSON shape: %v\n%s", err, b)
	}
	return p
}

// Through the real host and the echo handler: forged principal headers
// never reach the handler; without a valid token the answer is 401 and
// the handler is not called; with one the handler sees exactly the
// principal App Service would inject; the function key is still needed.
func TestEasyAuthThroughHost(t *testing.T) {
	keyPath := filepath.Join(t.TempDir(), "auth", "signing-key")
	th := startTestHost(t, func(o *Options) { o.EasyAuth = EasyAuthOptions{Enabled: true, KeyPath: keyPath} })
	key, err := LoadSigningKey(keyPath)
	if err != nil {
		t.Fatalf("the host did not create its key: %v", err)
	}
	good, err := MintToken(key, "DC 4471 Smith", []string{"Evidence.Manage", "Evidence.Read"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := signToken(key, tokenHeader{Alg: "EdDSA"}, goodClaims(time.Now().Add(-2*time.Hour)))
	otherKey, _ := MintToken(testKey(t), "DC 4471 Smith", nil, time.Hour, time.Now())
	forged := base64.StdEncoding.EncodeToString([]byte(`{"auth_typ":"aad","claims":[{"typ":"name","val":"Chief Constable"}],"name_typ":"name","role_typ":"roles"}`))

	do := func(auth, fnKey string, forge bool) (*http.Response, string) {
		req, _ := http.NewRequest("GET", th.base+"/api/items/42", nil)
		if fnKey != "" {
			req.Header.Set("x-functions-key", fnKey)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if forge {
			req.Header.Set("X-MS-CLIENT-PRINCIPAL", forged)
			req.Header.Set("X-MS-CLIENT-PRINCIPAL-NAME", "Chief Constable")
			req.Header.Set("x-ms-client-principal-id", "00000000-0000-0000-0000-000000000001")
			req.Header.Set("X-Ms-Client-Principal-Idp", "aad")
			req.Header.Add("X-MS-CLIENT-PRINCIPAL-ROLES", "Chief.Constable") // a name the platform never sets
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp, readAll(t, resp.Body)
	}
	for _, c := range []struct {
		name, auth string
		forge      bool
		want       reason.Code
	}{
		{"forged principal, no token", "", true, CodeTokenMissing},
		{"no token", "", false, CodeTokenMissing},
		{"not bearer", "Basic " + good, true, CodeTokenMalformed},
		{"bad signature", "Bearer " + otherKey, true, CodeTokenSignature},
		{"expired", "Bearer " + expired, true, CodeTokenExpired},
		{"malformed", "Bearer not.a.jwt", true, CodeTokenMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := do(c.auth, "fn-key", c.forge)
			var got struct{ Code string }
			_ = json.Unmarshal([]byte(body), &got)
			if resp.StatusCode != http.StatusUnauthorized || got.Code != string(c.want) || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("= %d %s, want 401 %s with WWW-Authenticate: Bearer", resp.StatusCode, body, c.want)
			}
		})
	}
	if n := len(th.records(t, "EchoHTTP")); n != 0 {
		t.Fatalf("the handler was called %d times for refused requests", n)
	}
	// A valid token does not replace the function key.
	if resp, body := do("Bearer "+good, "", false); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token without the function key = %d %s, want 401", resp.StatusCode, body)
	}

	// Valid token plus forged headers: the handler sees only the injected ones.
	if resp, body := do("Bearer "+good, "fn-key", true); resp.StatusCode != 201 {
		t.Fatalf("valid token = %d %s, want 201", resp.StatusCode, body)
	}
	recs := th.records(t, "EchoHTTP")
	if len(recs) != 1 {
		t.Fatalf("handler calls = %d, want 1", len(recs))
	}
	var inv struct {
		Data struct {
			Req funchost.HTTPRequest `json:"req"`
		}
		Metadata struct {
			Headers map[string]string
		}
	}
	if err := json.Unmarshal(recs[0].Body, &inv); err != nil {
		t.Fatal(err)
	}
	principal := map[string][]string{}
	for k, v := range inv.Data.Req.Headers {
		if funchost.IsPrincipalHeader(k) {
			principal[strings.ToUpper(k)] = v
		}
	}
	oid := StableObjectID("DC 4471 Smith")
	want := map[string]string{funchost.HeaderClientPrincipalName: "DC 4471 Smith", funchost.HeaderClientPrincipalID: oid, funchost.HeaderClientPrincipalIDP: "aad"}
	for k, v := range want {
		if got := principal[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want exactly [%q]", k, got, v)
		}
	}
	if got := principal[funchost.HeaderClientPrincipal]; len(got) != 1 {
		t.Fatalf("%s = %q, want exactly one", funchost.HeaderClientPrincipal, got)
	}
	if len(principal) != 4 {
		t.Errorf("principal headers = %v, want exactly the four injected ones", principal)
	}
	p := principalOf(t, principal[funchost.HeaderClientPrincipal][0])
	if p.AuthType != "aad" || p.NameType != funchost.ClaimTypeName || p.RoleType != "roles" {
		t.Errorf("principal = %+v", p)
	}
	claims := map[string][]string{}
	for _, c := range p.Claims {
		claims[c.Type] = append(claims[c.Type], c.Value)
	}
	if strings.Join(claims["name"], "|") != "DC 4471 Smith" || strings.Join(claims["roles"], "|") != "Evidence.Manage|Evidence.Read" ||
		strings.Join(claims[funchost.ClaimTypeObjectID], "") != oid || strings.Join(claims["aud"], "") != TokenAudience || strings.Join(claims["iss"], "") != TokenIssuer ||
		len(claims["exp"]) != 1 || len(claims["iat"]) != 1 || strings.Contains(string(recs[0].Body), "Chief Constable") {
		t.Errorf("principal claims = %v; raw invocation %s", claims, recs[0].Body)
	}
	if inv.Metadata.Headers[http.CanonicalHeaderKey(funchost.HeaderClientPrincipalName)] != "DC 4471 Smith" {
		t.Errorf("Metadata.Headers = %v", inv.Metadata.Headers)
	}
}

// Off (the default, as under Core Tools): no token needed, headers pass.
func TestEasyAuthOffByDefault(t *testing.T) {
	th := startTestHost(t, nil)
	req, _ := http.NewRequest("GET", th.base+"/api/items/1", nil)
	req.Header.Set("x-functions-key", "fn-key")
	req.Header.Set("X-MS-CLIENT-PRINCIPAL-NAME", "someone")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("= %d, want 201", resp.StatusCode)
	}
	if !strings.Contains(string(th.records(t, "EchoHTTP")[0].Body), "someone") {
		t.Error("with the emulation off the host changed the request's headers")
	}
}
