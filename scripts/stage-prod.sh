#!/usr/bin/env bash
# Production dependencies and the native addon, built for the pinned Node (.node-version) instead
# of the host's, for the image and the .deb. Prints OUT, which then holds
#   package.json package-lock.json node_modules/ native/build/Release/tsvrrpd_native.node
# Needs the network (npm registry) and build tools; the image build itself then runs offline.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ver=$(cat "$repo/.node-version")
node=$(bash "$repo/scripts/node-runtime.sh" x64)
out="${TSVRRPD_CACHE:-$repo/.cache}/prod-$ver-x64"
stamp="$out/.stamp"
want=$(cat "$repo/package-lock.json" "$repo"/native/*.c "$repo"/native/*.h "$repo/native/binding.gyp" 2>/dev/null | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then echo "$out"; exit 0; fi
rm -rf "$out"
mkdir -p "$out/native"
cp "$repo/package.json" "$repo/package-lock.json" "$out/"
cp "$repo"/native/*.c "$repo"/native/*.h "$repo/native/binding.gyp" "$out/native/"
export PATH="$node/bin:$PATH" npm_config_nodedir="$node"
gyp=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
echo "stage-prod: production modules for Node $ver" >&2
(
  cd "$out"
  npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  node "$gyp" rebuild --directory native --nodedir="$node" --loglevel=error >&2
)
# Keep the loadable addons, drop the build trees (object files, Makefiles, sources of the helper).
find "$out/node_modules" -type d -name obj.target -prune -exec rm -rf {} +
find "$out/node_modules" -path '*/build/*' \( -name '*.mk' -o -name Makefile -o -name '*.d' -o -name config.gypi \) -delete
find "$out/node_modules" -type d -path '*/build/Release/.deps' -prune -exec rm -rf {} +
keep="$out/native/build/Release/tsvrrpd_native.node"
mv "$keep" "$out/tsvrrpd_native.node"
rm -rf "$out/native"
mkdir -p "$out/native/build/Release"
mv "$out/tsvrrpd_native.node" "$keep"
"$node/bin/node" -e "for (const m of process.argv.slice(1)) require(m)" \
  "$keep" $(cd "$out/node_modules" && for d in netlink; do [ -d "$d" ] && echo "$out/node_modules/$d"; done) \
  || { echo "stage-prod: the staged modules do not load in Node $ver" >&2; exit 1; }
echo "$want" > "$stamp"
echo "$out"
