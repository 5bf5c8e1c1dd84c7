// keepalived.conf multicast groups that real files use, read the same way by keepalived and
// tsvrrpd: a mixed pair in both roles (one master, the right one, takeover when it dies).
// Other themes: conf-fidelity*.test.ts.
import { describe, it } from "vitest";
import { VIP4, twoRouterLabs } from "./daemons.js";
import { ROLES, instance, vips } from "./fidelity.js";
import { mixedPair, type PairCase } from "./mixed-pair.js";

const newLab = twoRouterLabs("cfmc");

const CASES: Record<string, PairCase> = {
  // Adverts to another multicast group (global_parser.c vrrp_mcast_group4_handler); keepalived binds
  // its socket to the group, so a side still sending to 224.0.0.18 would not be heard.
  "vrrp_mcast_group4 224.0.0.88": {
    conf: (r, p) => instance(r, p, vips, 3).replace("global_defs {", "global_defs {\n  vrrp_mcast_group4 224.0.0.88"),
    addresses: [VIP4],
    intervalSec: 0.1,
  },
  // The same for one instance (vrrp_parser.c vrrp_mcast_dstip_handler), over the global group.
  "mcast_dst_ip 239.1.2.3 over vrrp_mcast_group4": {
    conf: (r, p) =>
      instance(r, p, ["mcast_dst_ip 239.1.2.3", ...vips], 3).replace("global_defs {", "global_defs {\n  vrrp_mcast_group4 224.0.0.88"),
    addresses: [VIP4],
    intervalSec: 0.1,
  },
};

describe("keepalived.conf fidelity in a mixed pair", () => {
  for (const [name, c] of Object.entries(CASES)) {
    for (const [high, low] of ROLES) {
      it(`${name}: ${high} master, ${low} backup`, async () => {
        const { lab, running } = newLab();
        await mixedPair(lab, running, c, high, low);
      });
    }
  }
});
