#!/usr/bin/env bash
# The reliability suite at full size: `npm run test:chaos` (or `npm run test:chaos -- --ci` for the short
# versions that `npm test` also runs). Redis and Postgres restarts use instances of their own on free
# ports; the machine's shared Redis (6379) and Postgres (5432) are never restarted.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/ensure-deps.sh
DATABASE_URL="${TEST_DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}" bash scripts/ensure-services.sh
command -v redis-server >/dev/null || { echo "[chaos] redis-server is required (apt-get install redis-server)" >&2; exit 1; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "[chaos] PostgreSQL server binaries are required (apt-get install postgresql)" >&2; exit 1; }

pattern='*.chaos.ts'
if [ "${1:-}" = "--ci" ]; then pattern='*.test.ts'; shift; fi
if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test/chaos -maxdepth 1 -name "$pattern" | sort); fi
# One scenario at a time: each one starts several processes and measures recovery.
exec node --import tsx --test --test-concurrency=1 --test-timeout=1800000 --test-reporter=spec "${files[@]}"
