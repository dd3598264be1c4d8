#!/usr/bin/env bash
# Assembles, starts and stops a real Neo4j 5.26 Community server with the Graph Data Science
# (open edition) and APOC core plugins, built from Maven Central artifacts (no Docker, no other
# download site). See scripts/neo4j/pom.xml for the artifacts and ../shared/NEO4J_LOCAL.md.
#
#   scripts/neo4j.sh install            build NEO4J_HOME (lib/ + plugins/) once; a second run downloads nothing
#   scripts/neo4j.sh start  [instance]  start an instance on 127.0.0.1 and wait until Bolt answers
#   scripts/neo4j.sh stop   [instance]  stop it cleanly (SIGTERM, waits for the process to exit)
#   scripts/neo4j.sh status [instance]  exit 0 when running, 3 when not
#   scripts/neo4j.sh restart|logs|env [instance]
#   scripts/neo4j.sh reset  [instance]  stop it and erase its data
#
# An instance is a data folder with its own conf, port and password: "demo" (the default, port
# 7687) serves `make run`; "test" (port 7688) is what `make test` starts, so tests never touch a
# running demo. Everything lives under $CROSSLINK_CACHE (default .cache/, git-ignored).
#
# Environment (flags of this script): NEO4J_PASSWORD (default crosslink-local; at least 8
# characters), NEO4J_BOLT_PORT (default 7687 for demo, 7688 for test), NEO4J_HEAP (default 4g),
# NEO4J_PAGECACHE (default 2g), NEO4J_START_TIMEOUT seconds (default 180).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${CROSSLINK_CACHE:-$repo/.cache}
home=$cache/neo4j/home
m2=$cache/m2
cmd=${1:-}
instance=${2:-${CROSSLINK_NEO4J_INSTANCE:-demo}}

die() { echo "neo4j.sh: $*" >&2; exit 1; }

[[ $instance =~ ^[a-z0-9][a-z0-9_-]*$ ]] || die "instance name '$instance' must be lower-case letters, digits, - or _"
case $instance in
  test) default_port=7688 ;;
  *) default_port=7687 ;;
esac
port=${NEO4J_BOLT_PORT:-$default_port}
password=${NEO4J_PASSWORD:-crosslink-local}
heap=${NEO4J_HEAP:-4g}
pagecache=${NEO4J_PAGECACHE:-2g}
timeout=${NEO4J_START_TIMEOUT:-180}
dir=$cache/neo4j/instances/$instance

need_java() {
  if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
      echo "neo4j.sh: installing Java 17 and Maven with apt-get" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
    else
      die "Java 17 and Maven are required (apt-get install openjdk-17-jdk-headless maven)"
    fi
  fi
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  [[ ${v%%.*} -ge 17 ]] || die "Java 17 or later is required (found $v)"
}

