#!/usr/bin/env bash
# npm run image: builds localhost/tsvrrpd:<version> from the Dockerfile with podman, offline.
# 1. production modules and the addon for the pinned Node (scripts/stage-prod.sh; npm registry);
# 2. the context .build/image/rootfs laid out by scripts/install-image-root.sh;
# 3. podman build --network none: the build itself sends nothing anywhere.
# BASE: the image to build on (default: the official Node slim image of .node-version's major
# when a registry answers, else a stand-in built from Debian's packages by scripts/image-base.sh).
#   TSVRRPD_IMAGE_BASE=local   always the Debian-built stand-in (what the tests use)
#   TSVRRPD_IMAGE_TAG=NAME     tag NAME instead of localhost/tsvrrpd:<version> (tests that must not
#                              retag the machine's image)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
version=$(node -p 'require("./package.json").version')
major=$(cut -d. -f1 .node-version)
tag=${TSVRRPD_IMAGE_TAG:-localhost/tsvrrpd:$version}
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
trap 'rm -rf "$ctx"' EXIT   # also when a step fails
mkdir -p "$ctx"
bash scripts/install-image-root.sh "$ctx/rootfs" "$prod"
cp Dockerfile "$ctx/"
# The runtime packages (the Dockerfile's RUNTIME_PACKAGES) the base lacks, as the official Node
# image lacks all of them: fetched here by the base's own apt (its sources, its installed set for
# the dependencies) into the context's debs/, which the build installs with dpkg, offline.
mkdir -p "$ctx/debs"
pkgs=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' Dockerfile)
[ -n "$pkgs" ] || { echo "image: no ARG RUNTIME_PACKAGES=\"...\" line in the Dockerfile" >&2; exit 1; }
missing=$(podman run --rm --network none --pull=never --entrypoint /bin/sh "$base" -c \
  'for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done' sh $pkgs | tr '\n' ' ')
if [ -n "${missing// /}" ]; then
  echo "image: fetching ${missing% } for the base with its apt (the build itself stays offline)" >&2
  podman run --rm --pull=never -v "$ctx/debs:/debs" --entrypoint /bin/sh "$base" -c \
    'mkdir -p /debs/partial && apt-get update -qq && apt-get install -qq -y --download-only --no-install-recommends -o Dir::Cache::archives=/debs "$@" >/dev/null' \
    sh $missing >&2
  rm -rf "$ctx/debs/partial" "$ctx/debs/lock"
fi
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
echo "$commit" > "$ctx/rootfs/opt/tsvrrpd/COMMIT"
echo "image: building $tag on $base (--network none)" >&2
podman build --network none --pull=never --build-arg "BASE=$base" --label "org.opencontainers.image.revision=$commit" \
  --label "org.opencontainers.image.version=$version" -t "$tag" "$ctx" >&2
echo "$tag"
