// A sync group whose members fail one after the other (found by the router's seeded scenarios):
// VI_1's tracked link fails (the group goes to FAULT), then VI_2's while it is already pulled in,
// then VI_1's comes back. The group must stay in FAULT until VI_2's link is back too; the old
// runtime brought VI_1 back alone and the two VIPs split between the routers. keepalived does the
// same as tsvrrpd now (vrrp_track.c, sync->num_member_fault): both kinds run the group on a.
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { holdsFor, startDaemon, twoRouterLabs, type Kind } from "./daemons.js";

const newLab = twoRouterLabs("sgf");
const VIP1 = "198.51.100.31";
const VIP2 = "198.51.100.32";

const conf = (p: number, tracked: boolean) =>
  "global_defs {\n  vrrp_garp_master_delay 0\n}\n" +
  [
    ["VI_1", 71, VIP1, "t0"],
    ["VI_2", 72, VIP2, "u0"],
  ]
    .map(
      ([name, vrid, vip, track]) =>
        `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${p}\n  version 3\n  advert_int 0.1\n${tracked ? `  track_interface {\n    ${track}\n  }\n` : ""}  virtual_ipaddress {\n    ${vip}\n  }\n}\n`,
    )
    .join("") +
  "vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\n";

const ROLES: [Kind, Kind][] = [
  ["tsvrrpd", "keepalived"],
  ["keepalived", "tsvrrpd"],
];

describe("sync group: members failing one after the other", () => {
  for (const [aKind, bKind] of ROLES) {
    it(`the group stays in FAULT until every member's own fault is gone (${aKind} runs the tracked group, ${bKind} the peer)`, async () => {
      const { lab, running } = newLab();
      // Tracked links on a: veth pairs inside a's namespace (t0's carrier follows t1).
      for (const [x, y] of [
        ["t0", "t1"],
        ["u0", "u1"],
      ]) {
        lab.exec("a", "ip", ["link", "add", x!, "type", "veth", "peer", "name", y!]);
        lab.exec("a", "ip", ["link", "set", x!, "up"]);
        lab.exec("a", "ip", ["link", "set", y!, "up"]);
      }
      const both = (r: string) => lab.holders(VIP1).join() === r && lab.holders(VIP2).join() === r;
      running.push(startDaemon(lab, "a", aKind, conf(200, true)));
      await waitFor(`${aKind} on a master of the group`, () => both("a"), 10_000);
      const b = startDaemon(lab, "b", bKind, conf(100, false));
      running.push(b);
      await waitFor(`${bKind} on b in BACKUP`, () => /Entering BACKUP STATE|-> BACKUP/.test(b.output()), 10_000);

      lab.exec("a", "ip", ["link", "set", "t1", "down"]); // VI_1's own fault: the group goes to FAULT
      await waitFor("b master of the whole group", () => both("b"), 5000);
      lab.exec("a", "ip", ["link", "set", "u1", "down"]); // VI_2's own fault, while already pulled in
      await holdsFor(300, () => expect(both("b")).toBe(true));
      lab.exec("a", "ip", ["link", "set", "t1", "up"]); // VI_1 is fine again, VI_2 is not
      await holdsFor(1200, () => expect(both("b"), "the group came back on a with VI_2 still failing (split)").toBe(true));
      lab.exec("a", "ip", ["link", "set", "u1", "up"]);
      await waitFor("a master of the whole group again", () => both("a"), 5000);
    });
  }
});
