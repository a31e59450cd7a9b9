#!/usr/bin/env bash
# The whole test suite against real Postgres and Redis: `npm test` (or `npm test -- FILE...`).
# `npm run test:unit` (`scripts/test.sh --unit`) runs only the unit tier — the files that need no
# Postgres, Redis, browser or other process, as selected by scripts/unit-tests.ts — without the
# service checks, with the service URLs pointed at a closed port so nothing can quietly use them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-deps.sh

# The TypeScript client (clients/typescript) is imported by the CLI and the tests as a package:
# build it from its current source first (a few seconds), so no test runs against a stale dist/ —
# skipped when dist/ is newer than every source and config file (tsc rewrites all of dist/ each build).
client=clients/typescript
if [ ! -f "$client/dist/index.js" ] || [ -n "$(find "$client/src" "$client"/tsconfig*.json "$client/package.json" -newer "$client/dist/index.js" -print -quit)" ]; then
  npm run --silent client:build >&2
fi

if [ "${1:-}" = "--unit" ]; then
  shift
  if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(node --import tsx scripts/unit-tests.ts); fi
  [ ${#files[@]} -gt 0 ] || { echo "[test] scripts/unit-tests.ts selected no files" >&2; exit 1; }
  echo "[test] unit tier: ${#files[@]} files (scripts/unit-tests.ts --why lists the others and why)" >&2
  # Port 9 (discard) is closed here; a test that reaches for a service fails instead of using one.
  export TEST_DATABASE_ADMIN_URL=postgres://postgres@127.0.0.1:9/postgres DATABASE_URL=postgres://postgres@127.0.0.1:9/scout
  export TEST_REDIS_URL=redis://127.0.0.1:9 REDIS_URL=redis://127.0.0.1:9
  # One process for the whole tier: starting a Node + tsx child per file cost more CPU than the
  # tests themselves (29 files: ~7 s CPU in children vs ~2.5 s in one process). A unit file closes
  # what it opens and leaves no global state behind; TEST_ISOLATION=process brings back one child
  # per file (to tell whether a failure comes from another file).
  if [ "${TEST_ISOLATION:-none}" = none ]; then
    isolation=--test-isolation # Node 22 has it as --experimental-test-isolation
    [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 23 ] || isolation=--experimental-test-isolation
    exec node --import tsx --test "$isolation=none" --test-timeout="${TEST_TIMEOUT_MS:-60000}" \
      --test-reporter=spec "${files[@]}"
  fi
else
  DATABASE_URL="${TEST_DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}" bash scripts/ensure-services.sh
  bash scripts/ensure-tool.sh chromium chromium "browser tests" || echo "[test] no Chromium: browser tests will fail" >&2
  bash scripts/ensure-tool.sh caddy caddy "reverse-proxy test" || echo "[test] no Caddy: the reverse-proxy test will fail" >&2
  if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test clients/typescript/test -name '*.test.ts' | sort); fi
fi

exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-180000}" \
  --test-reporter=spec "${files[@]}"
