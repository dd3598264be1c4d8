#!/usr/bin/env bash
# Loads the demo world into the Neo4j that NEO4J_URI/NEO4J_PASSWORD point at (run.sh and e2e.sh
# use it): generates it once per scale, seed and generator version (deterministic, cached under
# $CROSSLINK_CACHE/demo), applies the migrations, loads the five files once per Neo4j instance
# (loads are idempotent, so the marker beside the instance's data only saves time; `scripts/neo4j.sh
# reset INSTANCE` erases both), then runs resolution and detection over the whole graph (quick
# no-ops when nothing changed). Needs bin/crosslink.
#
#   scripts/demo-load.sh INSTANCE      CROSSLINK_DEMO_SCALE (default 1), CROSSLINK_DEMO_SEED (default 1)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export CROSSLINK_CACHE=${CROSSLINK_CACHE:-$repo/.cache}
instance=${1:?usage: scripts/demo-load.sh INSTANCE}
scale=${CROSSLINK_DEMO_SCALE:-1}
seed=${CROSSLINK_DEMO_SEED:-1}
# The generator's own version is part of the key, so a changed generator makes a new world.
gen=$(git rev-parse --short HEAD:loaders/demo 2>/dev/null || echo local)
demo_dir=$CROSSLINK_CACHE/demo/scale-$scale-seed-$seed-$gen
if [[ ! -f $demo_dir/ground_truth.json ]]; then
  bin/crosslink demo generate --scale "$scale" --seed "$seed" --out "$demo_dir" >&2
fi
bin/crosslink migrate up >&2
marker=$CROSSLINK_CACHE/neo4j/instances/$instance/demo-loaded-scale-$scale-seed-$seed-$gen
if [[ ! -f $marker ]]; then
  echo "demo-load.sh: loading the demo world (scale $scale, seed $seed) into $instance" >&2
  mkdir -p "$demo_dir/rejects"
  # Detection runs once over the whole graph below rather than after each file.
  load() { bin/crosslink load "$@" -detect=false -rejects-dir "$demo_dir/rejects" >&2; }
  load transactions -partner demo-bank "$demo_dir/transactions.csv"
  load platform -partner demo-platforms "$demo_dir/platform_accounts.csv" "$demo_dir/platform_events.csv"
  load cybertip -partner ncmec "$demo_dir/cybertip.xml"
  load ftm -partner registry "$demo_dir/ftm.ijson"
  touch "$marker"
fi
# Each load resolved what it added; this catches a graph loaded before resolution existed.
bin/crosslink resolve >&2
# Detection over the whole graph: signals, risk scores and alerts (a re-run over unchanged data
# writes nothing).
bin/crosslink detect >&2
