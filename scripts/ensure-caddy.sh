#!/usr/bin/env bash
# The deploy test runs the real Caddy (Debian package) on loopback in front of the API to check
# deploy/Caddyfile; installs it when missing and running as root, otherwise says what to do.
set -euo pipefail
command -v caddy >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[caddy] installing caddy with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq caddy >/dev/null
  # The Debian package would start a system service on :80 where systemd exists; tests start their own.
  exit 0
fi
echo "[caddy] Caddy is missing: install it (Debian/Ubuntu: sudo apt-get install caddy)" >&2
exit 1
