#!/usr/bin/env bash
# scripts/run.sh — README command 1 (`make run`): the whole pipeline locally.
# Installs the pinned npm packages (quick when already installed), builds the
# CLI, and hands over to `bwv run`, which builds the handler, starts Azurite
# (data in .local/azurite), the local Cosmos server, the local Functions host
# and the handler on the default loopback ports, creates containers, queues
# and the database, and prints what to do next. Ctrl-C stops everything.
# Extra arguments go to `bwv run` (e.g.
# scripts/run.sh --reset, or --host-port 7072); `bwv run -h` lists them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v go >/dev/null 2>&1 || { echo "run: go (>= 1.26) not found on PATH" >&2; exit 1; }

scripts/install-npm.sh
mkdir -p .local/bin
echo "run: building the CLI (.local/bin/bwv)"
go build -o .local/bin/bwv ./cmd/bwv
exec .local/bin/bwv run "$@"
