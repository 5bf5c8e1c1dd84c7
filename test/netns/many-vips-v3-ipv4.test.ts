// More than 20 VIPs in one advert, keepalived as the peer: VRRPv3 IPv4, up to 255 and one more (many-vips.ts has the pair).
import { describe, it } from "vitest";
import { twoRouterLabs } from "./daemons.js";
import { ROLES } from "./fidelity.js";
import { manyVipPair, v4, type VipCase } from "./many-vips.js";

const newLab = twoRouterLabs("vip");

const cases: VipCase[] = [
  { name: "VRRPv3 IPv4, 255 VIPs", version: 3, family: 4, vips: v4(255) },
  // Beyond what fits: keepalived advertises the first ones and adds the rest unadvertised, as
  // virtual_ipaddress_excluded ("excess moved to eVIPs"); the master holds all of them.
  { name: "VRRPv3 IPv4, 256 VIPs (255 advertised, 1 moved to excluded)", version: 3, family: 4, vips: [...v4(255), "203.0.113.1"] },
];

describe("more than 20 VIPs in one advert, keepalived as the peer", () => {
  for (const c of cases)
    for (const [high, low] of ROLES)
      it(`${c.name}: ${high} master, ${low} backup`, async () => {
        const { lab, running } = newLab();
        await manyVipPair(lab, running, c, high, low);
      });
});
