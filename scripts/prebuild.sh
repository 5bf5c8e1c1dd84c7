#!/usr/bin/env bash
# Builds the native addon for the npm package: prebuilds/linux-x64 and prebuilds/linux-arm64
# (cross-compiled with Debian's gcc-aarch64-linux-gnu against the arm64 Node's headers), each
# loaded once by its own Node (the arm64 one under qemu-aarch64-static) before it is kept.
# N-API: one build serves every Node from the pinned line's N-API level up.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
gyp=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
for arch in x64 arm64; do
  node=$(bash "$repo/scripts/node-runtime.sh" "$arch")
  work=$(mktemp -d /tmp/tsvrrpd-prebuild.XXXXXX)
  cp "$repo"/native/*.c "$repo"/native/*.h "$repo/native/binding.gyp" "$work/"
  if [ "$arch" = arm64 ]; then
    (cd "$work" && CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-gcc LINK=aarch64-linux-gnu-gcc \
      node "$gyp" rebuild --arch=arm64 --nodedir="$node" --loglevel=error >&2)
    run=(qemu-aarch64-static -L /usr/aarch64-linux-gnu "$node/bin/node")
  else
    (cd "$work" && node "$gyp" rebuild --nodedir="$node" --loglevel=error >&2)
    run=("$node/bin/node")
  fi
  out="$repo/prebuilds/linux-$arch"
  mkdir -p "$out"
  cp "$work/build/Release/tsvrrpd_native.node" "$out/"
  rm -rf "$work"
  "${run[@]}" -e "const m = require(process.argv[1]); if (typeof m.vrrpSocket !== 'function') process.exit(1); console.error('prebuild: linux-$arch loads in Node ' + process.version + ' (' + process.arch + ')')" \
    "$out/tsvrrpd_native.node"
done
