// SIGHUP and FAULT with keepalived as the peer (issue 26 item 2). An instance in FAULT because of
// a weight-0 track_script or track_interface leaves FAULT when a reload removes that tracker, and
// a reload that adds a weight-0 track_interface on a down link puts it in FAULT: keepalived works
// FAULT out again from the new file (vrrp.c vrrp_complete_init, vrrp_track.c
// initialise_tracking_priorities). Both kinds take the reloaded role, so keepalived's own
// behaviour is checked on the same LAN.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { holdsFor, startDaemon, twoRouterLabs, type Kind, type Running } from "./daemons.js";

const newLab = twoRouterLabs("rlf");
const VIP = "198.51.100.61";

function conf(o: { priority: number; check?: boolean; trackLink?: boolean }): string {
  return [
    "global_defs {",
    "  vrrp_garp_master_delay 0",
    "}",
    ...(o.check ? ["vrrp_script chk {", '  script "/bin/false"', "  interval 1", "  fall 1", "  rise 1", "}"] : []),
    "vrrp_instance VI_1 {",
    "  interface eth0",
    "  virtual_router_id 61",
    `  priority ${o.priority}`,
    "  version 3",
    "  advert_int 0.1",
    ...(o.check ? ["  track_script {", "    chk", "  }"] : []),
    ...(o.trackLink ? ["  track_interface {", "    t0", "  }"] : []),
    "  virtual_ipaddress {",
    `    ${VIP}`,
    "  }",
    "}",
    "",
  ].join("\n");
}

const ROLES: [Kind, Kind][] = [
  ["tsvrrpd", "keepalived"],
  ["keepalived", "tsvrrpd"],
];

/** Rewrites the reloaded daemon's file and sends SIGHUP; returns when it was sent (ms). */
function reload(dir: string, d: Running, text: string): number {
  writeFileSync(join(dir, `${d.router}.conf`), text);
  process.kill(d.child.pid!, "SIGHUP");
  return Date.now();
}

describe("reload in FAULT", () => {
  for (const [aKind, bKind] of ROLES) {
    it(`removing the failing tracker ends FAULT, adding one on a down link starts it (${aKind} reloaded, ${bKind} the peer)`, async () => {
      const { lab, running } = newLab();
      // t0 is up without carrier: its peer t1 is down.
      lab.exec("a", "ip", ["link", "add", "t0", "type", "veth", "peer", "name", "t1"]);
      lab.exec("a", "ip", ["link", "set", "t0", "up"]);
      const only = (r: string) => lab.holders(VIP).join() === r;

      // b (100) is master while a (200) is in FAULT: its weight-0 check fails.
      const b = startDaemon(lab, "b", bKind, conf({ priority: 100 }));
      running.push(b);
      await waitFor(`${bKind} on b master`, () => only("b"), 10_000);
      const a = startDaemon(lab, "a", aKind, conf({ priority: 200, check: true }));
      running.push(a);
      // keepalived 2.2.7 logs no state line for an instance whose check fails before it left INIT:
      // the check's failure, then a whole window in which a at 200 does not preempt b, is FAULT.
      await waitFor(`${aKind} on a: the check failed`, () => a.output().includes("VRRP_Script(chk) failed"), 10_000);
      await holdsFor(1000, () => expect(only("b"), "a in FAULT must not take the VIP").toBe(true));

      // The check removed: a leaves FAULT and, at 200, takes the VIP from b.
      let sent = reload(lab.dir, a, conf({ priority: 200 }));
      await waitFor(`${aKind} on a master after the check was removed`, () => only("a"), 5000);
      console.log(`${aKind}: master ${Date.now() - sent} ms after the SIGHUP that removed the failing check`);

      // A weight-0 track_interface added on a down link: FAULT, b takes over.
      reload(lab.dir, a, conf({ priority: 200, trackLink: true }));
      await waitFor(`${aKind} on a in FAULT after track_interface t0 (down) was added; ${bKind} on b master`, () => only("b"), 5000);
      await holdsFor(500, () => expect(only("b"), "a in FAULT must not take the VIP back").toBe(true));

      // The down track_interface removed: a master again.
      sent = reload(lab.dir, a, conf({ priority: 200 }));
      await waitFor(`${aKind} on a master after the down track_interface was removed`, () => only("a"), 5000);
      console.log(`${aKind}: master ${Date.now() - sent} ms after the SIGHUP that removed the down track_interface`);
      expect(a.child.exitCode).toBeNull();
      expect(b.child.exitCode).toBeNull();
    });
  }
});
