#!/usr/bin/env bash
# Lays tsvrrpd out under ROOT the way the container image has it (the Dockerfile runs this too):
#   ROOT/opt/tsvrrpd                          the built package with production node_modules
#   ROOT/var/lib/ipfailover/keepalived/*.sh   the entry points today's keepalived-ipfailover image has
# Needs a built checkout (npm ci && npm run build). PROD (optional): production modules and the
# addon built for another Node by scripts/stage-prod.sh (npm run image); default: the checkout's,
# pruned to production.
set -euo pipefail
root=${1:?usage: install-image-root.sh ROOT [PROD]}
prod=${2:-}
src=$(cd "$(dirname "$0")/.." && pwd)
app="$root/opt/tsvrrpd"
mkdir -p "$app/native/build/Release" "$root/var/lib/ipfailover/keepalived"
cp -a "$src/package.json" "$src/package-lock.json" "$src/LICENSE" "$src/dist" "$src/bin" "$app/"
if [ -n "$prod" ]; then
  cp -a "$prod/node_modules" "$app/"
  cp -a "$prod/native/build/Release/tsvrrpd_native.node" "$app/native/build/Release/"
else
  cp -a "$src/node_modules" "$app/"
  cp -a "$src/native/build/Release/tsvrrpd_native.node" "$app/native/build/Release/"
  # Production dependencies only.
  (cd "$app" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null 2>&1)
fi
# Not shipped: the lab harness, source maps and type declarations of dist are dev matter.
rm -rf "$app/dist/lab"   # the namespace lab harness is for tests and benches
find "$app/dist" \( -name '*.d.ts' -o -name '*.map' \) -delete
ln -sf tsvrrpd "$app/bin/keepalived"

# Thin wrappers at the paths the Deployment and the removal Job use. They find the install
# relative to themselves, so they work in the image (/) and in a test root alike.
for pair in "monitor.sh:openshift" "remove-failover.sh:remove-failover"; do
  name=${pair%%:*}
  cmd=${pair#*:}
  cat > "$root/var/lib/ipfailover/keepalived/$name" <<EOS
#!/bin/sh
# tsvrrpd in place of keepalived: same environment (OPENSHIFT_HA_*), same paths.
here=\$(cd "\$(dirname "\$0")" && pwd)
exec node --max-semi-space-size=1 --optimize-for-size --no-flush-bytecode "\$here/../../../../opt/tsvrrpd/bin/keepalived" $cmd "\$@"
EOS
  chmod 0755 "$root/var/lib/ipfailover/keepalived/$name"
done
