// Strict mode in a VRRPv3 mixed pair with keepalived 2.2.7, both roles: one master, takeover on
// death and back, each master dropping its VIP's traffic (no_accept by strict mode), keepalived
// complaining of nothing.
import { describe, it } from "vitest";
import { twoRouterLabs } from "./daemons.js";
import { ROLES } from "./fidelity.js";
import { strictPair } from "./strict.js";

const newLab = twoRouterLabs("strictv3");

describe("strict mode: mixed pair with keepalived", () => {
  for (const [high, low] of ROLES)
    it(`VRRPv3: ${high} master, ${low} backup, takeover both ways; each master drops VIP traffic; keepalived complains of nothing`, async () => {
      const { lab, running } = newLab();
      await strictPair(lab, running, 3, high, low);
    });
});
