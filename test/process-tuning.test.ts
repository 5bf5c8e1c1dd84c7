// How the daemon's process runs, on the real daemon. bin/tsvrrpd's shebang keeps V8 to one worker
// thread: with Node's default four, GC and compile workers busy at once on a 2-core host kept the
// event loop off the CPU long enough to send adverts 10-16 ms late at 1,020 instances
// (bench/notes.md). And keepalived's tuning of the VRRP process (lib/process.c), each set at start,
// changed and put back by a reload: vrrp_priority, the nice value of the event loop's thread,
// which runs every instance (a bad value is reported with its file and line and the daemon runs on
// at the nice value it had); vrrp_no_swap, the memory locked; vrrp_rt_priority, SCHED_RR.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../lab/netns.js";

const BIN = new URL("../bin/tsvrrpd", import.meta.url).pathname;
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c();
});

/** Each thread's name, nice value, real-time priority and policy (/proc/PID/task/TID/stat fields 19, 40, 41). */
function threadsOf(pid: number): { name: string; nice: number; rtPriority: number; policy: number; main: boolean }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      name: readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim(),
      nice: Number(fields[16]),
      rtPriority: Number(fields[37]),
      policy: Number(fields[38]),
      main: tid === String(pid),
    };
  });
}

async function daemon(global: string): Promise<{ child: ChildProcess; conf: string; output: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-prio-"));
  const conf = join(dir, "keepalived.conf");
  writeFileSync(conf, `global_defs {\n  router_id prio\n${global}}\n`);
  const pidFile = join(dir, "d.pid");
  const child = spawn(BIN, ["-n", "-l", "-f", conf, "-p", pidFile, "--control", join(dir, "d.sock")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  cleanup.push(() => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor("Startup complete", () => existsSync(pidFile) && out.includes("Startup complete"), 20_000, 50);
  return { child, conf, output: () => out };
}

describe("bin/tsvrrpd's runtime flags", () => {
  it("the daemon has one V8 worker thread", async () => {
    const d = await daemon("");
    expect(threadsOf(d.child.pid!).filter((t) => t.name === "node-V8Worker")).toHaveLength(1);
  });
});

describe("vrrp_priority", () => {
  it("sets the event loop thread's nice value, a reload changes it and, once removed, puts it back", async () => {
    const d = await daemon("  vrrp_priority 5\n");
    const pid = d.child.pid!;
    const start = threadsOf(pid);
    expect(start.find((t) => t.main)?.nice).toBe(5);
    // Only the event loop's thread: V8's worker keeps the nice value it was started with.
    expect(start.filter((t) => t.name === "node-V8Worker").map((t) => t.nice)).toEqual([0]);
    writeFileSync(d.conf, "global_defs {\n  router_id prio\n  vrrp_priority 7\n}\n");
    d.child.kill("SIGHUP");
    await waitFor("nice 7 after the reload", () => threadsOf(pid).find((t) => t.main)?.nice === 7, 10_000, 50);
    writeFileSync(d.conf, "global_defs {\n  router_id prio\n}\n");
    d.child.kill("SIGHUP");
    await waitFor("nice 0 once vrrp_priority is gone", () => threadsOf(pid).find((t) => t.main)?.nice === 0, 10_000, 50);
  });

  it("a value out of keepalived's range -20..19 is reported with its line, and the daemon runs at its nice value", async () => {
    const d = await daemon("  vrrp_priority 25\n");
    expect(d.output()).toMatch(/Invalid vrrp process priority specified \(25; -20\.\.19\) file=\S+keepalived\.conf line=3/);
    expect(threadsOf(d.child.pid!).find((t) => t.main)?.nice).toBe(0);
  });
});

/** /proc/PID/status VmLck, kB. */
function lockedKiB(pid: number): number {
  return Number(/^VmLck:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
}

describe("vrrp_no_swap", () => {
  it("locks the process's memory, and a reload that removes it unlocks it", async () => {
    const d = await daemon("  vrrp_no_swap\n");
    const pid = d.child.pid!;
    expect(lockedKiB(pid)).toBeGreaterThan(1024);
    writeFileSync(d.conf, "global_defs {\n  router_id prio\n}\n");
    d.child.kill("SIGHUP");
    await waitFor("VmLck 0 after the reload", () => lockedKiB(pid) === 0, 10_000, 50);
  });

  it("without it nothing is locked", async () => {
    const d = await daemon("");
    expect(lockedKiB(d.child.pid!)).toBe(0);
  });
});

const SCHED_RR = 2;

describe("vrrp_rt_priority", () => {
  it("runs the event loop's thread SCHED_RR with RLIMIT_RTTIME's soft limit at half of vrrp_rlimit_rttime; a reload that removes it puts it back", async () => {
    const d = await daemon("  vrrp_rt_priority 10\n  vrrp_rlimit_rttime 30000\n");
    const pid = d.child.pid!;
    const threads = threadsOf(pid);
    expect(threads.find((t) => t.main)).toMatchObject({ policy: SCHED_RR, rtPriority: 10 });
    expect(threads.filter((t) => t.name === "node-V8Worker").map((t) => t.policy)).toEqual([0]);
    expect(readFileSync(`/proc/${pid}/limits`, "utf8")).toMatch(/^Max realtime timeout\s+15000\s/m);
    writeFileSync(d.conf, "global_defs {\n  router_id prio\n}\n");
    d.child.kill("SIGHUP");
    await waitFor("SCHED_OTHER after the reload", () => threadsOf(pid).find((t) => t.main)?.policy === 0, 10_000, 50);
    expect(readFileSync(`/proc/${pid}/limits`, "utf8")).toMatch(/^Max realtime timeout\s+unlimited\s/m);
  });

  it("a priority over 99 is keepalived's warning and is clamped to 99", async () => {
    const d = await daemon("  vrrp_rt_priority 150\n");
    expect(d.output()).toMatch(/vrrp process real-time priority 150 greater than maximum 99 - setting to maximum file=\S+ line=3/);
    expect(threadsOf(d.child.pid!).find((t) => t.main)).toMatchObject({ policy: SCHED_RR, rtPriority: 99 });
  });
});
