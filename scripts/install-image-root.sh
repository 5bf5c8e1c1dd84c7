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
  # Production dependencies only: the packages `npm ls --omit=dev` names (15 MB), not the whole
  # node_modules with the dev tools (150 MB: copying it took 45 s on a busy machine), then pruned.
  mods=$(cd "$src" && npm ls --omit=dev --all --parseable 2>/dev/null | sed -n "s|^$src/node_modules/||p" | grep -E '^(@[^/]+/)?[^/]+$' || true)
  [ -n "$mods" ] || { echo "install-image-root.sh: npm ls --omit=dev named no production module" >&2; exit 1; }
  mkdir -p "$app/node_modules"
  (cd "$src/node_modules" && printf '%s\n' $mods | xargs cp -a --parents -t "$app/node_modules")
  cp -a "$src/native/build/Release/tsvrrpd_native.node" "$app/native/build/Release/"
  (cd "$app" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null 2>&1)
fi
# Not shipped: the lab harness, source maps and type declarations of dist are dev matter.
rm -rf "$app/dist/lab"   # the namespace lab harness is for tests and benches
find "$app/dist" \( -name '*.d.ts' -o -name '*.map' \) -delete
ln -sf tsvrrpd "$app/bin/keepalived"

# Thin wrappers at the paths the Deployment and the removal Job use. They find the install
# relative to themselves, so they work in the image (/) and in a test root alike.
flags=$(sed -n '1s/^#!.* node //p' "$src/bin/tsvrrpd") # the runtime flags: bin/tsvrrpd's shebang's
[ -n "$flags" ] || { echo "install-image-root.sh: no runtime flags in bin/tsvrrpd's first line" >&2; exit 1; }
for pair in "monitor.sh:openshift" "remove-failover.sh:remove-failover"; do
  name=${pair%%:*}
  cmd=${pair#*:}
  cat > "$root/var/lib/ipfailover/keepalived/$name" <<EOS
#!/bin/sh
# tsvrrpd in place of keepalived: same environment (OPENSHIFT_HA_*), same paths.
here=\$(cd "\$(dirname "\$0")" && pwd)
exec node $flags "\$here/../../../../opt/tsvrrpd/bin/keepalived" $cmd "\$@"
EOS
  chmod 0755 "$root/var/lib/ipfailover/keepalived/$name"
done
