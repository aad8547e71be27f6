#!/usr/bin/env bash
# scripts/bench.sh — `make bench`: builds the handler and bwv-bench, then
# measures the handler on the local services and prints one table of
# figures against their limits; the same table goes to .local/bench.json.
# Sizes: BWV_BENCH_* (docs/performance.md), e.g. a quick run:
#   BWV_BENCH_VERIFY_MIB=256 BWV_BENCH_INGEST_CLIPS=500 BWV_BENCH_SWEEP_CLIPS=500 make bench
# Not part of `make test` (the test suite runs it once at toy sizes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-npm.sh
mkdir -p .local/bin
go build -o .local/bin/bwv-handler ./cmd/bwv-handler
go build -o .local/bin/bwv-bench ./cmd/bwv-bench
exec .local/bin/bwv-bench --handler .local/bin/bwv-handler --json .local/bench.json "$@"
