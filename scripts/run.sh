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
# The demo world: generated once per scale and seed (deterministic), loaded once per Neo4j
# instance. Loads are idempotent, so the marker only saves time; `scripts/neo4j.sh reset demo`
# erases the data and the marker together.
scale=${CROSSLINK_DEMO_SCALE:-1}
seed=${CROSSLINK_DEMO_SEED:-1}
if [[ $scale != 0 ]]; then
  # The generator's own version is part of the key, so a changed generator makes a new world.
  gen=$(git rev-parse --short HEAD:loaders/demo 2>/dev/null || echo local)
  demo_dir=$CROSSLINK_CACHE/demo/scale-$scale-seed-$seed-$gen
  if [[ ! -f $demo_dir/ground_truth.json ]]; then
    bin/crosslink demo generate --scale "$scale" --seed "$seed" --out "$demo_dir" >&2
  fi
  marker=$CROSSLINK_CACHE/neo4j/instances/demo/demo-loaded-scale-$scale-seed-$seed-$gen
  if [[ ! -f $marker ]]; then
    bin/crosslink migrate up >&2
    echo "run.sh: loading the demo world (scale $scale, seed $seed)" >&2
    mkdir -p "$demo_dir/rejects"
    # Detection runs once over the whole graph below rather than after each file.
    load() { bin/crosslink load "$@" -detect=false -rejects-dir "$demo_dir/rejects" >&2; }
    load transactions -partner demo-bank "$demo_dir/transactions.csv"
    load platform -partner demo-platforms "$demo_dir/platform_accounts.csv" "$demo_dir/platform_events.csv"
    load cybertip -partner ncmec "$demo_dir/cybertip.xml"
    load ftm -partner registry "$demo_dir/ftm.ijson"
    touch "$marker"
  fi
  # Each load resolved what it added; this catches a graph loaded before resolution existed
  # (and is a quick no-op otherwise).
  bin/crosslink migrate up >&2
  bin/crosslink resolve >&2
  # Detection over the whole graph: signals, risk scores and alerts (a re-run over unchanged
  # data writes nothing).
  bin/crosslink detect >&2
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
