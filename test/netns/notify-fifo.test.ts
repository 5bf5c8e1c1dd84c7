// vrrp_notify_fifo in a mixed pair: the same scenario is run with tsvrrpd on a and keepalived on b,
// then the other way round, and each router's FIFO lines must be the same whichever daemon wrote
// them (keepalived vrrp_notify.c notify_fifo: `INSTANCE "VI_1" MASTER 150`, `GROUP "G" ...`).
// Readers start late: lines written before anyone opened the FIFO are still delivered, in order.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startBackup, startDaemon, startMaster, twoRouterLabs, type Kind } from "./daemons.js";
import { fifoGlobalDefs, readFifo } from "./fifo-reader.js";

const newLab = twoRouterLabs("nff");
const VIP = "198.51.100.51";

const conf = (priority: number, fifo: string) =>
  fifoGlobalDefs(fifo) +
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority ${priority}\n  version 3\n  advert_int 0.1\n` +
  `  virtual_ipaddress {\n    ${VIP}\n  }\n}\n` +
  `vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n`;

async function scenario(aKind: Kind, bKind: Kind): Promise<{ a: string[]; b: string[] }> {
  const { lab, running } = newLab();
  const fa = join(lab.dir, "a.fifo");
  const fb = join(lab.dir, "b.fifo");
  const a = await startMaster(lab, running, "a", aKind, conf(150, fa), VIP);
  await startBackup(lab, running, "b", bKind, conf(100, fb));
  // Both FIFOs were created by the daemons; the readers open them only now.
  expect(statSync(fa).isFIFO() && statSync(fb).isFIFO()).toBe(true);
  const ra = await readFifo(fa);
  const rb = await readFifo(fb);
  try {
    a.child.kill("SIGTERM"); // a stops: STOP lines on a, b takes over
    await waitFor("b master", () => lab.holders(VIP).join() === "b", 5000);
    await waitFor("a's daemon gone", () => a.child.exitCode !== null || a.child.signalCode !== null, 10_000);
    await waitFor("b's group MASTER line", () => rb.lines().includes('GROUP "G" MASTER 0'), 3000);
    await waitFor("a's group STOP line", () => ra.lines().includes('GROUP "G" STOP 0'), 3000);
    return { a: ra.lines(), b: rb.lines() };
  } finally {
    ra.close();
    rb.close();
  }
}

describe("vrrp_notify_fifo", () => {
  it("writes the lines keepalived writes, in the same order, on both routers", async () => {
    const one = await scenario("tsvrrpd", "keepalived");
    const two = await scenario("keepalived", "tsvrrpd");
    expect(one.a, "a: tsvrrpd (left) vs keepalived (right)").toEqual(two.a);
    expect(two.b, "b: tsvrrpd (left) vs keepalived (right)").toEqual(one.b);
    // What keepalived 2.2.7 wrote here: the group before its member at start, the member first after.
    expect(two.a).toEqual([
      'GROUP "G" BACKUP 0',
      'INSTANCE "VI_1" BACKUP 150',
      'INSTANCE "VI_1" MASTER 150',
      'GROUP "G" MASTER 0',
      'INSTANCE "VI_1" STOP 150',
      'GROUP "G" STOP 0',
    ]);
  });
});

// A reload that deletes an instance (keepalived 2.2.7 vrrp.c clear_diff_vrrp): keepalived's notify
// scripts see FAULT for it (its old way), or DELETED with notify_deleted; never STOP. The scripts'
// and the FIFO's lines must be the same from both daemons.
describe("an instance deleted by a reload", () => {
  const two = (fifo: string, script: string, keep2: boolean, deleted: boolean) =>
    fifoGlobalDefs(fifo) +
    `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 150\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}\n  }\n}\n` +
    (keep2
      ? `vrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 52\n  priority 120\n  version 3\n  advert_int 0.1\n  notify ${script}\n${deleted ? "  notify_deleted\n" : ""}  virtual_ipaddress {\n    198.51.100.52\n  }\n}\n`
      : "");
  for (const deleted of [false, true]) {
    it(`is notified ${deleted ? "DELETED (notify_deleted)" : "FAULT"} by keepalived and tsvrrpd alike`, async () => {
      const seen: Record<Kind, { fifo: string[]; script: string[] }> = {
        keepalived: { fifo: [], script: [] },
        tsvrrpd: { fifo: [], script: [] },
      };
      for (const kind of ["keepalived", "tsvrrpd"] as Kind[]) {
        const { lab, running } = newLab();
        const fifo = join(lab.dir, "a.fifo");
        const log = join(lab.dir, "notify.log");
        const script = join(lab.dir, "notify.sh");
        writeFileSync(script, `#!/bin/sh\necho "$@" >> ${log}\n`, { mode: 0o755 });
        const d = startDaemon(lab, "a", kind, two(fifo, script, true, deleted));
        running.push(d);
        await waitFor(
          `${kind} master of both`,
          () => lab.holders("198.51.100.52").join() === "a" && lab.holders(VIP).join() === "a",
          10_000,
        );
        const r = await readFifo(fifo);
        try {
          writeFileSync(join(lab.dir, "a.conf"), two(fifo, script, false, deleted));
          d.child.kill("SIGHUP");
          await waitFor(`${kind} to release VI_2's address`, () => lab.holders("198.51.100.52").length === 0, 5000);
          const scriptLines = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : []);
          await waitFor(`${kind}'s script run for the deletion`, () => scriptLines().length >= 3, 3000).catch(() => undefined);
          await new Promise((res) => setTimeout(res, 300));
          seen[kind] = { fifo: r.lines().filter((l) => l.startsWith('INSTANCE "VI_2"')), script: scriptLines() };
        } finally {
          r.close();
        }
      }
      expect(seen.tsvrrpd, "tsvrrpd (left) vs keepalived (right)").toEqual(seen.keepalived);
      expect(seen.keepalived.script.at(-1)).toBe(`INSTANCE VI_2 ${deleted ? "DELETED" : "FAULT"} 120`);
    });
  }
});

