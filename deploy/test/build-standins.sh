#!/usr/bin/env bash
# Builds local stand-ins for the upstream images deploy/docker-compose.yml and deploy/Dockerfile use,
# under the upstream names, because these machines cannot pull from any image registry:
#
#   docker.io/library/node:24-bookworm-slim   the pinned Node 24 of scripts/ensure-deps.sh (.tools/node) + npm
#   docker.io/library/postgres:15-bookworm    Debian's postgresql-15, with an entrypoint that does what
#                                             the upstream one does for this deployment (POSTGRES_* env,
#                                             /docker-entrypoint-initdb.d on an empty volume)
#   docker.io/library/redis:7.0-bookworm      Debian's redis-server (7.0)
#   docker.io/library/caddy:2.8-alpine        Debian's caddy (2.6), same paths and command as upstream
#
# All from one `debootstrap --variant=minbase bookworm` root, cached (with the service packages
# installed into a copy) under deploy/test/.cache/ (git-ignored), so a rerun only imports tarballs
# and most often finds the images already built. --rebuild rebuilds the images from the cache;
# delete .cache/ to debootstrap again. Needs root, podman, debootstrap (deploy/test/run.sh checks).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="$here/.cache"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
rebuild=false
[ "${1:-}" = "--rebuild" ] && rebuild=true
say() { printf '[standins] %s\n' "$*" >&2; }
mkdir -p "$cache"

# 1. The minbase root, once.
if [ ! -f "$cache/minbase.tar" ]; then
  # debootstrap removes its /debootstrap directory when it finished: reuse a complete root.
  if [ ! -f "$cache/rootfs/etc/debian_version" ] || [ -d "$cache/rootfs/debootstrap" ]; then
    rm -rf "$cache/rootfs"
    say "debootstrap --variant=minbase bookworm (once; cached in $cache)"
    debootstrap --variant=minbase bookworm "$cache/rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
      || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  fi
  rm -rf "$cache/rootfs"/var/cache/apt/archives/*.deb "$cache/rootfs"/var/lib/apt/lists/*
  # The upstream node image's unprivileged user (uid/gid 1000), which the Dockerfile's USER names.
  grep -q '^node:' "$cache/rootfs/etc/passwd" || {
    echo 'node:x:1000:1000::/home/node:/bin/sh' >>"$cache/rootfs/etc/passwd"
    echo 'node:x:1000:' >>"$cache/rootfs/etc/group"
    echo 'node:*:19000:0:99999:7:::' >>"$cache/rootfs/etc/shadow"
    install -d -o 1000 -g 1000 "$cache/rootfs/home/node"
  }
  tar -C "$cache/rootfs" -cf "$cache/minbase.tar.tmp" . && mv "$cache/minbase.tar.tmp" "$cache/minbase.tar"
fi

# 2. The same root with the service packages, once.
if [ ! -f "$cache/services.tar" ]; then
  say "installing postgresql-15, redis-server, caddy into a copy of the root (once)"
  rm -rf "$cache/services-root" && mkdir -p "$cache/services-root"
  tar -C "$cache/services-root" -xf "$cache/minbase.tar"
  r="$cache/services-root"
  # No service may start inside the chroot; no default cluster (the entrypoint makes its own).
  printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d" && chmod +x "$r/usr/sbin/policy-rc.d"
  mkdir -p "$r/etc/postgresql-common" && echo 'create_main_cluster = false' >"$r/etc/postgresql-common/createcluster.conf"
  cp /etc/resolv.conf "$r/etc/resolv.conf"
  mount -t proc proc "$r/proc"
  trap 'umount "$cache/services-root/proc" 2>/dev/null || true' EXIT
  chroot "$r" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 redis-server redis-tools caddy >/dev/null' \
    || { say "package install failed"; exit 1; }
  umount "$r/proc"; trap - EXIT
  rm -f "$r/usr/sbin/policy-rc.d"
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*
  tar -C "$r" -cf "$cache/services.tar.tmp" . && mv "$cache/services.tar.tmp" "$cache/services.tar"
  rm -rf "$r"
fi

# 3. Base images from the tarballs.
for base in minbase services; do
  if $rebuild || ! podman image exists "localhost/scout-standin/$base:bookworm"; then
    say "importing $base.tar as localhost/scout-standin/$base:bookworm"
    podman import -q "$cache/$base.tar" "localhost/scout-standin/$base:bookworm" >/dev/null
  fi
done

# 4. The stand-ins under the upstream names.
build() {
  local name=$1 dir=$2
  if $rebuild || ! podman image exists "$name"; then
    say "building $name"
    podman build -q --pull=never -t "$name" "$dir" >/dev/null
  fi
}

# Node: the pinned build the scripts install, plus the npm that is on this machine's PATH.
. "$root/scripts/ensure-deps.sh" >/dev/null 2>&1 || true
node_bin="$root/.tools/node/bin/node"
[ -x "$node_bin" ] || SCOUT_NODE=24 bash "$root/scripts/ensure-deps.sh"
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
ctx="$cache/node-context"
if $rebuild || ! podman image exists "docker.io/library/node:${node_major}-bookworm-slim"; then
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$node_bin" "$ctx/node"
  cp -r "$npm_dir" "$ctx/npm"
  # This machine reaches the npm registry through a TLS-inspecting proxy: the build's npm ci needs
  # the host's CA bundle (a property of this network, so it lives in the stand-in, not the Dockerfile).
  cp "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" "$ctx/ca-certificates.crt"
  cp "$here/standins/node/Containerfile" "$ctx/Containerfile"
fi
build "docker.io/library/node:${node_major}-bookworm-slim" "$ctx"
build docker.io/library/postgres:15-bookworm "$here/standins/postgres"
build docker.io/library/redis:7.0-bookworm "$here/standins/redis"
build docker.io/library/caddy:2.8-alpine "$here/standins/caddy"
say "ready: $(podman images --format '{{.Repository}}:{{.Tag}}' | grep -E '^docker.io/library/(node|postgres|redis|caddy):' | tr '\n' ' ')"
