#!/usr/bin/env bash
# scripts/test.sh — README command 2 (`make test`): every test, from scratch.
# Installs what the tests need (idempotent: quick when already installed),
# checks formatting and vet, runs all Go tests with the race detector (the
# integration and end-to-end tests start Azurite, the local Cosmos server and
# the handler themselves on free loopback ports), then the Terraform checks.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "npm packages: Azurite and the Cosmos server"
scripts/install-npm.sh
scripts/install-chromium.sh # Debian's chromium, for the headless-browser test of `bwv report`

step "Terraform toolchain: tofu/terraform and the azurerm provider plugin dir (slow only the first time)"
scripts/toolchain.sh

step "gofmt"
unformatted="$(gofmt -l $(git ls-files '*.go'))"
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi

step "go vet"
go vet ./...

step "go test -race"
go test -race -count=1 -timeout 60m ./...

step "terraform: fmt, init from the plugin dir, validate, tofu test"
scripts/tf-test.sh

step "all tests passed"
