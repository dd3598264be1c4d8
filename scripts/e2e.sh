#!/usr/bin/env bash
# The UI's end-to-end tests (part of `make test`): real Chromium (Debian's package, installed
# here when missing) drives the UI of a real `crosslink serve` over the demo world in its own
# Neo4j instance "e2e" (port 7691, data kept under .cache/ so a second run loads nothing).
# Screenshots of each step land in ui/test-results/.
#
# Environment: CROSSLINK_E2E_PORT (the server's port, default 18080), CROSSLINK_E2E_SCALE (demo
# scale, default 1), CROSSLINK_KEEP_NEO4J=1 leaves the e2e Neo4j running.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export CROSSLINK_CACHE=${CROSSLINK_CACHE:-$repo/.cache}
. scripts/lib.sh
step() { printf '\n== %s\n' "$*" >&2; }

step "e2e: Chromium"
need_pkg "${CROSSLINK_CHROMIUM:-/usr/bin/chromium}" chromium fonts-dejavu-core

step "e2e: UI and crosslink"
scripts/ui-build.sh
mkdir -p bin
go build -trimpath -o bin/crosslink ./cmd/crosslink

step "e2e: Neo4j instance e2e with the demo world"
export NEO4J_PASSWORD=crosslink-e2e NEO4J_BOLT_PORT=${CROSSLINK_E2E_NEO4J_PORT:-7691}
export NEO4J_HEAP=${CROSSLINK_E2E_NEO4J_HEAP:-2g} NEO4J_PAGECACHE=${CROSSLINK_E2E_NEO4J_PAGECACHE:-1g}
pid=
cleanup() {
  [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [[ ${CROSSLINK_KEEP_NEO4J:-} == 1 ]] || scripts/neo4j.sh stop e2e || true
}
trap cleanup EXIT
scripts/neo4j.sh start e2e
export NEO4J_URI=bolt://127.0.0.1:$NEO4J_BOLT_PORT NEO4J_USER=neo4j
CROSSLINK_DEMO_SCALE=${CROSSLINK_E2E_SCALE:-1} CROSSLINK_DEMO_SEED=1 scripts/demo-load.sh e2e
# Fresh analyst and partner keys per run (keys are stored hashed; the token is only printed once).
key=$(bin/crosslink keys create --role analyst --name "e2e-$(date +%s)" --expires-days 1 2>/dev/null)
partner_key=$(bin/crosslink keys create --role partner --partner demo-bank --name "e2e-bank-$(date +%s)" --expires-days 1 2>/dev/null)

step "e2e: crosslink serve and the tests in Chromium"
port=${CROSSLINK_E2E_PORT:-18080}
CROSSLINK_ADDR=127.0.0.1:$port bin/crosslink serve > "$CROSSLINK_CACHE/e2e-serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$CROSSLINK_CACHE/e2e-serve.log" >&2; exit 1; }
  sleep 1
done
rm -rf ui/test-results
CROSSLINK_UI_URL=http://127.0.0.1:$port CROSSLINK_UI_ANALYST_KEY=$key CROSSLINK_UI_PARTNER_KEY=$partner_key node --test --test-reporter=spec ui/e2e/
