#!/usr/bin/env bash
# Builds the local stand-in for the official Node slim image when no registry is reachable:
# a Debian 12 root from Debian's packages (mmdebstrap, minbase) with the runtime packages the
# image needs, plus the pinned Node binary (.node-version, from the npm registry) at
# /usr/local/bin/node as in the official image. No npm, no compiler. Prints the image name.
#   TSVRRPD_MIRROR   Debian mirror (default: the one apt uses here, else deb.debian.org)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ver=$(cat "$repo/.node-version")
# The tag names the Node and this script's own content, so a changed recipe builds a new base.
name="localhost/tsvrrpd-base:node$ver-$(sha256sum "$0" | cut -c1-8)"
if podman image exists "$name"; then echo "$name"; exit 0; fi
node=$(bash "$repo/scripts/node-runtime.sh" x64)
mirror=${TSVRRPD_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}
mirror=${mirror:-http://deb.debian.org/debian}
# What the OpenShift image's users and the removal Job expect (ip, nft, iptables, modprobe,
# pgrep).
# The merged-usr hooks install usr-is-merged before the required packages, so that
# init-system-helpers does not pull in usrmerge and with it 47 MB of perl.
# libatomic1: Node 26 links against it.
pkgs=iproute2,nftables,iptables,kmod,procps,libatomic1
work=$(mktemp -d /tmp/tsvrrpd-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$node/bin/node" "$work/node"
# Without its symbol and debug sections (as Debian ships binaries: dh_strip), 8 MB less to transfer.
strip "$work/node"
echo "image-base: mmdebstrap bookworm ($pkgs) from $mirror" >&2
mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --include="$pkgs" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/gconv/*.so' \
  --customize-hook="install -m 0755 $work/node \"\$1/usr/local/bin/node\"" \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*' \
  bookworm "$work/root.tar" "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
  "deb ${mirror%/debian}/debian-security bookworm-security main" >&2
podman import --change 'CMD ["node"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$work/root.tar" "$name" >/dev/null
echo "$name"
