#!/usr/bin/env bash
# scripts/faults.sh — the fault suite (docs/reliability.md): FAULTS_UPLOADS
# uploads (default here 1000) under FAULTS_RATE faults (default 0.2), with
# FAULTS_SEED to repeat a run's choices. Prints the summary line and the seed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-npm.sh
export FAULTS_UPLOADS="${FAULTS_UPLOADS:-1000}"
go test -race -count=1 -v -timeout 60m -run '^TestNothingIsLostUnderFaults$' ./e2e/faults \
  | grep --line-buffered -E '^(faults:|--- |ok |FAIL|panic)|_test\.go:[0-9]+:'