// notify_master_rx_lower_pri (keepalived 2.2.7 vrrp.c vrrp_state_master_rx, vrrp_notify.c
// send_event_notify): a master hearing a lower priority runs the script and writes
// `INSTANCE "VI_1" MASTER_RX_LOWER_PRI 200` to the FIFO. A one-way unicast split makes b a master
// that a hears (a sends to nobody).
describe("notify_master_rx_lower_pri", () => {
  for (const kind of ["keepalived", "tsvrrpd"] as Kind[]) {
    it(`${kind}: a master hearing a lower priority runs the script and writes the FIFO line`, async () => {
      const { lab, running } = newLab();
      const fifo = join(lab.dir, "a.fifo");
      const log = join(lab.dir, "rx.log");
      const script = join(lab.dir, "rx.sh");
      writeFileSync(script, `#!/bin/sh\necho rx >> ${log}\n`, { mode: 0o755 });
      const inst = (r: "a" | "b", priority: number, extra: string) =>
        `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority ${priority}\n  version 3\n  advert_int 0.1\n${extra}` +
        `  unicast_src_ip 192.0.2.${r === "a" ? 11 : 12}\n  unicast_peer {\n    192.0.2.${r === "a" ? 99 : 11}\n  }\n  virtual_ipaddress {\n    ${VIP}\n  }\n}\n`;
      running.push(startDaemon(lab, "a", kind, fifoGlobalDefs(fifo) + inst("a", 200, `  notify_master_rx_lower_pri ${script}\n`)));
      await waitFor(`${kind} on a master`, () => lab.holders(VIP).includes("a"), 10_000);
      const r = await readFifo(fifo);
      try {
        running.push(startDaemon(lab, "b", "keepalived", inst("b", 100, "")));
        await waitFor("the FIFO line", () => r.lines().includes('INSTANCE "VI_1" MASTER_RX_LOWER_PRI 200'), 10_000);
        await waitFor("the script run", () => existsSync(log) && readFileSync(log, "utf8").includes("rx"), 5000);
      } finally {
        r.close();
      }
    });
  }
});
