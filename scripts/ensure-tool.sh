#!/usr/bin/env bash
# ensure-tool.sh COMMAND PACKAGE WHY — makes sure a Debian-packaged tool the tests need is on PATH:
# installs PACKAGE with apt-get when running as root, otherwise says exactly what to do.
# Used for Chromium (the dashboard's browser tests, driven by playwright-core; never a downloaded
# browser) and Caddy (the reverse-proxy test runs the real one in front of the API).
set -euo pipefail
cmd=$1 pkg=$2 why=$3
command -v "$cmd" >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[$cmd] installing $pkg with apt-get ($why)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "$pkg" >/dev/null
  exit 0
fi
echo "[$cmd] $cmd is missing ($why): install it (Debian/Ubuntu: sudo apt-get install $pkg)" >&2
exit 1
