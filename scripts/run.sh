#!/usr/bin/env bash
# The README's run command (`make run`): starts the "demo" Neo4j (assembling it from Maven
# Central on the first run), builds crosslink, applies the migrations, generates and loads the
# demo world (CROSSLINK_DEMO_SCALE, default 1; 0 skips it; CROSSLINK_DEMO_SEED, default 1) and
# serves the web UI on http://localhost:8080/ and the GraphQL API on /graphql until Ctrl-C, then stops Neo4j again
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

# The web UI first: the binary embeds ui/static/app.
scripts/ui-build.sh
mkdir -p bin
go build -trimpath -ldflags "-X main.version=$(git describe --always --dirty 2>/dev/null || echo dev)" -o bin/crosslink ./cmd/crosslink
bin/crosslink migrate up >&2
# The demo world (CROSSLINK_DEMO_SCALE, default 1; 0 skips it): generated once, loaded once per
# instance, then resolution and detection (scripts/demo-load.sh).
if [[ ${CROSSLINK_DEMO_SCALE:-1} != 0 ]]; then
  scripts/demo-load.sh demo
fi

# API keys for the demo: made once per instance (the tokens cannot be read back from Neo4j, so
# they are kept beside its data, git-ignored; `scripts/neo4j.sh reset demo` erases both).
keys=$CROSSLINK_CACHE/neo4j/instances/demo/demo-keys.env
if [[ ! -f $keys ]]; then
  bin/crosslink migrate up >&2
  {
    echo "CROSSLINK_ADMIN_KEY=$(bin/crosslink keys create --role admin --name demo-admin)"
    echo "CROSSLINK_ANALYST_KEY=$(bin/crosslink keys create --role analyst --name demo-analyst)"
    echo "CROSSLINK_PARTNER_KEY=$(bin/crosslink keys create --role partner --partner demo-bank --name demo-bank)"
  } > "$keys.tmp" 2>/dev/null
  chmod 600 "$keys.tmp"
  mv "$keys.tmp" "$keys"
fi
echo "run.sh: demo API keys (send as 'Authorization: Bearer <key>'), kept in $keys:" >&2
sed 's/^/  /' "$keys" >&2

export CROSSLINK_ADDR=${CROSSLINK_ADDR:-127.0.0.1:8080}
export CROSSLINK_GRAPHQL_EXPLORER=${CROSSLINK_GRAPHQL_EXPLORER:-true}
echo "run.sh: web UI on http://${CROSSLINK_ADDR/127.0.0.1/localhost}/ (sign in with a key above), GraphQL API on http://${CROSSLINK_ADDR/127.0.0.1/localhost}/graphql (Ctrl-C stops)" >&2
bin/crosslink serve "$@" &
pid=$!
wait "$pid"
