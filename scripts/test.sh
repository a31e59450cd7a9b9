#!/usr/bin/env bash
# The whole test suite against real Postgres and Redis: `npm test` (or `npm test -- FILE...`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
DATABASE_URL="${TEST_DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}" bash scripts/ensure-services.sh
bash scripts/ensure-tool.sh chromium chromium "browser tests" || echo "[test] no Chromium: browser tests will fail" >&2
bash scripts/ensure-tool.sh caddy caddy "reverse-proxy test" || echo "[test] no Caddy: the reverse-proxy test will fail" >&2

if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-180000}" \
  --test-reporter=spec "${files[@]}"
