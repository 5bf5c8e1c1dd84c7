// auth_type AH over multicast in a mixed pair with keepalived 2.2.7, both roles (auth-ah.ts: takeover on
// death and back, keepalived's sequence numbers on both sides).
import { describe, it } from "vitest";
import { twoRouterLabs } from "./daemons.js";
import { ROLES } from "./fidelity.js";
import { ahPair } from "./auth-ah.js";

const newLab = twoRouterLabs("ah");

describe("auth_type AH in a mixed pair with keepalived", () => {
  for (const [high, low] of ROLES)
    it(`multicast: ${high} master, ${low} backup, takeover on death and back`, async () => {
      const { lab, running } = newLab();
      await ahPair(lab, running, false, high, low);
    });
});
