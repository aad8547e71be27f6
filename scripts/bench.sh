#!/usr/bin/env bash
# scripts/bench.sh — speed and memory benchmarks, printed as ratios against
# their limits (never asserted by timed tests).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-npm.sh
go test -run '^$' -bench 'Verify1GiB' -benchtime 1x -timeout 30m ./functions
