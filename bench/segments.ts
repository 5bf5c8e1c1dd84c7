// Many-instance benches past 255 VRIDs: one L2 segment per interface, eth1..eth(K-1) beside the
// lab's eth0, each a veth on its own bridge in the LAN namespace (bench/scale.ts, bench/anon-split.ts).
import type { Lab } from "../lab/netns.js";

/** Interfaces (and lab bridges) for n instances: 255 VRIDs per L2 segment. */
export const segments = (n: number): number => Math.max(1, Math.ceil(n / 255));

/** Every VIP-sized address (/32, /128) on any of a router's interfaces. */
export function vipCount(lab: Lab, router: string, family: 4 | 6): number {
  const out = lab.exec(null, "ip", ["-n", lab.ns(router), "-j", "addr", "show"], true);
  try {
    const j = JSON.parse(out) as { addr_info: { prefixlen: number; family: string }[] }[];
    const want = family === 6 ? 128 : 32;
    return j.flatMap((l) => l.addr_info).filter((a) => a.prefixlen === want && a.family === (family === 6 ? "inet6" : "inet")).length;
  } catch {
    return 0;
  }
}

/**
 * The scale benches' lab: master m (192.0.2.11) and backup s (192.0.2.12) on eth0, and the further
 * segments n instances need (eth1.. on br1.., 198.19.k.11 and .12).
 */
export function createScaleLab(lab: Lab, n: number): void {
  lab.create([
    { name: "m", v4: "192.0.2.11/24" },
    { name: "s", v4: "192.0.2.12/24" },
  ]);
  for (let k = 1; k < segments(n); k++)
    addSegment(lab, k, [
      ["m", 11],
      ["s", 12],
    ]);
}

/** Eth k of each router on its own bridge brk (k >= 1; eth0 on br0 is the lab's own). */
function addSegment(lab: Lab, k: number, routers: readonly [string, number][]): void {
  lab.exec(null, "ip", ["link", "add", `br${k}`, "type", "bridge", "mcast_snooping", "0"]);
  lab.exec(null, "ip", ["link", "set", `br${k}`, "up"]);
  for (const [r, host] of routers) {
    const port = `p${k}-${r}`;
    lab.exec(null, "ip", ["link", "add", port, "type", "veth", "peer", "name", `eth${k}`, "netns", lab.ns(r)]);
    lab.exec(null, "ip", ["link", "set", port, "master", `br${k}`]);
    lab.exec(null, "ip", ["link", "set", port, "up"]);
    lab.exec(null, "ip", ["-n", lab.ns(r), "addr", "add", `198.19.${k}.${host}/24`, "dev", `eth${k}`]);
    lab.exec(null, "ip", ["-n", lab.ns(r), "link", "set", `eth${k}`, "up"]);
  }
}
