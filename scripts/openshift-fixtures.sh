#!/usr/bin/env bash
# Regenerates test/fixtures/openshift/<case>.<node>.keepalived.conf from <case>.env by running the
# keepalived-ipfailover image's own generator (a verbatim copy in test/fixtures/openshift/generator,
# see its README for the commit). Nothing in the outputs is edited by hand.
#
#   scripts/openshift-fixtures.sh           rewrite the fixtures
#   scripts/openshift-fixtures.sh --check   exit 1 (with a diff) if any fixture differs
#
# The image reads the node's interface and address from the host (get_network_device,
# get_device_ip_address in lib/utils.sh); here they answer eth0 and the node address, as on the
# lab's routers. Backup priorities have a random part: bash's RANDOM is seeded with 7 per file.
set -euo pipefail
cd "${OPENSHIFT_FIXTURES:-$(dirname "$0")/../test/fixtures/openshift}"   # the override is for the test
NODES="192.0.2.11 192.0.2.12 192.0.2.130"
mode="${1:-write}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for envfile in *.env; do
  case="${envfile%.env}"
  for node in $NODES; do
    # A clean environment per run: only the case's variables, as the pod's env would be.
    env -i PATH=/usr/bin:/bin NODE="$node" ENVFILE="$PWD/$envfile" GEN="$PWD/generator" bash -c '
      set -a; source "$ENVFILE"; set +a
      source "$GEN/conf/settings.sh"
      source "$GEN/lib/config-generators.sh"
      get_network_device() { echo eth0; }
      get_device_ip_address() { echo "$NODE"; }
      RANDOM=7
      generate_failover_config
    ' > "$out/$case.$node.keepalived.conf"
  done
done

if [ "$mode" = "--check" ]; then
  status=0
  for f in "$out"/*.keepalived.conf; do
    name=$(basename "$f")
    if ! diff -u "$name" "$f"; then status=1; fi
  done
  for f in *.keepalived.conf; do
    [ -e "$out/$f" ] || { echo "$f: no <case>.env makes it"; status=1; }
  done
  [ $status -eq 0 ] && echo "OpenShift fixtures match the image's generator"
  exit $status
fi
cp "$out"/*.keepalived.conf .
echo "wrote $(ls "$out" | wc -l) fixtures"
