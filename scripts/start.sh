#!/usr/bin/env bash
# `npm start`: the whole service on embedded defaults (LanceDB index on disk, word-vector embedder,
# rule-based LLM, index-backed profiles). Installs dependencies, makes sure Postgres and Redis are up
# (starting or installing local ones where it can), migrates, loads the demo creator index when the
# index is empty, prints a dev API key and the URLs, then runs the API and one worker until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

export NODE_ENV="${NODE_ENV:-development}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/scout}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export DATA_DIR="${DATA_DIR:-data}"
export HOST="${HOST:-127.0.0.1}"
export PORT="${PORT:-8080}"

. scripts/ensure-deps.sh
bash scripts/ensure-services.sh --with-database

mkdir -p "$DATA_DIR"
if [ -z "${ADMIN_KEY:-}" ]; then
  # A development admin key, kept across restarts in the (gitignored) data dir.
  if [ ! -s "$DATA_DIR/dev-admin-key" ]; then
    (umask 077; node -e 'process.stdout.write("adm_"+require("crypto").randomBytes(24).toString("base64url"))' > "$DATA_DIR/dev-admin-key")
  fi
  ADMIN_KEY=$(cat "$DATA_DIR/dev-admin-key"); export ADMIN_KEY
fi

scout() { node --import tsx src/bin/scout.ts "$@"; }
scout migrate
scout demo --key-file "$DATA_DIR/dev-api-key" >/dev/null
API_KEY=$(cat "$DATA_DIR/dev-api-key")

pids=()
stop() {
  trap - INT TERM EXIT
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

node --import tsx src/bin/worker.ts & pids+=($!)
node --import tsx src/bin/api.ts & pids+=($!)

base="http://$HOST:$PORT"
for _ in $(seq 1 120); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  sleep 0.5
done

cat <<MSG

  influencer-scout-api is up (embedded defaults)

  API        $base
  health     $base/health
  API docs   $base/docs
  dashboard  $base/admin        (admin key: $ADMIN_KEY)
  dev key    $API_KEY

  try it:
    curl -s -X POST $base/pipeline/start -H "X-API-Key: $API_KEY" -H 'Content-Type: application/json' \\
      -d '{"brief":"fitness coach promoting protein snacks","top_k":10}'
    npm run scout -- run --api-key $API_KEY "fitness coach promoting protein snacks"

  Ctrl-C stops both processes.

MSG

wait -n "${pids[@]}"
