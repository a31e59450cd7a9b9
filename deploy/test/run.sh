#!/usr/bin/env bash
# `npm run test:deploy`: the deployment run with podman (never part of `npm test` or .ci/run).
# Builds the stand-in base images (cached, deploy/test/build-standins.sh), then runs
# test/deploy/podman.deploy.ts: podman build of deploy/Dockerfile, podman-compose up of
# deploy/docker-compose.yml (LanceDB backend, Caddy on 127.0.0.1:${DEPLOY_HTTP_PORT:-3126}),
# health, a job through Caddy, /metrics closed, read-only non-root containers, a worker restart
# mid-job, down. Needs root and: apt-get install -y podman runc podman-compose debootstrap
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/ensure-deps.sh
say() { printf '[deploy] %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "needs root (podman with the host's storage, debootstrap)"; exit 1; }
for tool in podman podman-compose runc debootstrap; do
  command -v "$tool" >/dev/null || { say "$tool missing: apt-get install -y podman runc podman-compose debootstrap"; exit 1; }
done
# podman-compose 1.0.3 lets deploy/.env override the environment: a real one would leak into this run.
[ ! -e deploy/.env ] || { say "deploy/.env exists (a real deployment's settings); move it aside for this run"; exit 1; }
export CONTAINERS_CONF="$PWD/deploy/test/containers.conf"
start=$SECONDS
bash deploy/test/build-standins.sh
say "stand-in images ready after $((SECONDS - start)) s"
node --import tsx --test --test-concurrency=1 --test-timeout=1800000 --test-reporter=spec test/deploy/podman.deploy.ts
say "test:deploy took $((SECONDS - start)) s"
