// track_file in a mixed pair (keepalived trackers/track_file.c): a weight-0 maintenance switch and
// a weighted file on the higher-priority router, keepalived or tsvrrpd on either side. Writing the
// switch hands the VIP over, clearing it takes it back; the weighted file's number times -20 drops
// the priority below the peer's, and deleting the file (read as 0) restores it.
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startDaemon, twoRouterLabs, type Kind } from "./daemons.js";

const newLab = twoRouterLabs("tfl");
const VIP = "198.51.100.41";

const conf = (priority: number, dir?: string) =>
  (dir ? `track_file maint {\n  file ${dir}/maint\n  weight 0\n  init_file 0\n}\n` + `track_file load {\n  file ${dir}/load\n}\n` : "") +
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 41\n  priority ${priority}\n  version 3\n  advert_int 0.1\n` +
  (dir ? "  track_file {\n    maint\n    load weight -20\n  }\n" : "") +
  `  virtual_ipaddress {\n    ${VIP}\n  }\n}\n`;

const ROLES: [Kind, Kind][] = [
  ["tsvrrpd", "keepalived"],
  ["keepalived", "tsvrrpd"],
];

describe("track_file", () => {
  for (const [aKind, bKind] of ROLES) {
    it(`a maintenance switch and a weighted file move the VIP (${aKind} tracks the files, ${bKind} is the peer)`, async () => {
      const { lab, running } = newLab();
      const dir = lab.dir;
      const holder = () => lab.holders(VIP).join();
      running.push(startDaemon(lab, "a", aKind, conf(150, dir)));
      await waitFor(`${aKind} on a master`, () => holder() === "a", 10_000);
      // init_file 0: the missing file is created with keepalived's "%d\n".
      expect(readFileSync(join(dir, "maint"), "utf8")).toBe("0\n");
      const b = startDaemon(lab, "b", bKind, conf(100));
      running.push(b);
      await waitFor(`${bKind} on b in BACKUP`, () => /Entering BACKUP STATE|-> BACKUP/.test(b.output()), 10_000);

      writeFileSync(join(dir, "maint"), "1\n"); // maintenance on: a goes to FAULT
      await waitFor("b master while a is in maintenance", () => holder() === "b", 5000);
      writeFileSync(join(dir, "maint"), "0\n");
      await waitFor("a master again after maintenance", () => holder() === "a", 5000);

      writeFileSync(join(dir, "load"), "3\n"); // 150 - 3 * 20 = 90 < 100: b preempts
      await waitFor("b master while a's priority is 90", () => holder() === "b", 5000);
      rmSync(join(dir, "load")); // a deleted file reads 0: a is back at 150
      await waitFor("a master again once the file is gone", () => holder() === "a", 5000);
    });
  }
});
