#!/usr/bin/env bash
# The README's run command (`make run`): starts the "demo" Neo4j (assembling it from Maven
# Central on the first run), builds crosslink, applies the migrations and serves the GraphQL API
# on http://localhost:8080/graphql until Ctrl-C, then stops Neo4j again
# (CROSSLINK_KEEP_NEO4J=1 leaves it running).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export CROSSLINK_CACHE=${CROSSLINK_CACHE:-$repo/.cache}
command -v go >/dev/null || { echo "run.sh: Go 1.25+ is required (https://go.dev/dl)" >&2; exit 1; }

scripts/neo4j.sh start demo
pid=
cleanup() {
  [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" || true
  [[ ${CROSSLINK_KEEP_NEO4J:-} == 1 ]] || scripts/neo4j.sh stop demo || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
eval "$(scripts/neo4j.sh env demo)"

mkdir -p bin
go build -trimpath -ldflags "-X main.version=$(git describe --always --dirty 2>/dev/null || echo dev)" -o bin/crosslink ./cmd/crosslink
export CROSSLINK_ADDR=${CROSSLINK_ADDR:-127.0.0.1:8080}
echo "run.sh: GraphQL API on http://${CROSSLINK_ADDR/127.0.0.1/localhost}/graphql (Ctrl-C stops)" >&2
bin/crosslink serve "$@" &
pid=$!
wait "$pid"
