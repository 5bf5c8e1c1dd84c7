#!/usr/bin/env bash
# npm run deb: builds tsvrrpd_<version>_<arch>.deb with dpkg-deb (prints its path):
#   /usr/lib/tsvrrpd/          the app, its production modules, the native addon and the pinned
#                              Node runtime (.node-version, from the npm registry) as node
#   /usr/sbin/tsvrrpd          runs the app on that Node
#   /lib/systemd/system/tsvrrpd.service   deploy/tsvrrpd.service (Type=notify, hardened)
#   /etc/default/tsvrrpd       DAEMON_ARGS (a conffile)
#   /usr/share/man/man8/tsvrrpd.8.gz      from the option table of --help (scripts/man.mjs)
# Next to Debian's keepalived package: no file in common and no package conflict, so both can stay
# installed while switching; the units conflict (Conflicts=keepalived.service), so only one
# VRRP daemon runs. Installing does not start or enable tsvrrpd: on a host running keepalived that
# would take the VRRP role over without being asked.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
version=$(node -p 'require("./package.json").version')
arch=amd64
[ -f dist/cli.js ] || npm run --silent build
node=$(bash scripts/node-runtime.sh x64)
prod=$(bash scripts/stage-prod.sh)
out=${1:-$repo}
root="$repo/.build/deb"
rm -rf "$root"
lib="$root/usr/lib/tsvrrpd"
mkdir -p "$root/DEBIAN" "$lib/native/build/Release" "$root/usr/sbin" "$root/lib/systemd/system" "$root/etc/default" \
  "$root/usr/share/man/man8" "$root/usr/share/doc/tsvrrpd"
cp -a package.json dist bin "$lib/"
rm -rf "$lib/dist/lab"
find "$lib/dist" \( -name '*.map' -o -name '*.d.ts' \) -delete
cp -a "$prod/node_modules" "$lib/"
cp "$prod/native/build/Release/tsvrrpd_native.node" "$lib/native/build/Release/"
install -m 0755 "$node/bin/node" "$lib/node"
strip "$lib/node" # as dh_strip would
git rev-parse --short=12 HEAD > "$lib/COMMIT" 2>/dev/null || echo unknown > "$lib/COMMIT"
# The runtime flags are bin/tsvrrpd's shebang's.
flags=$(sed -n '1s/^#!.* node //p' bin/tsvrrpd)
[ -n "$flags" ] || { echo "deb.sh: no runtime flags in bin/tsvrrpd's first line" >&2; exit 1; }
cat > "$root/usr/sbin/tsvrrpd" <<EOS
#!/bin/sh
# tsvrrpd on the Node runtime it was tested with (the package's own, /usr/lib/tsvrrpd/node).
exec /usr/lib/tsvrrpd/node $flags /usr/lib/tsvrrpd/bin/tsvrrpd "\$@"
EOS
chmod 0755 "$root/usr/sbin/tsvrrpd"
install -m 0644 deploy/tsvrrpd.service "$root/lib/systemd/system/tsvrrpd.service"
cat > "$root/etc/default/tsvrrpd" <<'EOS'
# Options for tsvrrpd (tsvrrpd.service), as /etc/default/keepalived is for keepalived: see
# tsvrrpd(8). The unit already passes --dont-fork, --pid and --control. For example:
#   DAEMON_ARGS="--log-detail --snmp"
#   DAEMON_ARGS="--use-file=/etc/tsvrrpd/keepalived.conf"
DAEMON_ARGS=""
EOS
node scripts/man.mjs "$version" | gzip -9n > "$root/usr/share/man/man8/tsvrrpd.8.gz"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: tsvrrpd"
  echo
  echo "Files: *"
  echo "Copyright: 2026 The tsvrrpd authors"
  echo "License: MIT"
  sed 's/^$/./; s/^/ /' LICENSE
  echo
  echo "Files: usr/lib/tsvrrpd/node"
  echo "Copyright: Node.js contributors"
  echo "License: MIT (and the licences of its bundled parts: see https://github.com/nodejs/node/blob/main/LICENSE)"
  echo
  echo "Files: usr/lib/tsvrrpd/node_modules/*"
  echo "License: see each module's own LICENSE file or package.json"
} > "$root/usr/share/doc/tsvrrpd/copyright"
# Depends: the C library the Node binary and the addons link against, procps for the unit's
# ExecReload (/bin/kill); libatomic1, which Node 26 links against.
depends="libc6 (>= 2.28), libstdc++6, libgcc-s1, libatomic1, procps"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<EOS
Package: tsvrrpd
Version: $version
Architecture: $arch
Maintainer: The tsvrrpd authors <tsvrrpd@example.org>
Installed-Size: $size
Depends: $depends
Suggests: keepalived
Section: net
Priority: optional
Homepage: https://github.com/acassen/keepalived
Description: VRRP daemon compatible with keepalived's configuration and flags
 tsvrrpd implements VRRP (v2 and v3, IPv4 and IPv6) and reads keepalived.conf,
 its scripts and its command line, so it can take over keepalived's VRRP role
 under the same configuration: systemctl disable --now keepalived, then
 systemctl enable --now tsvrrpd (the two units conflict). It brings its own
 Node.js runtime under /usr/lib/tsvrrpd.
EOS
echo /etc/default/tsvrrpd > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/postinst" <<'EOS'
#!/bin/sh
set -e
# Not enabled nor started: switch from keepalived when ready (see the package description).
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null || true; fi
exit 0
EOS
cat > "$root/DEBIAN/prerm" <<'EOS'
#!/bin/sh
set -e
# Stopping releases the VIPs this host holds, so a peer takes them over.
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then systemctl stop tsvrrpd.service >/dev/null 2>&1 || true; fi
exit 0
EOS
cat > "$root/DEBIAN/postrm" <<'EOS'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
exit 0
EOS
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
deb="$out/tsvrrpd_${version}_${arch}.deb"
# xz -3: 35 MB. TSVRRPD_DEB_COMPRESS=gzip (the tests): 45 MB in a sixth of the time (19 s
# against 122 s for the Node binary on a loaded 2-core host).
case "${TSVRRPD_DEB_COMPRESS:-xz}" in
  gzip) z=(-Zgzip -z6) ;;
  *) z=(-Zxz -z3) ;;
esac
fakeroot dpkg-deb --build "${z[@]}" "$root" "$deb" >/dev/null
rm -rf "$root"
echo "$deb"
