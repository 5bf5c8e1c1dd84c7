// tsvrrpd against tsvrrpd and against real keepalived (Debian's), VRRPv3 at 0.1 s: election,
// failover after SIGKILL of the master, gratuitous ARP / NA on the wire, the old master's return.
// In the timing group (vitest.config.ts): the failover gap is bounded at 150 ms over a 0.36 s
// down interval. VRRPv2 at 1 s is interop-v2.test.ts.
import { describe, it } from "vitest";
import type { Kind, Mode } from "./daemons.js";
import { interopPairs } from "./interop-pair.js";

const electionAndFailover = interopPairs();
const MODES: Mode[] = ["v3-ipv4", "v3-ipv6", "v3-unicast"];
const PAIRS: [Kind, Kind][] = [
  ["tsvrrpd", "tsvrrpd"],
  ["tsvrrpd", "keepalived"],
  ["keepalived", "tsvrrpd"],
];

describe("interop on a namespace LAN (high priority -> low priority)", () => {
  for (const mode of MODES) {
    for (const [high, low] of PAIRS) {
      it(`${mode}: ${high} (200) vs ${low} (100): election, failover, return`, () => electionAndFailover(high, low, mode), 60_000);
    }
  }
});
