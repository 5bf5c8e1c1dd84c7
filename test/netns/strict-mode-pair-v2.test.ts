// Strict mode in a VRRPv2 mixed pair with keepalived 2.2.7, both roles: one master, takeover on
// death and back, each master dropping its VIP's traffic (no_accept by strict mode), keepalived
// complaining of nothing.
// (VRRPv2 runs at its 1 s interval: the advert carries whole seconds, a shorter advert_int is rounded up.)
import { describe, it } from "vitest";
import { twoRouterLabs } from "./daemons.js";
import { ROLES } from "./fidelity.js";
import { strictPair } from "./strict.js";

const newLab = twoRouterLabs("strictv2");

describe("strict mode: mixed pair with keepalived", () => {
  for (const [high, low] of ROLES)
    it(`VRRPv2: ${high} master, ${low} backup, takeover both ways; each master drops VIP traffic; keepalived complains of nothing`, async () => {
      const { lab, running } = newLab();
      await strictPair(lab, running, 2, high, low);
    });
});
