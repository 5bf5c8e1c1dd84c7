#!/usr/bin/env bash
# Prints the directory of the pinned Node runtime (.node-version) for ARCH (x64 or arm64, default
# x64), fetched once from the npm registry (package node-linux-ARCH) into the cache: DIR/bin/node,
# DIR/include/node (headers for node-gyp). The image, the .deb and the prebuilt addons use it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-x64}
ver=$(cat "$repo/.node-version")
cache=${TSVRRPD_CACHE:-$repo/.cache}
dir="$cache/node-$ver-$arch"
pkg="$dir/node_modules/node-linux-$arch"
if [ ! -f "$pkg/bin/node" ] || [ "$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$pkg/package.json" | head -1)" != "$ver" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "node-runtime: fetching node-linux-$arch@$ver from the npm registry" >&2
  # --force: the arm64 runtime is fetched on x64 (for the cross-built addon, run under qemu).
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error $([ "$arch" = x64 ] || echo --force) "node-linux-$arch@$ver" >&2
fi
echo "$pkg"
