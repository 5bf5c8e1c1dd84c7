// What the keepalived.conf fidelity files (conf-fidelity*.test.ts) share: both roles of a mixed
// pair, and one vrrp_instance as those files write it.
import { VIP4, type Kind } from "./daemons.js";
import { ROUTER_ADDR } from "./mixed-pair.js";

export const ROLES: [Kind, Kind][] = [
  ["tsvrrpd", "keepalived"],
  ["keepalived", "tsvrrpd"],
];

export function instance(router: "a" | "b", priority: number, body: string[], version: 2 | 3): string {
  return [
    "global_defs {",
    `  router_id ${router}`,
    "  vrrp_garp_master_delay 0",
    "}",
    "vrrp_instance VI_1 {",
    // The high-priority router starts as MASTER (one interval instead of a down interval): the
    // usual way such pairs are configured, and a shorter wait with 1 s VRRPv2 adverts.
    `  state ${priority === 200 ? "MASTER" : "BACKUP"}`,
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

export const vips = ["virtual_ipaddress {", `  ${VIP4}`, "}"];
export const peerOf = (r: "a" | "b") => ROUTER_ADDR[r === "a" ? "b" : "a"];
