// keepalived.conf forms that real files use, read the same way by keepalived and tsvrrpd: each
// runs as a mixed pair in both roles (one master, the right one, takeover when it dies).
// Themes in other files: conf-fidelity-auth, -mcast, -unicast, -addresses, -election, -equal-priority.
import { describe, it } from "vitest";
import { VIP4, twoRouterLabs } from "./daemons.js";
import { ROLES, instance, peerOf, vips } from "./fidelity.js";
import { ROUTER_ADDR, mixedPair, type PairCase } from "./mixed-pair.js";

const newLab = twoRouterLabs("cfid");

// One file for both hosts, as keepalived's templating is meant for: `$NAME` definitions and
// `@ID` lines picked by -i (lib/parser.c). The priorities come from the @ lines, not the caller.
const TEMPLATED = (intervalSec: number) =>
  [
    "$IFACE=eth0",
    `$VIP=${VIP4}`,
    "vrrp_instance VI_1 {",
    "  state BACKUP",
    "  interface $IFACE",
    "  virtual_router_id 51",
    "@a priority 200",
    "@b priority 100",
    "  version 3",
    `  advert_int ${intervalSec}`,
    "  virtual_ipaddress {",
    "    ${VIP}",
    "  }",
    "}",
    "",
  ].join("\n");

const CASES: Record<string, PairCase> = {
  "$NAME definitions and @id lines with -i": {
    conf: () => TEMPLATED(0.1),
    args: (r) => ["-i", r],
    addresses: [VIP4],
    intervalSec: 0.1,
  },
  // keepalived: ADDR/PREFIX accepted, prefix ignored (vrrp_parser.c vrrp_srcip_handler).
  "unicast_src_ip with a prefix": {
    conf: (r, p) => instance(r, p, [`unicast_src_ip ${ROUTER_ADDR[r]}/24`, "unicast_peer {", `  ${peerOf(r)}/24`, "}", ...vips], 3),
    addresses: [VIP4],
    intervalSec: 0.1,
  },
  // Added and removed with the VIPs, not advertised.
  virtual_ipaddress_excluded: {
    conf: (r, p) => instance(r, p, [...vips, "virtual_ipaddress_excluded {", "  203.0.113.7/24", "  2001:db8:7::7/64", "}"], 3),
    addresses: [VIP4, "203.0.113.7", "2001:db8:7::7"],
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
