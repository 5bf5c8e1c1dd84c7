// keepalived.conf and who is master in a mixed pair: sync groups and track_script weights.
// (Equal priorities after a partition: conf-fidelity-equal-priority.)
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { VIP4, crash, holdsWhileAdvertising, startDaemon, twoRouterLabs } from "./daemons.js";
import { ROLES, instance, vips } from "./fidelity.js";

const newLab = twoRouterLabs("cfel");
/** The down interval (ms) of a backup at this priority, VRRPv3 at 0.1 s. */
const DOWN_MS = (priority: number) => 300 + ((256 - priority) / 256) * 100;

describe("keepalived.conf fidelity in a mixed pair: election", () => {
  // keepalived vrrp_sync.c vrrp_sync_can_goto_master: a group member whose down timer expires
  // goes MASTER only when every member wants MASTER. Router a runs VI_1 only; on b, VI_1 and
  // VI_2 are one group: VI_2 hears nobody but must wait for VI_1, which hears a.
  for (const [aKind, bKind] of ROLES) {
    it(`sync group: a member goes MASTER only with the whole group (${aKind} runs VI_1 alone, ${bKind} the group)`, async () => {
      const { lab, running } = newLab();
      const VIP2 = "198.51.100.20";
      const vi = (name: string, vrid: number, p: number, vip: string) =>
        `vrrp_instance ${name} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${p}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${vip}\n  }\n}\n`;
      const global = "global_defs {\n  vrrp_garp_master_delay 0\n}\n";
      running.push(startDaemon(lab, "a", aKind, global + vi("VI_1", 61, 200, VIP4)));
      await waitFor(`${aKind} on a master of VI_1`, () => lab.holders(VIP4).join() === "a", 10_000);
      const b = startDaemon(
        lab,
        "b",
        bKind,
        global + vi("VI_1", 61, 100, VIP4) + vi("VI_2", 62, 100, VIP2) + "vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\n",
      );
      running.push(b);
      await waitFor(`${bKind} on b in BACKUP`, () => /Entering BACKUP STATE|-> BACKUP/.test(b.output()), 10_000);
      // Several of VI_2's down intervals: it must not go MASTER while VI_1 hears a.
      await holdsWhileAdvertising(lab, "a", DOWN_MS(100), 1500, () => {
        expect(lab.holders(VIP2), "VI_2 of b's group stays BACKUP").toEqual([]);
        expect(lab.holders(VIP4)).toEqual(["a"]);
      });
      crash(lab, "a");
      // (a's VIP stays on a's interface: it was killed, not stopped)
      await waitFor(
        "b master of the whole group",
        () => {
          const [h4, h2] = lab.holdersOf([VIP4, VIP2]);
          return h4!.split(",").includes("b") && h2 === "b";
        },
        5000,
      );
    });
  }

  // `weight N reverse` (keepalived vrrp_track.c, weight_multiplier -1): a healthy check with
  // weight 150 reverse takes 150 off a's 200, so b's 100 wins. Read as a plain weight, a would
  // advertise 254 and keep the VIP.
  for (const [aKind, bKind] of ROLES) {
    it(`track_script weight ... reverse: ${aKind} on a at 200 - 150 loses to ${bKind} on b at 100`, async () => {
      const { lab, running } = newLab();
      chmodSync(lab.dir, 0o755);
      const ok = join(lab.dir, "ok.sh");
      writeFileSync(ok, "#!/bin/sh\nexit 0\n");
      chmodSync(ok, 0o755);
      const script = `vrrp_script chk {\n  script "${ok}"\n  interval 0.2\n  weight 150 reverse\n}\n`;
      const a = startDaemon(lab, "a", aKind, script + instance("a", 200, [...vips, "track_script {", "  chk", "}"], 3));
      running.push(a);
      running.push(startDaemon(lab, "b", bKind, instance("b", 100, vips, 3)));
      await waitFor("b master, a not", () => lab.holders(VIP4).join() === "b", 10_000);
      await holdsWhileAdvertising(lab, "b", DOWN_MS(200 - 150), 1500, () => expect(lab.holders(VIP4)).toEqual(["b"]));
      expect(a.child.exitCode).toBeNull(); // a is running, just lower
    });
  }
});
