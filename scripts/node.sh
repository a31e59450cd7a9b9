#!/usr/bin/env bash
# Runs a TypeScript entry point on the project's Node (see scripts/ensure-deps.sh):
# `bash scripts/node.sh src/bin/scout.ts ARGS...` — what `npm run api|worker|scout` use, so they run
# on Node 24 from .tools/node when the system node is too old, like `npm start` and `npm test`.
set -euo pipefail
here=$(pwd)
cd "$(dirname "$0")/.."
. scripts/ensure-deps.sh
cd "$here"
exec node --import tsx "$@"
