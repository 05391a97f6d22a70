#!/usr/bin/env bash
# Builds the fairmatch Node addon from source and runs the Node suites:
#   bindings-node (node --test: golden fixtures, errors, event loop, workers, round-trips;
#   tsc --strict over the tests against index.d.ts) and
#   examples/nextjs (node --test over the route handlers, tsc --strict, next build, and the
#   page and routes fetched from next start on 127.0.0.1).
# Needs node (>= 20) with npm and cargo; installs from the committed package-lock.json files
# with `npm ci` (the npm registry only). Fails on the first error. Usage: bindings-node/ci.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
EXAMPLE="$ROOT/examples/nextjs"
export NEXT_TELEMETRY_DISABLED=1
start=$(date +%s)

step() { printf '\n=== %s (+%ss)\n' "$1" "$(( $(date +%s) - start ))"; }

step "npm ci (bindings-node)"
(cd "$HERE" && npm ci --no-audit --no-fund)

step "build the addon (cargo build -p fairmatch-node, dev profile: the core at opt-level 3) + node --test + tsc"
(cd "$HERE" && npm test)

step "npm ci (examples/nextjs)"
(cd "$EXAMPLE" && npm ci --no-audit --no-fund)

step "examples/nextjs: route handler tests, tsc --strict"
(cd "$EXAMPLE" && npm test && npm run typecheck)

step "examples/nextjs: next build, next start on 127.0.0.1, fetch and check the page"
(cd "$EXAMPLE" && node scripts/build-and-fetch.mjs)

step "ok"
