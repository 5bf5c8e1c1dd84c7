// keepalived.conf authentication forms that real files use, read the same way by keepalived and
// tsvrrpd: a mixed pair in both roles (one master, the right one, takeover when it dies). VRRPv2,
// at its 1 s interval (authentication is VRRPv2's). Other themes: conf-fidelity*.test.ts.
import { describe, it } from "vitest";
import { VIP4, twoRouterLabs } from "./daemons.js";
import { ROLES, instance, vips } from "./fidelity.js";
import { mixedPair, type PairCase } from "./mixed-pair.js";

const newLab = twoRouterLabs("cfau");

const CASES: Record<string, PairCase> = {
  // Both authentication forms at once, one instance each, so the 1 s VRRPv2 pair runs once:
  // VI_1: auth_pass without auth_type = no authentication (vrrp.c vrrp_complete_instance);
  // VI_2: only the first word of an unquoted auth_pass is the password (vrrp_parser.c).
  "auth_pass without auth_type, and auth_pass of two unquoted words": {
    conf: (r, p) =>
      instance(r, p, ["authentication {", "  auth_pass s3cret", "}", ...vips], 2) +
      instance(r, p, ["authentication {", "  auth_type PASS", "  auth_pass abc def", "}", "virtual_ipaddress {", "  198.51.100.20", "}"], 2)
        .replace(/^global_defs \{[^}]*\}\n/, "")
        .replace("VI_1", "VI_2")
        .replace("virtual_router_id 51", "virtual_router_id 52"),
    addresses: [VIP4, "198.51.100.20"],
    intervalSec: 1,
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
