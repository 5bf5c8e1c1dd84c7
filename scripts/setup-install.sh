#!/usr/bin/env bash
# What the install-path tests (test/install: the image, the .deb, the npm package) need on top of
# scripts/setup.sh: podman and runc (the image), mmdebstrap (a Debian base from Debian's packages,
# scratch roots for the .deb), dpkg-dev and fakeroot (dpkg-deb as a user would build), the arm64
# cross compiler and qemu-user (the arm64 prebuilt addon, loaded under the arm64 Node).
set -euo pipefail
need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v dpkg-architecture >/dev/null || need+=(dpkg-dev)
command -v fakeroot >/dev/null || need+=(fakeroot)
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
[ -f /usr/aarch64-linux-gnu/include/stdio.h ] || need+=(libc6-dev-arm64-cross)
command -v qemu-aarch64-static >/dev/null || need+=(qemu-user-static)
command -v man >/dev/null || need+=(man-db)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-install: installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
