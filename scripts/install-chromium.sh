#!/usr/bin/env bash
# Installs Debian's chromium for the headless-browser test of `bwv report`
# (cmd/bwv/report_browser_test.go drives it through the DevTools protocol).
# Idempotent: does nothing when /usr/bin/chromium exists. Needs root (or
# sudo) and apt-get; reaches only Debian's package archive. Where apt-get is
# missing it says so and exits 1 rather than leaving the test to skip.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
	echo "install-chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) already installed; nothing to do"
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-chromium: /usr/bin/chromium is missing and apt-get is not available; install Debian's chromium package" >&2
	exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "install-chromium: need root (or sudo) to apt-get install chromium" >&2; exit 1; }
	sudo="sudo"
fi
echo "install-chromium: apt-get install chromium"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
