#!/usr/bin/env bash
# npm run image: builds localhost/tsvrrpd:<version> from the Dockerfile with podman, offline.
# 1. production modules and the addon for the pinned Node (scripts/stage-prod.sh; npm registry);
# 2. the context .build/image/rootfs laid out by scripts/install-image-root.sh;
# 3. podman build --network none: the build itself sends nothing anywhere.
# BASE: the image to build on (default: the official Node slim image of .node-version's major
# when a registry answers, else a stand-in built from Debian's packages by scripts/image-base.sh).
#   TSVRRPD_IMAGE_BASE=local   always the Debian-built stand-in (what the tests use)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
version=$(node -p 'require("./package.json").version')
major=$(cut -d. -f1 .node-version)
tag="localhost/tsvrrpd:$version"
[ -f dist/cli.js ] || npm run --silent build
base=${TSVRRPD_IMAGE_BASE:-}
if [ -z "$base" ]; then
  base="docker.io/library/node:$major-bookworm-slim"
  podman image exists "$base" || podman pull -q "$base" >/dev/null 2>&1 || base=local
fi
[ "$base" = local ] && base=$(bash scripts/image-base.sh)
prod=$(bash scripts/stage-prod.sh)
ctx="$repo/.build/image"
rm -rf "$ctx"
mkdir -p "$ctx"
bash scripts/install-image-root.sh "$ctx/rootfs" "$prod"
cp Dockerfile "$ctx/"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
echo "$commit" > "$ctx/rootfs/opt/tsvrrpd/COMMIT"
echo "image: building $tag on $base (--network none)" >&2
podman build --network none --pull=never --build-arg "BASE=$base" --label "org.opencontainers.image.revision=$commit" \
  --label "org.opencontainers.image.version=$version" -t "$tag" "$ctx" >&2
rm -rf "$ctx"
echo "$tag"
