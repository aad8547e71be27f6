#!/usr/bin/env bash
# scripts/toolchain.sh — the offline Terraform toolchain for infra/terraform.
#
# Why this exists: the Terraform/OpenTofu registries cannot be reached from the
# build machines (nor from air-gapped police networks), but the Go module proxy
# can. So the azurerm provider is built from the proxy at the one version it
# serves and laid out as a provider plugin directory, and OpenTofu is built
# from the proxy when no suitable tofu/terraform is on PATH.
#
# Everything lands in a cache OUTSIDE the repository, keyed by version:
#   ${BWV_CACHE_DIR:-$HOME/.cache/bwv-ingest}/azurerm/<module-version>/plugins/...
#   ${BWV_CACHE_DIR:-$HOME/.cache/bwv-ingest}/tofu/<version>/tofu
# CI runs in a fresh clone on the same machine each time, so a cache inside the
# clone would be cold on every run. Each artefact is built into a temporary
# directory beside its final place and renamed into place only when complete,
# so an interrupted build never leaves a half-filled cache.
#
# Output: the chosen binary and plugin directory, as shell assignments on
# stdout (also written to $BWV_CACHE_DIR/toolchain.env):
#   BWV_TF_BIN=...  BWV_TF_FLAVOUR=tofu|terraform  BWV_TF_VERSION=...  BWV_TF_PLUGIN_DIR=...
# so callers can `eval "$(scripts/toolchain.sh)"`. Progress goes to stderr.
#
# Overrides:
#   BWV_TF_BIN=/path/to/tofu-or-terraform   use this binary (must meet the minimum version)
#   BWV_TF_PLUGIN_DIR=/path/to/mirror       use this plugin directory (an offline provider mirror)
#   BWV_TOFU_VERSION=1.10.10                OpenTofu version to build when one is needed
#   --build-tofu                            build OpenTofu even when tofu/terraform is on PATH
set -euo pipefail

AZURERM_MODULE=github.com/hashicorp/terraform-provider-azurerm
# main branch just after azurerm 5.2.0: the only version the proxy serves (docs/platform-facts.md)
AZURERM_MODULE_VERSION=v1.44.1-0.20260824201233-fae580791926
AZURERM_PROVIDER_VERSION=5.2.0
TOFU_MODULE=github.com/opentofu/opentofu
TOFU_VERSION=${BWV_TOFU_VERSION:-1.10.10}
MIN_TOFU=1.9.0      # validation blocks referring to locals (mock_provider needs 1.8)
MIN_TERRAFORM=1.9.0 # validation blocks referring to locals (mock_provider needs 1.7)

CACHE=${BWV_CACHE_DIR:-$HOME/.cache/bwv-ingest}
force_tofu_build=false
for arg in "$@"; do
  case $arg in
    --build-tofu) force_tofu_build=true ;;
    -h | --help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "toolchain: unknown argument $arg" >&2; exit 2 ;;
  esac
done

