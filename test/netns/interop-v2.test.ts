// tsvrrpd against real keepalived (Debian's) with VRRPv2 and PASS authentication at 1 s adverts,
// both roles: election, failover after SIGKILL, gratuitous ARP, return under preempt. A functional
// file (in parallel with others): its failover gap is bounded at 150 ms over a 3.6 s down
// interval, beyond what an idle process was stalled meanwhile. A tsvrrpd pair at 1 s adds nothing
// the v3 pairs and these mixed pairs do not cover (the v2 codec is byte-checked against
// keepalived's adverts), so it does not run.
import { describe, it } from "vitest";
import type { Kind } from "./daemons.js";
import { interopPairs } from "./interop-pair.js";

const electionAndFailover = interopPairs();
const PAIRS: [Kind, Kind][] = [
  ["tsvrrpd", "keepalived"],
  ["keepalived", "tsvrrpd"],
];

describe("interop on a namespace LAN, VRRPv2 (high priority -> low priority)", () => {
  for (const [high, low] of PAIRS) {
    it(`v2-pass: ${high} (200) vs ${low} (100): election, failover, return`, () => electionAndFailover(high, low, "v2-pass"), 60_000);
  }
});
