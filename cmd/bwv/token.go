package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/bwv-ingest/bwv-ingest/internal/devhost"
	"github.com/bwv-ingest/bwv-ingest/internal/localrun"
)

func init() {
	register(command{name: "token", summary: "mint a local bearer token for the HTTP API (the local stand-in for Entra ID sign-in)", run: runToken})
}

// runToken prints one token and nothing else on stdout, so
// TOKEN=$(bwv token --name … --roles …) works.
func runToken(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "who the token is for, as the audit trail will name them (required), e.g. \"DC 4471 Smith\"")
	roles := fs.String("roles", "", "comma-separated app roles, e.g. BWV.Clips.Read,BWV.Clips.Protect")
	ttl := fs.Duration("ttl", 8*time.Hour, fmt.Sprintf("how long the token is valid (at most %s)", devhost.MaxTokenLifetime))
	key := fs.String("key", "", "signing key, created if absent (default <repo>/"+devhost.DefaultAuthKeyPath+", the one `bwv run` checks tokens against)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bwv token: %s: unexpected argument %q (flags only)\n", devhost.CodeTokenClaimInvalid, fs.Arg(0))
		return 2
	}
	var rs []string
	if strings.TrimSpace(*roles) != "" {
		for _, r := range strings.Split(*roles, ",") {
			rs = append(rs, strings.TrimSpace(r))
		}
	}
	if err := devhost.ValidateIdentity(*name, rs); err != nil {
		fmt.Fprintf(stderr, "bwv token: %v\n", err)
		return 2
	}
	if *key == "" {
		*key = filepath.Join(localrun.RepoRoot(), devhost.DefaultAuthKeyPath)
	}
	priv, err := devhost.LoadOrCreateSigningKey(*key)
	if err != nil {
		fmt.Fprintf(stderr, "bwv token: %v\n", err)
		return 1
	}
	tok, err := devhost.MintToken(priv, *name, rs, *ttl, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "bwv token: %v\n", err)
		return 2
	}
	fmt.Fprintln(stdout, tok)
	return 0
}
