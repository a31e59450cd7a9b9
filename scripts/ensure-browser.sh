#!/usr/bin/env bash
# The dashboard's browser tests drive Debian's Chromium through playwright-core (never a downloaded browser).
set -euo pipefail
command -v chromium >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[browser] installing chromium with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "[browser] Chromium is missing: install it (Debian/Ubuntu: sudo apt-get install chromium)" >&2
exit 1
