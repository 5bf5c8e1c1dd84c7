// track_file in a vrrp_sync_group (keepalived vrrp.c sync_group_tracking_init: every member tracks
// the group's objects). keepalived or tsvrrpd runs the group on a, the other kind on b: writing the
// group's maintenance file moves both VIPs to b, clearing it brings both back.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startDaemon, twoRouterLabs, type Kind } from "./daemons.js";

const newLab = twoRouterLabs("sgt");
const VIP1 = "198.51.100.101";
const VIP2 = "198.51.100.102";

const conf = (p: number, dir?: string) =>
  (dir ? `track_file maint {\n  file ${dir}/maint\n  weight 0\n  init_file 0\n}\n` : "") +
  [
    ["VI_1", 101, VIP1],
    ["VI_2", 102, VIP2],
  ]
    .map(
      ([name, vrid, vip]) =>
        `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${p}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${vip}\n  }\n}\n`,
    )
    .join("") +
  `vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n${dir ? "  track_file {\n    maint\n  }\n" : ""}}\n`;

const ROLES: [Kind, Kind][] = [
  ["tsvrrpd", "keepalived"],
  ["keepalived", "tsvrrpd"],
];

describe("sync group trackers", () => {
  for (const [aKind, bKind] of ROLES) {
    it(`a track_file in the group moves every member (${aKind} runs the group on a, ${bKind} on b)`, async () => {
      const { lab, running } = newLab();
      const both = (r: string) => lab.holders(VIP1).join() === r && lab.holders(VIP2).join() === r;
      running.push(startDaemon(lab, "a", aKind, conf(200, lab.dir)));
      await waitFor(`${aKind} on a master of the group`, () => both("a"), 10_000);
      const b = startDaemon(lab, "b", bKind, conf(100));
      running.push(b);
      await waitFor(`${bKind} on b in BACKUP`, () => /Entering BACKUP STATE|-> BACKUP/.test(b.output()), 10_000);
      writeFileSync(join(lab.dir, "maint"), "1\n");
      await waitFor("b master of both VIPs", () => both("b"), 5000);
      writeFileSync(join(lab.dir, "maint"), "0\n");
      await waitFor("a master of both VIPs again", () => both("a"), 5000);
    });
  }
});
