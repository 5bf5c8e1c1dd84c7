// Health tracking on a namespace LAN: a dead service moves the VIP, notify scripts see every
// transition, weights move priority without FAULT, sync groups move together.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Lab, waitFor } from "../../lab/netns.js";
import { startDaemon, twoRouterLabs } from "./daemons.js";

const newLab = twoRouterLabs("hlt");

const VIP = "198.51.100.10";
const VIP2 = "198.51.100.20";
const INTERVAL_MS = 300;

function files(lab: Lab) {
  // A TCP connect to the service (bash's /dev/tcp: exit 0 when it connects, 1 when refused). A
  // Node script did the same at ~0.3 s of CPU per run, every 0.3 s: past its 1 s timeout on a
  // loaded machine, so the check failed for the machine, not the service.
  const check = join(lab.dir, "check-port.sh");
  writeFileSync(check, `#!/bin/bash\nexec 3<>"/dev/tcp/127.0.0.1/$1"\n`);
  chmodSync(check, 0o755);
  const notify = join(lab.dir, "notify.sh");
  writeFileSync(notify, `#!/bin/sh\necho "$1 $2 $3 $4" >> ${lab.dir}/notify-$ROUTER.log\n`);
  chmodSync(notify, 0o755);
  return { check, notify };
}

function conf(o: {
  check: string;
  notify: string;
  router: string;
  priority: number;
  weight?: number;
  port?: number;
  sync?: boolean;
}): string {
  const port = o.port ?? 8080;
  const track = `  track_script {\n    chk_svc${o.weight !== undefined ? ` weight ${o.weight}` : ""}\n  }`;
  const inst = (name: string, vrid: number, vip: string, tracked: boolean) => `vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${vrid}
  priority ${o.priority}
  version 3
  advert_int 0.1
  virtual_ipaddress {
    ${vip}
  }
${tracked ? track : ""}
  notify ${o.notify}
}
`;
  return `global_defs {
  vrrp_garp_master_delay 0
}
vrrp_script chk_svc {
  script "${o.check} ${port}"
  interval ${INTERVAL_MS / 1000}
  timeout 1
  rise 2
  fall 2
}
${inst("VI_1", 1, VIP, true)}${o.sync ? inst("VI_2", 2, VIP2, false) + "vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  notify " + o.notify + "\n}\n" : ""}`;
}

function listen(lab: Lab, router: string, port = 8080) {
  const child = lab.spawn(router, "node", [
    "-e",
    `require("node:net").createServer((s) => s.end()).listen(${port}, "127.0.0.1", () => console.log("listening"))`,
  ]);
  listening.push(
    new Promise<void>((resolve) => {
      child.stdout?.on("data", (d: Buffer) => d.toString().includes("listening") && resolve());
      child.on("exit", () => resolve()); // killed with its lab: nothing to wait for
    }),
  );
  return child;
}

/** Services started by listen() that have not been waited for yet. */
const listening: Promise<void>[] = [];
async function servicesUp(): Promise<void> {
  await Promise.all(listening.splice(0));
}

function notifyLog(lab: Lab, router: string): string[] {
  const f = join(lab.dir, `notify-${router}.log`);
  return existsSync(f) ? readFileSync(f, "utf8").trim().split("\n") : [];
}