# The stamp records what the home was built from, so that a changed pom rebuilds it and an
# unchanged one is never rebuilt.
stamp() { cat "$repo"/scripts/neo4j/pom.xml "$repo"/scripts/neo4j/*/pom.xml | sha256sum | cut -c1-16; }

install() {
  need_java
  local want; want=$(stamp)
  if [[ -f $home/.stamp && $(cat "$home/.stamp") == "$want" ]]; then
    return 0
  fi
  echo "neo4j.sh: assembling Neo4j + GDS + APOC from Maven Central into $home (first run: a few minutes)" >&2
  local build=$cache/neo4j/build
  rm -rf "$build" && mkdir -p "$build"
  cp -r "$repo"/scripts/neo4j/. "$build"/
  mvn -q -B -Dmaven.repo.local="$m2" -f "$build/pom.xml" package >"$build/mvn.log" 2>&1 ||
    { tail -40 "$build/mvn.log" >&2; die "maven build failed (full log: $build/mvn.log)"; }
  rm -rf "$home.new" && mkdir -p "$home.new"/{lib,plugins}
  cp "$build"/server/target/lib/*.jar "$home.new/lib/"
  cp "$build"/gds/target/opengds.jar "$build"/apoc/target/apoc-core.jar "$home.new/plugins/"
  echo "$want" >"$home.new/.stamp"
  rm -rf "$home" && mv "$home.new" "$home"
  rm -rf "$build"
}

boot() { # runs the distribution's own launcher for this instance
  NEO4J_HOME=$home NEO4J_CONF=$dir/conf java -cp "$home/lib/*" "$@"
}

write_conf() {
  mkdir -p "$dir"/{conf,data,logs,run,import}
  cat >"$dir/conf/neo4j.conf" <<EOF
# Written by scripts/neo4j.sh for instance "$instance"; edits are overwritten at every start.
server.default_listen_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$port
server.bolt.advertised_address=127.0.0.1:$port
server.http.enabled=false
server.https.enabled=false
server.directories.data=$dir/data
server.directories.logs=$dir/logs
server.directories.run=$dir/run
server.directories.import=$dir/import
dbms.security.auth_enabled=true
# Sized for a 2-core, 24 GiB machine; GDS projections live on the heap.
server.memory.heap.initial_size=$heap
server.memory.heap.max_size=$heap
server.memory.pagecache.size=$pagecache
dbms.security.procedures.unrestricted=gds.*,apoc.*
db.tx_log.rotation.retention_policy=2 days
server.jvm.additional=--add-opens=java.base/java.nio=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/java.io=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/sun.nio.ch=ALL-UNNAMED
server.jvm.additional=-Dio.netty.tryReflectionSetAccessible=true
server.jvm.additional=-XX:+UseG1GC
server.jvm.additional=-XX:-OmitStackTraceInFastThrow
server.jvm.additional=-XX:+UnlockExperimentalVMOptions
server.jvm.additional=-XX:+TrustFinalNonStaticFields
server.jvm.additional=-XX:+DisableExplicitGC
server.jvm.additional=-Djdk.nio.maxCachedBufferSize=1024
server.jvm.additional=-Dlog4j2.disable.jmx=true
EOF
}

running() { [[ -d $dir/conf ]] && boot org.neo4j.server.startup.Neo4jBoot status >/dev/null 2>&1; }

bolt_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

start() {
  install
  if running; then
    echo "neo4j.sh: instance $instance already running on bolt://127.0.0.1:$port" >&2
    return 0
  fi
  if bolt_open; then
    die "port $port is taken by another process; set NEO4J_BOLT_PORT"
  fi
  (( ${#password} >= 8 )) || die "NEO4J_PASSWORD must have at least 8 characters"
  write_conf
  local pwsum; pwsum=$(printf '%s' "$password" | sha256sum | cut -c1-64)
  if [[ ! -f $dir/data/dbms/auth.ini && ! -d $dir/data/databases/system ]]; then
    boot org.neo4j.server.startup.Neo4jAdminBoot dbms set-initial-password "$password" >/dev/null ||
      die "could not set the initial password"
    echo "$pwsum" >"$dir/password.sha256"
  elif [[ -f $dir/password.sha256 && $(cat "$dir/password.sha256") != "$pwsum" ]]; then
    die "instance $instance was created with another NEO4J_PASSWORD; use that one, or erase the instance's data with: scripts/neo4j.sh reset $instance"
  fi
  ulimit -n 40000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  local log=$dir/logs/neo4j.log
  local from=0
  [[ -f $log ]] && from=$(wc -l <"$log")
  boot org.neo4j.server.startup.Neo4jBoot start >"$dir/logs/start.out" 2>&1 ||
    { cat "$dir/logs/start.out" >&2; die "Neo4j did not start (see $dir/logs)"; }
  local waited=0
  until tail -n +"$((from + 1))" "$log" 2>/dev/null | grep -q 'INFO  Started\.' && bolt_open; do
    if ! running; then
      tail -n +"$((from + 1))" "$log" | grep -E 'ERROR|Exception|Caused by' | head -15 >&2 || true
      die "Neo4j instance $instance exited during start (see $log)"
    fi
    (( waited++ < timeout )) || die "Neo4j instance $instance did not answer on port $port within ${timeout}s (see $log)"
    sleep 1
  done
  echo "neo4j.sh: instance $instance ready on bolt://127.0.0.1:$port (user neo4j)" >&2
}

stop() {
  if ! running; then
    echo "neo4j.sh: instance $instance is not running" >&2
    return 0
  fi
  boot org.neo4j.server.startup.Neo4jBoot stop >/dev/null
  echo "neo4j.sh: instance $instance stopped" >&2
}

case $cmd in
  install) install ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status)
    if running; then echo "instance $instance running on bolt://127.0.0.1:$port"; else echo "instance $instance not running"; exit 3; fi ;;
  reset) # erase the instance's data (asks nothing: the data is a local cache)
    stop; rm -rf "$dir"; echo "neo4j.sh: instance $instance erased" >&2 ;;
  logs) tail -n 100 "$dir/logs/neo4j.log" ;;
  env) # for eval: the variables Crosslink reads to reach this instance
    echo "export NEO4J_URI=bolt://127.0.0.1:$port NEO4J_USER=neo4j NEO4J_PASSWORD=$password" ;;
  *) die "usage: scripts/neo4j.sh install|start|stop|restart|status|reset|logs|env [instance]" ;;
esac
