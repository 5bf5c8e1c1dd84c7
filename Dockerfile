# tsvrrpd as a drop-in for OpenShift's keepalived-ipfailover image: same entry points
# (/var/lib/ipfailover/keepalived/monitor.sh, remove-failover.sh), same OPENSHIFT_HA_* variables,
# a process named keepalived for the `pgrep keepalived` liveness probe.
#
# Build with `npm run image` (scripts/image.sh), not directly: it prepares the context (.build/image:
# the app with production modules and the native addon built for the pinned Node, .node-version)
# and runs `podman build --network none`, so nothing is compiled or downloaded here.
#
# BASE: an image with Node (same major as .node-version) at /usr/local/bin/node: by default the
# official slim image. Without a registry, `npm run image` builds a stand-in from Debian's packages
# (scripts/image-base.sh) that already has the runtime packages, and the RUN below installs none.
ARG BASE=docker.io/library/node:26-bookworm-slim
FROM ${BASE}
# The daemon needs no package manager: npm, npx, corepack and yarn of the official image go.
# iproute2/nftables/iptables/kmod/procps: what the old image's users and the removal Job expect
# (ip, nft, iptables, modprobe, pgrep); libatomic1 for Node 26. No libpcap: the project's addon sends GARP/NA and reads
# IPv6 adverts itself.
ARG RUNTIME_PACKAGES="iproute2 nftables iptables kmod procps libatomic1"
# Those the base lacks come as .debs in the context (debs/: npm run image fetches them with the
# base's own apt before the build) and are installed from there, offline: the bind mount keeps
# them out of the image's layers.
RUN --mount=type=bind,source=debs,target=/tmp/debs \
    rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && if ls /tmp/debs/*.deb >/dev/null 2>&1; then dpkg -i /tmp/debs/*.deb >/dev/null; fi \
 && missing=$(for p in $RUNTIME_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done) \
 && if [ -n "$missing" ]; then echo "missing runtime packages:" $missing "(build with npm run image, which fetches them)" >&2; exit 1; fi
COPY rootfs/ /
LABEL io.k8s.display-name="OpenShift IP Failover (tsvrrpd)" \
      io.k8s.description="Highly available IP addresses with VRRP: tsvrrpd in place of keepalived." \
      io.openshift.tags="openshift,ha,ip,failover,vrrp"
WORKDIR /var/lib/ipfailover
ENTRYPOINT ["/var/lib/ipfailover/keepalived/monitor.sh"]
