// What the many-vips-*.test.ts files share: more than 20 VIPs in one advert, keepalived as the
// peer (issue 27): VRRPv2 and v3, IPv4 and IPv6, up to the most an advert carries. keepalived (vrrp.c vrrp_complete_instance) fits
// min(255, (MTU - headers) / address size) addresses in an advert: 255 IPv4 addresses, and 89 IPv6
// ones at an MTU of 1500. keepalived 2.2.7 drops an advert whose address count differs from its own
// (vrrp.c vrrp_check_packet), so both kinds must put the same list on the wire or there are two
// masters. Each case runs both roles: the master on a (200), the backup on b (100), then a dies.
import { expect } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { crash, holdsWhileAdvertising, startDaemon, type Kind, type Running } from "./daemons.js";
import { enteredBackup, enteredMaster } from "./mixed-pair.js";

export interface VipCase {
  name: string;
  version: 2 | 3;
  family: 4 | 6;
  vips: string[];
  /** The LAN's MTU, when not 1500 (set on both routers' eth0 and the bridge ports). */
  mtu?: number;
}

export const v4 = (n: number, net = "198.51.100") => Array.from({ length: n }, (_, i) => `${net}.${i + 1}`);
export const v6 = (n: number) => Array.from({ length: n }, (_, i) => `2001:db8:1::${(i + 1).toString(16)}`);

/** The master (200) starts as MASTER: the address list on the wire is the subject, not the election. */
function conf(c: VipCase, priority: number): string {
  return `global_defs {
  vrrp_garp_master_delay 0
}
vrrp_instance VI_1 {
  state ${priority === 200 ? "MASTER" : "BACKUP"}
  interface eth0
  virtual_router_id 81
  priority ${priority}
  version ${c.version}
  advert_int ${c.version === 2 ? 1 : 0.1}
  garp_master_repeat 1
${c.version === 2 ? "  authentication {\n    auth_type PASS\n    auth_pass manyvips\n  }\n" : ""}  virtual_ipaddress {
${c.vips.map((v) => `    ${v}`).join("\n")}
  }
}
`;
}

/** Down interval (upper bound): v2 3 s + skew < 1 s; v3 at 0.1 s 300 ms + skew < 100 ms. */
const downMs = (c: VipCase) => (c.version === 2 ? 4000 : 400);

/** How many of the VIPs each router holds: one `ip -j addr` per router per call. */
function held(lab: Lab, vips: readonly string[]): Record<"a" | "b", number> {
  const count = (r: string) => {
    const mine = new Set(lab.addresses(r).map((a) => a.split("/")[0]));
    return vips.filter((v) => mine.has(v)).length;
  };
  return { a: count("a"), b: count("b") };
}

/** Waits until `r` has logged nothing for `ms` (its start-up burst is over). */
async function quiet(r: Running, ms: number): Promise<void> {
  let last = r.output().length;
  let since = Date.now();
  await waitFor(
    `${r.kind} on ${r.router} to be quiet for ${ms} ms`,
    () => {
      const now = r.output().length;
      if (now !== last) [last, since] = [now, Date.now()];
      return Date.now() - since >= ms;
    },
    20_000,
  );
}

/** Address-list complaints: keepalived's (vrrp_check_packet) and ours (instance.ts). */
function listTrouble(r: Running): string[] {
  return r
    .output()
    .split("\n")
    .filter((l) => /expected \d+ VIPs but received|address list differs|not present in advert/.test(l));
}

export async function manyVipPair(lab: Lab, running: Running[], c: VipCase, high: Kind, low: Kind): Promise<void> {
  const n = c.vips.length;
  if (c.mtu) {
    for (const r of ["a", "b"]) {
      lab.exec(null, "ip", ["link", "set", lab.port(r), "mtu", String(c.mtu)]);
      lab.exec(r, "ip", ["link", "set", "eth0", "mtu", String(c.mtu)]);
    }
  }
  const a = startDaemon(lab, "a", high, conf(c, 200));
  running.push(a);
  await waitFor(`${high} on a to hold all ${n} VIPs`, () => held(lab, c.vips).a === n, downMs(c) + 10_000, 200);
  // keepalived 2.2.7 sends no advert while it sends its gratuitous ARPs for 255 VIPs (2.25 s
  // measured here, its log writing a line per ARP with -D): b starts once a's log is quiet.
  await quiet(a, 500);
  const b = startDaemon(lab, "b", low, conf(c, 100));
  running.push(b);
  await waitFor(`${low} on b in BACKUP`, () => enteredBackup(b), 10_000);
  // (unless a itself fell silent for b's down interval: then b is right, and the window repeats)
  const aSilent = await holdsWhileAdvertising(
    lab,
    "a",
    downMs(c),
    downMs(c) + 500,
    () => expect(held(lab, c.vips), `only ${high} on a holds the VIPs while ${low} on b runs`).toEqual({ a: n, b: 0 }),
    { stepMs: 200 },
  );
  if (!aSilent) expect(enteredMaster(b), `${low} on b entered MASTER while a was up: it did not take a's adverts`).toBe(false);
  crash(lab, "a");
  await waitFor(`${low} on b to take over all ${n} VIPs`, () => held(lab, c.vips).b === n, downMs(c) + 10_000, 200);
  for (const r of [a, b]) expect(listTrouble(r), `${r.kind} on ${r.router}: address list complaints`).toEqual([]);
}
