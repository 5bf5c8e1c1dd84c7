// keepalived.conf forms that real files use, read the same way by keepalived and tsvrrpd: each
// runs as a mixed pair in both roles (one master, the right one, takeover when it dies).
import { describe, it } from "vitest";
import { VIP4, twoRouterLabs, type Kind } from "./daemons.js";
import { ROUTER_ADDR, mixedPair, type PairCase } from "./mixed-pair.js";

const newLab = twoRouterLabs("cfid");
const ROLES: [Kind, Kind][] = [
  ["tsvrrpd", "keepalived"],
  ["keepalived", "tsvrrpd"],
];

function instance(router: "a" | "b", priority: number, body: string[], version: 2 | 3): string {
  return [
    "global_defs {",
    `  router_id ${router}`,
    "  vrrp_garp_master_delay 0",
    "}",
    "vrrp_instance VI_1 {",
    "  state BACKUP",
    "  interface eth0",
    "  virtual_router_id 51",
    `  priority ${priority}`,
    `  version ${version}`,
    `  advert_int ${version === 2 ? 1 : 0.1}`,
    ...body.map((l) => `  ${l}`),
    "}",
    "",
  ].join("\n");
}

const vips = ["virtual_ipaddress {", `  ${VIP4}`, "}"];
const peerOf = (r: "a" | "b") => ROUTER_ADDR[r === "a" ? "b" : "a"];

const CASES: Record<string, PairCase> = {
  // keepalived: no auth_type = no authentication (vrrp.c vrrp_complete_instance).
  "auth_pass without auth_type": {
    conf: (r, p) => instance(r, p, ["authentication {", "  auth_pass s3cret", "}", ...vips], 2),
    addresses: [VIP4],
    intervalSec: 1,
  },
  // keepalived: only the first word is the password (vrrp_parser.c vrrp_auth_pass_handler).
  "auth_pass of two unquoted words": {
    conf: (r, p) => instance(r, p, ["authentication {", "  auth_type PASS", "  auth_pass abc def", "}", ...vips], 2),
    addresses: [VIP4],
    intervalSec: 1,
  },
  // keepalived: ADDR/PREFIX accepted, prefix ignored (vrrp_parser.c vrrp_srcip_handler).
  "unicast_src_ip with a prefix": {
    conf: (r, p) => instance(r, p, [`unicast_src_ip ${ROUTER_ADDR[r]}/24`, "unicast_peer {", `  ${peerOf(r)}/24`, "}", ...vips], 3),
    addresses: [VIP4],
    intervalSec: 0.1,
  },
  // Added and removed with the VIPs, not advertised.
  "virtual_ipaddress_excluded": {
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

  // v3 unicast: keepalived with `old_unicast_checksum` puts 224.0.0.18 in the pseudo-header; the
  // other side (without the keyword) must accept that form and switch to it (vrrp.c vrrp_in_chk).
  for (const oldOn of ["keepalived", "tsvrrpd"] as Kind[]) {
    const c: PairCase = {
      conf: () => "",
      addresses: [VIP4],
      intervalSec: 0.1,
    };
    for (const [high, low] of ROLES) {
      it(`v3 unicast, old_unicast_checksum on ${oldOn} only: ${high} master, ${low} backup`, async () => {
        const { lab, running } = newLab();
        const kindOf = { a: high, b: low };
        const conf = (r: "a" | "b", p: number) =>
          instance(r, p, [`unicast_src_ip ${ROUTER_ADDR[r]}`, "unicast_peer {", `  ${peerOf(r)}`, "}", ...(kindOf[r] === oldOn ? ["old_unicast_checksum"] : []), ...vips], 3);
        // keepalived with the keyword rejects the new form (vrrp.c vrrp_in_chk), so as the backup it
        // takes over once and yields at the master's answer, as it does next to another keepalived.
        const transientBackupMaster = low === "keepalived" && oldOn === "keepalived";
        await mixedPair(lab, running, { ...c, conf, transientBackupMaster }, high, low);
      });
    }
  }
});
