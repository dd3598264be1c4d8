#!/usr/bin/env bash
# The README's test command (`make test`), also what CI runs (.ci/run): checks formatting and
# vet, runs the UI's unit tests (Vitest) and builds it, starts the "test" Neo4j instance (own
# port 7688 and data folder, never the demo's), runs the unit and integration tests against it,
# stops it again, then runs the UI's end-to-end tests in Chromium (scripts/e2e.sh).
#
# Integration tests are required here: CROSSLINK_REQUIRE_NEO4J=1 turns a missing Neo4j into a
# failure, never a skip. Set CROSSLINK_KEEP_NEO4J=1 to leave the test instance running after.
# Extra arguments go to `go test` (e.g. scripts/test.sh -run TestSystem ./server/) and skip the
# end-to-end tests.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export CROSSLINK_CACHE=${CROSSLINK_CACHE:-$repo/.cache}

. scripts/lib.sh
step() { printf '\n== %s\n' "$*" >&2; }

command -v go >/dev/null || { echo "test.sh: Go 1.25+ is required (https://go.dev/dl)" >&2; exit 1; }

step "go: modules, format, vet"
go mod download
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*'))
if [[ -n $unformatted ]]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go vet ./...

step "node: graphql-js for the introspection test"
# The API's introspection is checked with the reference client library (graphql-js), pinned
# by scripts/introspect/package-lock.json and installed from the npm registry.
need_pkg npm nodejs npm
npm ci --prefix scripts/introspect --no-audit --no-fund --loglevel=error >&2

step "ui: unit tests (Vitest) and build"
scripts/ui-build.sh
(cd ui && npx vitest run)

step "neo4j: test instance"
export NEO4J_PASSWORD=${CROSSLINK_TEST_NEO4J_PASSWORD:-crosslink-test}
export NEO4J_BOLT_PORT=${CROSSLINK_TEST_NEO4J_PORT:-7688}
export NEO4J_HEAP=${CROSSLINK_TEST_NEO4J_HEAP:-2g} NEO4J_PAGECACHE=${CROSSLINK_TEST_NEO4J_PAGECACHE:-512m}
if [[ ${CROSSLINK_KEEP_NEO4J:-} != 1 ]]; then
  trap 'scripts/neo4j.sh stop test || true' EXIT
fi
scripts/neo4j.sh start test

export CROSSLINK_TEST_NEO4J_URI=bolt://127.0.0.1:$NEO4J_BOLT_PORT
export CROSSLINK_TEST_NEO4J_USER=neo4j
export CROSSLINK_TEST_NEO4J_PASSWORD=$NEO4J_PASSWORD
# Lets the readiness tests stop and start this instance.
export CROSSLINK_TEST_NEO4J_CTL="$repo/scripts/neo4j.sh"
export CROSSLINK_TEST_NEO4J_INSTANCE=test
export CROSSLINK_REQUIRE_NEO4J=1
unset NEO4J_URI NEO4J_USER

step "go test (unit + integration against the real Neo4j)"
# -p 1: the integration tests of all packages share the one test database.
if [[ $# -gt 0 ]]; then
  go test -p 1 -count=1 "$@"
else
  go test -p 1 -count=1 ./...
fi

if [[ $# -eq 0 ]]; then
  # The UI's end-to-end tests run in their own Neo4j instance (the demo world must not leak
  # into the integration tests' database); the test instance is stopped first to free memory.
  [[ ${CROSSLINK_KEEP_NEO4J:-} == 1 ]] || scripts/neo4j.sh stop test
  step "ui: end-to-end tests in Chromium"
  scripts/e2e.sh
fi
