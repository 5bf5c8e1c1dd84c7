// keepalived.conf for the many-instance benches and load tests: N VRRPv3 instances at 0.1 s on
// eth0, one VIP each, optionally a /bin/true check per instance and an HTTP listener.
export function scaleVip(i: number): string {
  return i <= 250 ? `198.51.100.${i}` : `203.0.113.${i - 250}`;
}

/** The IPv6 VIP of instance i (the IPv6 scale case). */
export function scaleVip6(i: number): string {
  return `2001:db8:2::${i}`;
}

export interface ScaleConfOptions {
  readonly instances: number;
  readonly priority: number;
  /** `state MASTER` / `state BACKUP` in every instance; omitted when undefined. */
  readonly state?: "MASTER" | "BACKUP";
  /** A vrrp_script running /bin/true every second, tracked by each instance. */
  readonly scripts?: boolean;
  readonly httpListen?: string;
  /** IPv6 instances (VIPs scaleVip6) instead of IPv4. */
  readonly family?: 4 | 6;
  /**
   * Spread the instances over this many interfaces, eth0..eth(K-1), 255 to each, one L2 segment per
   * interface: VRIDs 1-255 repeat across interfaces only, and IPv4 VIPs come from 198.18.0.0/15
   * (scaleSegmentVip), the benchmarking range. Omitted: every instance on eth0 (scaleVip).
   */
  readonly interfaces?: number;
  /** More global_defs lines, as written (e.g. "vrrp_rt_priority 10"). */
  readonly globalDefs?: readonly string[];
}

/** The IPv4 VIP of VRID `vrid` on interface eth`k` when instances are spread over interfaces: 198.18.k.vrid. */
export function scaleSegmentVip(k: number, vrid: number): string {
  return `198.18.${k}.${vrid}`;
}

export function scaleConf(o: ScaleConfOptions): string {
  const out = [
    "global_defs {",
    "  vrrp_garp_master_delay 0",
    ...(o.httpListen ? [`  http_listen ${o.httpListen}`] : []),
    ...(o.globalDefs ?? []).map((l) => `  ${l}`),
    "}",
  ];
  if (o.scripts) for (let i = 1; i <= o.instances; i++) out.push(`vrrp_script chk_${i} {`, "  script /bin/true", "  interval 1", "}");
  for (let i = 1; i <= o.instances; i++) {
    const k = o.interfaces ? Math.floor((i - 1) / 255) : 0;
    const vrid = o.interfaces ? ((i - 1) % 255) + 1 : i;
    out.push(`vrrp_instance I${i} {`, ...(o.state ? [`  state ${o.state}`] : []), `  interface eth${k}`, `  virtual_router_id ${vrid}`);
    out.push(
      `  priority ${o.priority}`,
      "  version 3",
      "  advert_int 0.1",
      "  virtual_ipaddress {",
      `    ${o.family === 6 ? scaleVip6(i) : o.interfaces ? scaleSegmentVip(k, vrid) : scaleVip(i)}`,
      "  }",
    );
    if (o.scripts) out.push("  track_script {", `    chk_${i}`, "  }");
    out.push("}");
  }
  return out.join("\n") + "\n";
}
