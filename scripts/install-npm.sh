#!/usr/bin/env bash
# Installs the pinned npm packages in tools/ (Azurite, @vercel/cosmosdb-server)
# exactly as package-lock.json says, with `npm ci`. Idempotent and quick: when
# tools/node_modules was installed from the same lock file, it does nothing.
# Needs node >= 20 and npm on PATH; reaches only the npm registry.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"
stamp="$tools/node_modules/.bwv-install-stamp"

need() { command -v "$1" >/dev/null 2>&1 || { echo "install-npm: $1 not found on PATH (need node >= 20 with npm)" >&2; exit 1; }; }
need node
need npm

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
	echo "install-npm: node $(node --version) is too old; need node >= 20" >&2
	exit 1
fi

lock_sum="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)"
want="lock=$lock_sum node=$node_major"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "install-npm: tools/node_modules matches package-lock.json; nothing to do"
	exit 0
fi

echo "install-npm: npm ci in tools/ (node $(node --version), npm $(npm --version))"
# --ignore-scripts: none of the pinned packages needs an install script to run.
# --engine-strict=false: azurite 3.37 declares node >= 22 but runs on node 20
# (tested; docs/platform-facts.md); do not let a user's npmrc turn that warning into a failure.
(cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --engine-strict=false --loglevel=error)

printf '%s\n' "$want" >"$stamp.tmp"
mv "$stamp.tmp" "$stamp"
echo "install-npm: done"