describe("health tracking", () => {
  it("a dead TCP service on the master moves the VIP within fall x interval + down interval, and back under preempt; notify sees every transition", async () => {
    const { lab, running } = newLab();
    const f = files(lab);
    const svcA = listen(lab, "a");
    listen(lab, "b");
    await servicesUp();
    // a first: b then joins as BACKUP only, which makes the notify sequences exact
    running.push(startDaemon(lab, "a", "tsvrrpd", conf({ ...f, router: "a", priority: 200 }), "", { ROUTER: "a" }));
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    running.push(startDaemon(lab, "b", "tsvrrpd", conf({ ...f, router: "b", priority: 100 }), "", { ROUTER: "b" }));
    await waitFor("b BACKUP", () => notifyLog(lab, "b").length === 1, 5000);
    const stoppedAt = Date.now();
    svcA.kill("SIGKILL");
    await waitFor("b master", () => lab.holders(VIP).join() === "b", 5000, 20);
    const moved = Date.now() - stoppedAt;
    // fall (2) failures at most 2 intervals apart, each bounded by the check's 1 s timeout, then
    // FAULT sends priority 0 and b waits the skew only: a generous bound, far below "never".
    expect(moved).toBeLessThan(2 * INTERVAL_MS + 1000 + 361 + 1500);
    listen(lab, "a");
    await waitFor("a master again", () => lab.holders(VIP).join() === "a", 5000);
    await waitFor("every notify run", () => notifyLog(lab, "a").length >= 5 && notifyLog(lab, "b").length >= 3, 5000);
    expect(notifyLog(lab, "a")).toEqual([
      "INSTANCE VI_1 BACKUP 200",
      "INSTANCE VI_1 MASTER 200",
      "INSTANCE VI_1 FAULT 200",
      "INSTANCE VI_1 BACKUP 200",
      "INSTANCE VI_1 MASTER 200",
    ]);
    expect(notifyLog(lab, "b")).toEqual(["INSTANCE VI_1 BACKUP 100", "INSTANCE VI_1 MASTER 100", "INSTANCE VI_1 BACKUP 100"]);
  });

  it("a negative weight lowers the advertised priority instead of FAULT: the backup preempts", async () => {
    const { lab, running } = newLab();
    const f = files(lab);
    const svcA = listen(lab, "a");
    listen(lab, "b");
    await servicesUp();
    running.push(startDaemon(lab, "b", "tsvrrpd", conf({ ...f, router: "b", priority: 100 }), "", { ROUTER: "b" }));
    const a = startDaemon(lab, "a", "tsvrrpd", conf({ ...f, router: "a", priority: 200, weight: -150 }), "", { ROUTER: "a" });
    running.push(a);
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    svcA.kill("SIGKILL");
    await waitFor("b master", () => lab.holders(VIP).join() === "b", 5000);
    await waitFor("a's BACKUP notify at priority 50", () => notifyLog(lab, "a").at(-1) === "INSTANCE VI_1 BACKUP 50", 5000);
    expect(a.output()).not.toMatch(/-> FAULT/);
  });

  it("sync group: a failing check on one member takes the whole group to FAULT; GROUP notify runs", async () => {
    const { lab, running } = newLab();
    const f = files(lab);
    const svcA = listen(lab, "a");
    listen(lab, "b");
    await servicesUp();
    running.push(startDaemon(lab, "b", "tsvrrpd", conf({ ...f, router: "b", priority: 100, sync: true }), "", { ROUTER: "b" }));
    running.push(startDaemon(lab, "a", "tsvrrpd", conf({ ...f, router: "a", priority: 200, sync: true }), "", { ROUTER: "a" }));
    await waitFor("a master of both", () => lab.holders(VIP).join() === "a" && lab.holders(VIP2).join() === "a", 10_000);
    svcA.kill("SIGKILL");
    await waitFor("b master of both", () => lab.holders(VIP).join() === "b" && lab.holders(VIP2).join() === "b", 5000);
    // Notify scripts run in order per instance and per group; scripts of different queues run
    // side by side, so their lines may interleave either way (as keepalived's forks do).
    await waitFor(
      "the group's and the other member's FAULT notify",
      () => notifyLog(lab, "a").includes("GROUP G FAULT 0") && notifyLog(lab, "a").includes("INSTANCE VI_2 FAULT 200"),
      5000,
    );
    const log = notifyLog(lab, "a");
    const queue = (prefix: string) => log.filter((l) => l.startsWith(prefix));
    expect(queue("GROUP G ")).toEqual(["GROUP G BACKUP 0", "GROUP G MASTER 0", "GROUP G FAULT 0"]);
    expect(queue("INSTANCE VI_1 ")).toEqual(["INSTANCE VI_1 BACKUP 200", "INSTANCE VI_1 MASTER 200", "INSTANCE VI_1 FAULT 200"]);
    expect(queue("INSTANCE VI_2 ")).toEqual(["INSTANCE VI_2 BACKUP 200", "INSTANCE VI_2 MASTER 200", "INSTANCE VI_2 FAULT 200"]);
  });

  it("a world-writable check script is refused with an error naming it, and not tracked", async () => {
    const { lab, running } = newLab();
    const f = files(lab);
    chmodSync(f.check, 0o777);
    const a = startDaemon(lab, "a", "tsvrrpd", conf({ ...f, router: "a", priority: 200 }), "", { ROUTER: "a" });
    running.push(a);
    await waitFor("a master (the refused check is not tracked)", () => lab.holders(VIP).join() === "a", 10_000);
    expect(a.output()).toContain(`${f.check} is writable by every user`);
    expect(a.output()).toContain("script disabled and not tracked");
  });
});
