#!/usr/bin/env bash
# Runs benchmarks against the real Postgres and Redis: `bash bench/run.sh all|pipeline|search|api|sse|import [--flags]`.
# Each benchmark rewrites its own section of bench/RESULTS.md. All load stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-deps.sh
DATABASE_URL="${TEST_DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}" bash scripts/ensure-services.sh
# SSE fan-out holds 10k+ sockets in each of two processes.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
ulimit -n 65536 2>/dev/null || true

what="${1:-all}"
shift || true
if [ "$what" = all ]; then names=(pipeline search api sse import); else names=("$what"); fi
for name in "${names[@]}"; do
  echo "=== bench:$name ($(date -u +%H:%M:%S)) ==="
  node --max-old-space-size=8192 --import tsx "bench/$name.bench.ts" "$@"
done
