package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/devhost"
)

// bwv token prints only a token, signed by the key the host checks
// against, carrying the name and roles asked for; the key is made once.
func TestTokenMintsWithTheLocalKey(t *testing.T) {
	key := filepath.Join(t.TempDir(), "auth", "signing-key")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"token", "--name", "DC 4471 Smith", "--roles", "Evidence.Manage, Evidence.Read", "--ttl", "2h", "--key", key}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	tok := strings.TrimSuffix(stdout.String(), "\n")
	if strings.ContainsAny(tok, " \n") || strings.Count(tok, ".") != 2 || stderr.Len() != 0 {
		t.Fatalf("stdout %q, stderr %q; want just the token", stdout.String(), stderr.String())
	}
	priv, err := devhost.LoadSigningKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := devhost.VerifyToken(priv.Public().(ed25519.PublicKey), tok, time.Now())
	if err != nil || c.Name != "DC 4471 Smith" || strings.Join(c.Roles, ",") != "Evidence.Manage,Evidence.Read" || c.Expires-c.IssuedAt != 7200 {
		t.Fatalf("claims %+v, %v", c, err)
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"token", "--name", "X", "--key", key}, &stdout, &stderr); code != 0 {
		t.Fatalf("second token: exit %d %s", code, stderr.String())
	}
	if _, err := devhost.VerifyToken(priv.Public().(ed25519.PublicKey), strings.TrimSpace(stdout.String()), time.Now()); err != nil {
		t.Fatalf("the key was replaced: %v", err)
	}
	if fi, _ := os.Stat(key); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %04o", fi.Mode().Perm())
	}
}

func TestTokenRefusesBadInput(t *testing.T) {
	key := filepath.Join(t.TempDir(), "signing-key")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no name", []string{"--roles", "Evidence.Manage"}, "AUTH_CLAIM_INVALID: the name is empty"},
		{"blank name", []string{"--name", "  "}, "AUTH_CLAIM_INVALID: the name is empty"},
		{"role with a space", []string{"--name", "A", "--roles", "Evidence Manage"}, `role "Evidence Manage"`},
		{"empty role", []string{"--name", "A", "--roles", "Evidence.Manage,,X"}, `role ""`},
		{"role with a quote", []string{"--name", "A", "--roles", `a"b`}, "AUTH_CLAIM_INVALID"},
		{"ttl too long", []string{"--name", "A", "--ttl", "48h"}, "AUTH_TOKEN_LIFETIME"},
		{"ttl zero", []string{"--name", "A", "--ttl", "0s"}, "AUTH_TOKEN_LIFETIME"},
		{"stray argument", []string{"--name", "A", "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"token", "--key", key}, c.args...), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), c.want) || stdout.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing on stdout, %q", code, stdout.String(), stderr.String(), c.want)
			}
		})
	}
}
