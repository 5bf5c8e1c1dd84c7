// More than 20 VIPs in one advert, keepalived as the peer: VRRPv2 (1 s adverts: the advert carries whole seconds) (many-vips.ts has the pair).
import { describe, it } from "vitest";
import { twoRouterLabs } from "./daemons.js";
import { ROLES } from "./fidelity.js";
import { manyVipPair, v4, type VipCase } from "./many-vips.js";

const newLab = twoRouterLabs("vip");

const cases: VipCase[] = [{ name: "VRRPv2 IPv4, 255 VIPs", version: 2, family: 4, vips: v4(255, "203.0.113") }];

describe("more than 20 VIPs in one advert, keepalived as the peer", () => {
  for (const c of cases)
    for (const [high, low] of ROLES)
      it(`${c.name}: ${high} master, ${low} backup`, async () => {
        const { lab, running } = newLab();
        await manyVipPair(lab, running, c, high, low);
      });
});
