# tsvrrpd as a drop-in for OpenShift's keepalived-ipfailover image: same entry points
# (/var/lib/ipfailover/keepalived/monitor.sh, remove-failover.sh), same OPENSHIFT_HA_* variables,
# a process named keepalived for the `pgrep keepalived` liveness probe.

# Node 22 LTS (supported to April 2027), pinned; build and run stages on the same release so the
# project's N-API addon matches the runtime.
FROM node:22.20.0-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
COPY native/binding.gyp native/*.c native/*.h ./native/
# The addon is built here (postinstall); the image gets production dependencies only.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY bin ./bin
COPY scripts ./scripts
RUN npm run build && bash scripts/install-image-root.sh /rootfs

FROM node:22.20.0-bookworm-slim
# iproute2/nftables/iptables/kmod/procps:
# what the old image's users and the removal Job expect to find.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 nftables iptables kmod procps \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /rootfs/ /
LABEL io.k8s.display-name="OpenShift IP Failover (tsvrrpd)" \
      io.k8s.description="Highly available IP addresses with VRRP: tsvrrpd in place of keepalived." \
      io.openshift.tags="openshift,ha,ip,failover,vrrp"
WORKDIR /var/lib/ipfailover
ENTRYPOINT ["/var/lib/ipfailover/keepalived/monitor.sh"]
