// notify_master / notify_backup / notify_fault / notify_stop in the order of the transitions,
// STOP on a clean shutdown; and a VRRPv2 advert interval mismatch on the wire with keepalived.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startDaemon, statusOf, twoRouterLabs } from "./daemons.js";

const newLab = twoRouterLabs("ntf");
const VIP = "198.51.100.10";

describe("specific notify scripts", () => {
  it("MASTER, FAULT (link down), BACKUP and MASTER again (link up), STOP on SIGTERM, each once and in order", async () => {
    const { lab, running } = newLab();
    const log = join(lab.dir, "states.log");
    const mk = (state: string) => {
      const p = join(lab.dir, `${state}.sh`);
      writeFileSync(p, `#!/bin/sh\necho ${state} >> ${log}\n`);
      chmodSync(p, 0o755);
      return p;
    };
    const lines = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
    const conf = `global_defs {\n  vrrp_garp_master_delay 0\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 71\n  priority 200\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}\n  }\n  notify_master ${mk("MASTER")}\n  notify_backup ${mk("BACKUP")}\n  notify_fault ${mk("FAULT")}\n  notify_stop ${mk("STOP")}\n}\n`;
    const d = startDaemon(lab, "a", "tsvrrpd", conf);
    running.push(d);
    await waitFor("MASTER notified", () => lines().at(-1) === "MASTER", 10_000);
    lab.exec("a", "ip", ["link", "set", "eth0", "down"]);
    await waitFor("FAULT notified", () => lines().at(-1) === "FAULT", 5000);
    lab.exec("a", "ip", ["link", "set", "eth0", "up"]);
    await waitFor("MASTER notified again", () => lines().filter((l) => l === "MASTER").length === 2, 5000);
    const exited = new Promise<number | null>((r) => d.child.on("exit", (code) => r(code)));
    lab.killAll("a", "SIGTERM");
    expect(await exited).toBe(0);
    await waitFor("STOP notified", () => lines().at(-1) === "STOP", 5000);
    expect(lines()).toEqual(["BACKUP", "MASTER", "FAULT", "BACKUP", "MASTER", "STOP"]);
  });
});

describe("VRRPv2 advert interval mismatch with keepalived", () => {
  // One run covers both directions: tsvrrpd counts keepalived's adverts as BAD_INTERVAL, and
  // keepalived logs the mismatch for tsvrrpd's (vrrp.c vrrp_check_packet: v2 intervals must match).
  it("tsvrrpd at 1 s and keepalived at 2 s drop each other's adverts, as keepalived does: both master", async () => {
    const { lab, running } = newLab();
    const conf = (p: number, interval: number) =>
      `global_defs {\n  vrrp_garp_master_delay 0\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 72\n  priority ${p}\n  version 2\n  advert_int ${interval}\n  authentication {\n    auth_type PASS\n    auth_pass s3cr3t\n  }\n  virtual_ipaddress {\n    ${VIP}\n  }\n}\n`;
    running.push(startDaemon(lab, "a", "tsvrrpd", conf(200, 1)));
    const ka = startDaemon(lab, "b", "keepalived", conf(100, 2));
    running.push(ka);
    // b's down interval at 2 s is about 6.6 s: both end up master, each dropping the other's adverts.
    await waitFor("both master", () => lab.holders(VIP).sort().join() === "a,b", 15_000);
    const st = await statusOf<{ instances: { stats: { drops: Record<string, number> } }[] }>(join(lab.dir, "a.pid.sock"));
    const drops = st.instances[0]!.stats.drops;
    expect(drops.BAD_INTERVAL ?? 0).toBeGreaterThan(0);
    await waitFor("keepalived reports the mismatch", () => /advertisement interval mismatch/i.test(ka.output()), 5000);
  }, 30_000);
});
