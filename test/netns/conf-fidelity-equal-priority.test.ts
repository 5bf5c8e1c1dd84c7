// keepalived.conf and who is master in a mixed pair: equal priorities after a partition heals.
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { addressBytes } from "../../src/vrrp/address.js";
import { VIP4, holdsWhileAdvertising, startDaemon, twoRouterLabs } from "./daemons.js";
import { ROLES, instance } from "./fidelity.js";
import { ROUTER_ADDR } from "./mixed-pair.js";

const newLab = twoRouterLabs("cfeq");
/** The down interval (ms) of a backup at this priority, VRRPv3 at 0.1 s. */
const DOWN_MS = (priority: number) => 300 + ((256 - priority) / 256) * 100;

describe("keepalived.conf fidelity in a mixed pair: election", () => {
  // Equal priorities (RFC 5798 6.4.3, keepalived vrrp.c): where two masters meet, the higher
  // primary address stays. Both run, then b's port leaves the bridge (two masters) and comes back.
  for (const family of [4, 6] as const) {
    for (const [aKind, bKind] of ROLES) {
      it(`IPv${family} equal priority: after a partition heals, the higher address is the one master (${aKind} on a, ${bKind} on b)`, async () => {
        const { lab, running } = newLab();
        const vip = family === 4 ? VIP4 : "2001:db8:1::10";
        const conf = (r: "a" | "b") => instance(r, 100, ["virtual_ipaddress {", `  ${vip}`, "}"], 3);
        running.push(startDaemon(lab, "a", aKind, conf("a")));
        await waitFor("one master", () => lab.holders(vip).length === 1, 10_000);
        running.push(startDaemon(lab, "b", bKind, conf("b")));
        await waitFor(`${bKind} on b in BACKUP`, () => /Entering BACKUP STATE|-> BACKUP/.test(running[1]!.output()), 10_000);
        const source = (r: "a" | "b"): string => {
          if (family === 4) return ROUTER_ADDR[r];
          const j = JSON.parse(lab.exec(r, "ip", ["-j", "-6", "addr", "show", "dev", "eth0", "scope", "link"])) as {
            addr_info: { local?: string }[];
          }[];
          return j[0]!.addr_info.find((x) => x.local)!.local!; // iproute2 leaves {} for filtered addresses
        };
        const bytes = (a: string) => Buffer.from(addressBytes(a));
        const winner = Buffer.compare(bytes(source("a")), bytes(source("b"))) > 0 ? "a" : "b";
        lab.exec(null, "ip", ["link", "set", "dev", lab.port("b"), "nomaster"]);
        await waitFor("two masters while split", () => lab.holders(vip).length === 2, 5000);
        lab.exec(null, "ip", ["link", "set", "dev", lab.port("b"), "master", "br0"]);
        await waitFor(`${winner} (the higher address) the one master`, () => lab.holders(vip).join() === winner, 5000);
        await holdsWhileAdvertising(lab, winner, DOWN_MS(100), 1000, () => expect(lab.holders(vip)).toEqual([winner]));
      });
    }
  }
});
