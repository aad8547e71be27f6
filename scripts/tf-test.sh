#!/usr/bin/env bash
# scripts/tf-test.sh — offline checks of infra/terraform, as CI runs them:
#   fmt -check -recursive; then for the module and examples/default:
#   init -backend=false -plugin-dir <locally built azurerm>; validate (against
#   the real azurerm schema); test (mock_provider unit tests).
# The toolchain (binary + provider plugin directory) comes from
# scripts/toolchain.sh, which is idempotent and fast when its cache is warm.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tfdir=$root/infra/terraform

eval "$("$root/scripts/toolchain.sh")"
# One run at a time per working tree: init rewrites .terraform/ and the lock file.
if command -v flock >/dev/null; then
  mkdir -p "$tfdir/.terraform"
  exec 8>"$tfdir/.terraform/.tf-test.lock"
  flock 8
fi
: "${BWV_TF_BIN:?toolchain did not choose a binary}" "${BWV_TF_PLUGIN_DIR:?toolchain did not choose a plugin dir}"
export TF_IN_AUTOMATION=1
# A missing CLI config file only produces a warning; an existing one may point at
# registries that are unreachable here, and -plugin-dir overrides it anyway.

step() { # step NAME DIR CMD...
  local name=$1 dir=$2 start=$SECONDS
  shift 2
  if ! (cd "$dir" && "$@" >"$log" 2>&1); then
    echo "tf-test: FAIL $name (in ${dir#"$root"/})" >&2
    cat "$log" >&2
    exit 1
  fi
  printf 'tf-test: ok   %-32s %3ss\n' "$name" $((SECONDS - start))
}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "tf-test: $BWV_TF_FLAVOUR $BWV_TF_VERSION, providers from $BWV_TF_PLUGIN_DIR"
step "fmt -check -recursive" "$tfdir" "$BWV_TF_BIN" fmt -check -recursive -no-color
# The unit tests are written for Terraform >= 1.11: one shared mock file
# (mock_provider { source = "./tests/unit/mocks" }) and override_during = plan,
# without which Terraform leaves computed IDs unknown at plan. OpenTofu (up to
# 1.12) has neither, and fills computed values during plan anyway: for it
# init, validate and the tests run on a copy of infra/terraform with the mock
# file inlined into each mock_provider block and override_during removed
# (init parses the test files too).
testdir=$tfdir
if [ "$BWV_TF_FLAVOUR" = tofu ]; then
  testroot=$(mktemp -d)
  trap 'rm -f "$log"; rm -rf "$testroot"' EXIT
  testdir=$testroot/infra/terraform # same layout: the tests read ../../host.json
  mkdir -p "$testdir" && cp "$root/host.json" "$testroot/"
  (cd "$tfdir" && tar --exclude=.terraform --exclude=.terraform.lock.hcl -cf - .) | (cd "$testdir" && tar -xf -)
  for f in "$testdir"/tests/unit/*.tftest.hcl "$testdir"/examples/default/tests/*.tftest.hcl; do
    awk -v base="$(dirname "$f")" '
      /^[[:space:]]*override_during[[:space:]]*=[[:space:]]*plan[[:space:]]*$/ { next }
      /^  source[[:space:]]*=[[:space:]]*"/ && inmock {
        src = $0; sub(/^[^"]*"/, "", src); sub(/".*$/, "", src)
        root = base; sub(/\/tests(\/unit)?$/, "", root) # paths are relative to the module under test
        cmd = "cat \"" root "/" src "\"/*.tfmock.hcl"
        while ((cmd | getline line) > 0) print "  " line
        close(cmd); next
      }
      /^mock_provider "azurerm"/ { inmock = 1 }
      /^}/ { inmock = 0 }
      { print }
    ' "$f" >"$f.tofu" && mv "$f.tofu" "$f"
  done
fi

for d in "$testdir" "$testdir/examples/default"; do
  rel=infra/terraform${d#"$testdir"}
  step "init $rel" "$d" "$BWV_TF_BIN" init -backend=false -input=false -no-color -plugin-dir "$BWV_TF_PLUGIN_DIR"
  step "validate $rel" "$d" "$BWV_TF_BIN" validate -no-color
done
# A binary that ignores .tftest.hcl files exits 0 (terraform 1.5.x): demand that
# tests really ran.
ran_tests() {
  grep -Eq "Success! [1-9][0-9]* passed, 0 failed" "$log" || { echo "tf-test: FAIL no tests ran" >&2; cat "$log" >&2; exit 1; }
}
step "test infra/terraform (unit)" "$testdir" "$BWV_TF_BIN" test -no-color -test-directory=tests/unit
ran_tests
step "test examples/default" "$testdir/examples/default" "$BWV_TF_BIN" test -no-color
ran_tests
echo "tf-test: all passed"
