// Preemption modes against keepalived on a namespace LAN: nopreempt and preempt_delay, tsvrrpd on
// either side. (interop.test.ts has election, failover and return per mode and pair.)
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { holdsWhileAdvertising, keepalivedConf, startDaemon, statusOf, twoRouterLabs, vipOf, type Mode } from "./daemons.js";

const ROUTERS = { a: "192.0.2.11", b: "192.0.2.12" };
const newLab = twoRouterLabs("iopp");

function conf(router: "a" | "b", priority: number, mode: Mode, preempt?: "preempt" | "nopreempt" | { delaySec: number }): string {
  return keepalivedConf({ router, priority, mode, peers: ROUTERS, ...(preempt ? { preempt } : {}) });
}

describe("preemption modes against keepalived", () => {
  it("nopreempt: a restarted higher-priority tsvrrpd stays BACKUP behind keepalived", async () => {
    const { lab, running } = newLab();
    const vip = vipOf("v3-ipv4");
    running.push(startDaemon(lab, "b", "keepalived", conf("b", 100, "v3-ipv4", "nopreempt")));
    await waitFor("keepalived on b to hold the VIP", () => lab.holders(vip).includes("b"), 10_000);
    const a = startDaemon(lab, "a", "tsvrrpd", conf("a", 200, "v3-ipv4", "nopreempt"));
    running.push(a);
    await waitFor("tsvrrpd on a in BACKUP", () => /-> BACKUP/.test(a.output()), 10_000);
    // > 5 down intervals of a's (priority 200: 322 ms), unless b fell silent that long
    await holdsWhileAdvertising(lab, "b", 300 + ((256 - 200) / 256) * 100, 2000, () => expect(lab.holders(vip)).toEqual(["b"]));
    // a is alive, BACKUP, and sees keepalived as master: not dead, not in FAULT.
    const st = await statusOf(join(lab.dir, "a.pid.sock"));
    expect(st.instances[0]).toMatchObject({
      state: "BACKUP",
      master: "192.0.2.12",
    });
  });

  it("preempt_delay: tsvrrpd takes over from keepalived only after the delay", async () => {
    const { lab, running } = newLab();
    const vip = vipOf("v3-ipv4");
    running.push(startDaemon(lab, "b", "keepalived", conf("b", 100, "v3-ipv4")));
    await waitFor("keepalived on b to hold the VIP", () => lab.holders(vip).includes("b"), 10_000);
    const started = Date.now();
    running.push(startDaemon(lab, "a", "tsvrrpd", conf("a", 200, "v3-ipv4", { delaySec: 3 })));
    await waitFor("tsvrrpd on a to take over", () => lab.holders(vip).includes("a"), 10_000, 20);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(3000);
    expect(took).toBeLessThan(3000 + 7000); // not "never"; the figure itself is the lower bound
    await waitFor("keepalived to release", () => lab.holders(vip).length === 1, 2000);
  });

  it("keepalived with preempt_delay waits for the delay before taking over from tsvrrpd", async () => {
    const { lab, running } = newLab();
    const vip = vipOf("v3-ipv4");
    running.push(startDaemon(lab, "b", "tsvrrpd", conf("b", 100, "v3-ipv4")));
    await waitFor("tsvrrpd on b to hold the VIP", () => lab.holders(vip).includes("b"), 10_000);
    const started = Date.now();
    running.push(startDaemon(lab, "a", "keepalived", conf("a", 200, "v3-ipv4", { delaySec: 2 })));
    await waitFor("keepalived on a to take over", () => lab.holders(vip).includes("a"), 10_000, 20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    await waitFor("tsvrrpd to release", () => lab.holders(vip).length === 1, 2000);
    expect(lab.holders(vip)).toEqual(["a"]);
  });
});
