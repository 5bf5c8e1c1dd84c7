// More than 20 VIPs in one advert, keepalived as the peer: VRRPv3 IPv6, up to what the MTU carries and beyond (many-vips.ts has the pair).
import { describe, it } from "vitest";
import { twoRouterLabs } from "./daemons.js";
import { ROLES } from "./fidelity.js";
import { manyVipPair, v6, type VipCase } from "./many-vips.js";

const newLab = twoRouterLabs("vip");

const cases: VipCase[] = [
  { name: "VRRPv3 IPv6, 89 VIPs (the most a 1500-byte MTU carries)", version: 3, family: 6, vips: v6(89) },
  { name: "VRRPv3 IPv6, 255 VIPs at MTU 9000", version: 3, family: 6, vips: v6(255), mtu: 9000 },
  // Beyond what fits: keepalived advertises the first ones and adds the rest unadvertised, as
  // virtual_ipaddress_excluded ("excess moved to eVIPs"); the master holds all of them.
  { name: "VRRPv3 IPv6, 100 VIPs (89 advertised, 11 moved to excluded)", version: 3, family: 6, vips: v6(100) },
];

describe("more than 20 VIPs in one advert, keepalived as the peer", () => {
  for (const c of cases)
    for (const [high, low] of ROLES)
      it(`${c.name}: ${high} master, ${low} backup`, async () => {
        const { lab, running } = newLab();
        await manyVipPair(lab, running, c, high, low);
      });
});
