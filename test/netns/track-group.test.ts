// track_group in a mixed pair (keepalived 2.2.7 vrrp_static_track.c static_track_group_init): a's
// static route `203.0.113.0/24 dev x0 track_group G` makes G's instance VI_1 track x0 with weight
// 0, so x0 going down puts a in FAULT and b (the other daemon) takes the VIP; x0 back up, a takes it
// back. x0 is a veth inside a's namespace, its peer x1 beside it.
import { describe, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startDaemon, twoRouterLabs, type Kind } from "./daemons.js";

const newLab = twoRouterLabs("tgr");
const VIP = "198.51.100.62";

const conf = (priority: number, tracked: boolean) =>
  (tracked ? `track_group G {\n  group {\n    VI_1\n  }\n}\nstatic_routes {\n  203.0.113.0/24 dev x0 track_group G\n}\n` : "") +
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 62\n  priority ${priority}\n  version 3\n  advert_int 0.1\n` +
  `  virtual_ipaddress {\n    ${VIP}\n  }\n}\n`;

const ROLES: [Kind, Kind][] = [
  ["tsvrrpd", "keepalived"],
  ["keepalived", "tsvrrpd"],
];

describe("track_group", () => {
  for (const [aKind, bKind] of ROLES) {
    it(`a static route's interface going down faults the group's instance (${aKind} on a, ${bKind} on b)`, async () => {
      const { lab, running } = newLab();
      const holder = () => lab.holders(VIP).join();
      lab.exec("a", "ip", ["link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
      lab.exec("a", "ip", ["link", "set", "x1", "up"]);
      lab.exec("a", "ip", ["link", "set", "x0", "up"]);
      running.push(startDaemon(lab, "a", aKind, conf(150, true)));
      await waitFor(`${aKind} on a master`, () => holder() === "a", 10_000);
      const b = startDaemon(lab, "b", bKind, conf(100, false));
      running.push(b);
      await waitFor(`${bKind} on b in BACKUP`, () => /Entering BACKUP STATE|-> BACKUP/.test(b.output()), 10_000);

      lab.exec("a", "ip", ["link", "set", "x0", "down"]);
      await waitFor("b master while a's tracked x0 is down", () => holder() === "b", 5000);
      lab.exec("a", "ip", ["link", "set", "x0", "up"]);
      await waitFor("a master again once x0 is up", () => holder() === "a", 5000);
    });
  }
});