log() { printf 'toolchain: %s\n' "$*" >&2; }
die() { printf 'toolchain: error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go is not on PATH; install Go first"
GOOS=$(go env GOOS)
GOARCH=$(go env GOARCH)
PLATFORM=${GOOS}_${GOARCH}

mkdir -p "$CACHE"
# One toolchain step at a time per cache: several engineers (and CI) share a machine.
if command -v flock >/dev/null; then
  exec 9>"$CACHE/.toolchain.lock"
  flock 9
fi

# Builds run outside any repository and workspace, ignoring the caller's go.mod.
export GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0

# version_of BIN prints the semantic version a tofu/terraform binary reports.
version_of() {
  "$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | head -n1
}
# at_least HAVE WANT: true when HAVE >= WANT (ignores pre-release suffixes).
at_least() {
  local have=${1%%-*}
  [ "$(printf '%s\n%s\n' "$2" "$have" | sort -V | head -n1)" = "$2" ]
}
flavour_of() {
  if "$1" version 2>/dev/null | head -n1 | grep -q OpenTofu; then echo tofu; else echo terraform; fi
}

# ---------------------------------------------------------------- binary ----
build_tofu() {
  local dest=$CACHE/tofu/$TOFU_VERSION
  if [ -x "$dest/tofu" ]; then
    log "OpenTofu $TOFU_VERSION cached at $dest/tofu"
    return
  fi
  log "building OpenTofu v$TOFU_VERSION from the Go module proxy (about 7–8 min cold on 2 cores)"
  local start=$SECONDS src tmp
  # go install refuses OpenTofu's replace directives, so build inside its module directory.
  src=$(cd / && go mod download -json "$TOFU_MODULE@v$TOFU_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] && [ -d "$src" ] || die "could not download $TOFU_MODULE@v$TOFU_VERSION from the module proxy"
  mkdir -p "$CACHE/tofu"
  tmp=$(mktemp -d "$CACHE/tofu/.tmp-$TOFU_VERSION.XXXXXX")
  (cd "$src" && go build -mod=readonly -trimpath \
    -ldflags="-s -w -X github.com/opentofu/opentofu/version.dev=no" \
    -o "$tmp/tofu" ./cmd/tofu) || { rm -rf "$tmp"; die "OpenTofu build failed"; }
  if ! mv -T "$tmp" "$dest" 2>/dev/null; then
    rm -rf "$tmp" # someone else finished first
  fi
  log "OpenTofu v$TOFU_VERSION built in $((SECONDS - start)) s"
}

choose_binary() {
  if [ -n "${BWV_TF_BIN:-}" ]; then
    [ -x "$BWV_TF_BIN" ] || die "BWV_TF_BIN=$BWV_TF_BIN is not an executable"
    TF_BIN=$BWV_TF_BIN
  elif ! $force_tofu_build && command -v tofu >/dev/null && at_least "$(version_of "$(command -v tofu)")" "$MIN_TOFU"; then
    TF_BIN=$(command -v tofu)
  elif ! $force_tofu_build && command -v terraform >/dev/null && at_least "$(version_of "$(command -v terraform)")" "$MIN_TERRAFORM"; then
    TF_BIN=$(command -v terraform)
  else
    build_tofu
    TF_BIN=$CACHE/tofu/$TOFU_VERSION/tofu
  fi
  TF_VERSION=$(version_of "$TF_BIN")
  TF_FLAVOUR=$(flavour_of "$TF_BIN")
  local min=$MIN_TERRAFORM
  [ "$TF_FLAVOUR" = tofu ] && min=$MIN_TOFU
  [ -n "$TF_VERSION" ] && at_least "$TF_VERSION" "$min" ||
    die "$TF_BIN reports version '${TF_VERSION:-unknown}'; need $TF_FLAVOUR >= $min (mock_provider)"
  log "using $TF_FLAVOUR $TF_VERSION at $TF_BIN"
}

# ------------------------------------------------------------- providers ----
plugin_rel() { # registry host -> path of the provider binary inside a plugin directory
  echo "$1/hashicorp/azurerm/$AZURERM_PROVIDER_VERSION/$PLATFORM/terraform-provider-azurerm_v$AZURERM_PROVIDER_VERSION"
}

build_azurerm() {
  local dest=$CACHE/azurerm/$AZURERM_MODULE_VERSION
  if [ -f "$dest/.complete" ]; then
    log "azurerm $AZURERM_PROVIDER_VERSION cached at $dest/plugins"
    PLUGIN_DIR=$dest/plugins
    return
  fi
  log "building azurerm $AZURERM_PROVIDER_VERSION ($AZURERM_MODULE_VERSION) from the Go module proxy (about 15 min cold on 2 cores, 3.3 GB RAM)"
  local start=$SECONDS tmp host
  mkdir -p "$CACHE/azurerm"
  tmp=$(mktemp -d "$CACHE/azurerm/.tmp-$AZURERM_MODULE_VERSION.XXXXXX")
  (cd / && GOBIN="$tmp/bin" go install -trimpath -ldflags="-s -w" \
    "$AZURERM_MODULE@$AZURERM_MODULE_VERSION") || { rm -rf "$tmp"; die "azurerm build failed"; }
  for host in registry.opentofu.org registry.terraform.io; do
    mkdir -p "$(dirname "$tmp/plugins/$(plugin_rel $host)")"
    # a hard link keeps one 225 MB copy for both registry hosts; copy where links fail
    ln "$tmp/bin/terraform-provider-azurerm" "$tmp/plugins/$(plugin_rel $host)" 2>/dev/null ||
      cp "$tmp/bin/terraform-provider-azurerm" "$tmp/plugins/$(plugin_rel $host)"
  done
  rm -rf "$tmp/bin"
  echo "$AZURERM_MODULE@$AZURERM_MODULE_VERSION as $AZURERM_PROVIDER_VERSION" >"$tmp/.complete"
  if ! mv -T "$tmp" "$dest" 2>/dev/null; then
    rm -rf "$tmp" # someone else finished first
  fi
  log "azurerm built and laid out in $((SECONDS - start)) s"
  PLUGIN_DIR=$dest/plugins
}

choose_plugin_dir() {
  if [ -n "${BWV_TF_PLUGIN_DIR:-}" ]; then
    local host found=false
    for host in registry.opentofu.org registry.terraform.io; do
      [ -d "$BWV_TF_PLUGIN_DIR/$host/hashicorp/azurerm" ] && found=true
    done
    $found || die "BWV_TF_PLUGIN_DIR=$BWV_TF_PLUGIN_DIR holds no hashicorp/azurerm provider"
    PLUGIN_DIR=$BWV_TF_PLUGIN_DIR
    log "using provider plugin directory $PLUGIN_DIR"
    return
  fi
  build_azurerm
}

choose_binary
choose_plugin_dir

env_file=$CACHE/toolchain.env
tmp_env=$(mktemp "$CACHE/.toolchain.env.XXXXXX")
{
  printf 'BWV_TF_BIN=%q\n' "$TF_BIN"
  printf 'BWV_TF_FLAVOUR=%q\n' "$TF_FLAVOUR"
  printf 'BWV_TF_VERSION=%q\n' "$TF_VERSION"
  printf 'BWV_TF_PLUGIN_DIR=%q\n' "$PLUGIN_DIR"
} >"$tmp_env"
mv -f "$tmp_env" "$env_file"
cat "$env_file"
