#!/usr/bin/env bash
# Builds the web UI into ui/static/app (embedded by the next `go build` of crosslink): installs
# Node.js and npm from Debian's packages when missing (as root), `npm ci` from the committed
# package-lock.json (skipped while ui/node_modules matches it), then codegen from schema/,
# type-check and Vite build. Works offline once ui/node_modules is there.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/scripts/lib.sh"
cd "$repo/ui"
need_pkg npm nodejs npm
# npm ci only when the lock file changed since the last install.
stamp=node_modules/.crosslink-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi
npm run --silent build >&2
