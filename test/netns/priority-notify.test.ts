// notify_priority_changes / vrrp_notify_priority_changes in a mixed pair (keepalived 2.2.7
// vrrp_track.c vrrp_set_effective_priority -> vrrp_notify.c send_instance_priority_notifies): each
// effective priority change writes `INSTANCE "VI_1" MASTER_PRIORITY 90` (in MASTER) or
// `... BACKUP_PRIORITY 150` (any other state) to the notify FIFO, no script. a tracks a weighted
// file: 3 x -20 takes it from 150 to 90 (below b's 100, so b preempts), deleting the file brings it
// back to 150 (a preempts back). keepalived and tsvrrpd on a must write the same lines.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startBackup, startMaster, twoRouterLabs, type Kind } from "./daemons.js";
import { fifoGlobalDefs, readFifo } from "./fifo-reader.js";

const newLab = twoRouterLabs("pnc");
const VIP = "198.51.100.61";

const conf = (priority: number, o?: { dir: string; where: "instance" | "global" }) =>
  (o
    ? fifoGlobalDefs(`${o.dir}/a.fifo`, o.where === "global" ? "  vrrp_notify_priority_changes\n" : "") +
      `track_file load {\n  file ${o.dir}/load\n}\n`
    : "") +
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 61\n  priority ${priority}\n  version 3\n  advert_int 0.1\n` +
  (o ? "  track_file {\n    load weight -20\n  }\n" : "") +
  (o?.where === "instance" ? "  notify_priority_changes true\n" : "") +
  `  virtual_ipaddress {\n    ${VIP}\n  }\n}\n`;

const ROLES: [Kind, Kind, "instance" | "global"][] = [
  ["tsvrrpd", "keepalived", "instance"],
  ["keepalived", "tsvrrpd", "instance"],
  ["tsvrrpd", "keepalived", "global"],
  ["keepalived", "tsvrrpd", "global"],
];

describe("notify_priority_changes", () => {
  for (const [aKind, bKind, where] of ROLES) {
    it(`${aKind} on a (set in ${where === "global" ? "global_defs" : "the instance"}), ${bKind} on b: priority lines in the FIFO`, async () => {
      const { lab, running } = newLab();
      const dir = lab.dir;
      const holder = () => lab.holders(VIP).join();
      await startMaster(lab, running, "a", aKind, conf(150, { dir, where }), VIP);
      const r = await readFifo(join(dir, "a.fifo"));
      try {
        await startBackup(lab, running, "b", bKind, conf(100));

        writeFileSync(join(dir, "load"), "3\n"); // 150 - 3 x 20 = 90, while a is still MASTER
        await waitFor("the MASTER_PRIORITY line", () => r.lines().includes('INSTANCE "VI_1" MASTER_PRIORITY 90'), 5000);
        await waitFor("b master while a's priority is 90", () => holder() === "b", 5000);
        await waitFor("a's BACKUP line", () => r.lines().includes('INSTANCE "VI_1" BACKUP 90'), 5000);
        rmSync(join(dir, "load")); // read as 0: back to 150, in BACKUP
        await waitFor("the BACKUP_PRIORITY line", () => r.lines().includes('INSTANCE "VI_1" BACKUP_PRIORITY 150'), 5000);
        await waitFor("a master again", () => holder() === "a", 5000);
        // The second MASTER 150 (the first was at start): the VIP may show before the line is written.
        await waitFor("a's MASTER line", () => r.lines().filter((l) => l === 'INSTANCE "VI_1" MASTER 150').length === 2, 5000);
        // Only the two priority lines, each before the state change it caused.
        const lines = r.lines();
        expect(lines.filter((l) => l.includes("PRIORITY"))).toEqual([
          'INSTANCE "VI_1" MASTER_PRIORITY 90',
          'INSTANCE "VI_1" BACKUP_PRIORITY 150',
        ]);
        // The state lines of the start (BACKUP 150, MASTER 150) come first; take the last ones.
        const at = (l: string) => lines.lastIndexOf(l);
        expect(at('INSTANCE "VI_1" MASTER_PRIORITY 90'), lines.join("\n")).toBeLessThan(at('INSTANCE "VI_1" BACKUP 90'));
        expect(at('INSTANCE "VI_1" BACKUP_PRIORITY 150'), lines.join("\n")).toBeLessThan(at('INSTANCE "VI_1" MASTER 150'));
      } finally {
        r.close();
      }
    });
  }
});
