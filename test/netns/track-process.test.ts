// vrrp_track_process next to keepalived. Debian's keepalived 2.2.7 is built without track_process
// (its `--version` lists no TRACK_PROCESS), so the tracking side is tsvrrpd in both roles and
// keepalived is the peer: as the master it tracks a weight-0 process (FAULT when it stops), as
// the backup a weighted one (+100 while it runs, so it preempts keepalived). The semantics follow
// keepalived's source (core/track_process.c, vrrp_track.c process_update_track_process_status).
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startDaemon, twoRouterLabs } from "./daemons.js";

const newLab = twoRouterLabs("tpr");
const VIP = "198.51.100.81";
const procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill("SIGKILL");
});

const conf = (priority: number, track?: string) =>
  (track ? `vrrp_track_process svc {\n  process trkproc\n${track}}\n` : "") +
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 81\n  priority ${priority}\n  version 3\n  advert_int 0.1\n` +
  (track ? "  track_process {\n    svc\n  }\n" : "") +
  `  virtual_ipaddress {\n    ${VIP}\n  }\n}\n`;

describe("vrrp_track_process", () => {
  it("weight 0 on the master (tsvrrpd, keepalived the backup): the process stops, the VIP moves; it starts, the VIP comes back", async () => {
    const { lab, running } = newLab();
    // A process whose comm is trkproc: sleep under another name.
    const bin = join(lab.dir, "trkproc");
    copyFileSync("/bin/sleep", bin);
    const run = () => {
      const p = spawn(bin, ["600"], { stdio: "ignore" });
      procs.push(p);
      return p;
    };
    let p = run();
    const holder = () => lab.holders(VIP).join();
    running.push(startDaemon(lab, "a", "tsvrrpd", conf(150, "  weight 0\n")));
    await waitFor("tsvrrpd on a master", () => holder() === "a", 10_000);
    const b = startDaemon(lab, "b", "keepalived", conf(100));
    running.push(b);
    await waitFor("keepalived on b in BACKUP", () => /Entering BACKUP STATE/.test(b.output()), 10_000);
    p.kill("SIGKILL");
    await waitFor("b master once the process is gone", () => holder() === "b", 5000);
    p = run();
    await waitFor("a master again once it runs", () => holder() === "a", 5000);
  });

  it("weighted on the backup (tsvrrpd, keepalived the master): +100 while the process runs preempts keepalived", async () => {
    const { lab, running } = newLab();
    const bin = join(lab.dir, "trkproc");
    copyFileSync("/bin/sleep", bin);
    const holder = () => lab.holders(VIP).join();
    running.push(startDaemon(lab, "a", "keepalived", conf(150)));
    await waitFor("keepalived on a master", () => holder() === "a", 10_000);
    const b = startDaemon(lab, "b", "tsvrrpd", conf(100, "  weight 100\n"));
    running.push(b);
    await waitFor("tsvrrpd on b in BACKUP", () => /-> BACKUP/.test(b.output()), 10_000);
    const p = spawn(bin, ["600"], { stdio: "ignore" });
    procs.push(p);
    await waitFor("b (200 with the process) master", () => holder() === "b", 5000);
    p.kill("SIGKILL");
    await waitFor("a master again (b back at 100)", () => holder() === "a", 5000);
  });
});
