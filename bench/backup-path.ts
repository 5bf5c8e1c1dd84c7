// Where a backup's time goes per advert heard (issue 33: a 1,020-instance backup costs more CPU
// than keepalived's). Two measurements:
// 1. In process, no sockets: the router, each instance's driver (InstanceDrivers) and the deadline
//    queue (fake timerfd) as the daemon wires them, fed one advert per instance in turn, at 1, 255
//    and 1,020 instances (µs per advert heard, the median of 5 windows). 1b: the same at 1,020,
//    the adverts in batches with the thread asleep between them, as the daemon's event loop sleeps
//    between wakes. Part 1 runs under bin/tsvrrpd's flags (the bench starts itself again with them).
// 2. Real daemons in a lab (root): a master and a backup of N instances (VRRPv3, 0.1 s, 255 VRIDs
//    per L2 segment), tsvrrpd and keepalived in turn; the backup's user and system CPU over the
//    window from /proc, and `perf record` of it (tsvrrpd under --perf-basic-prof) split by where
//    the samples fell: kernel, JIT-compiled JavaScript, the node binary (V8's runtime, builtins, GC,
//    libuv), libc, the native addon.
// BENCH_SIZES (default 1,255,1020), BENCH_LAB_SIZE (default 1020; 0 skips part 2), BENCH_SECONDS
// (default 10).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AdvertEncoder, type ReceivedPacket } from "../src/vrrp/packet.js";
import { fakeDaemon } from "../lab/fake-daemon.js";
import { Lab, waitFor } from "../lab/netns.js";
import { scaleConf } from "../lab/scale-conf.js";
import { quantile, shebangFlags, table, writeResult } from "./common.js";
import { createScaleLab, segments, vipCount } from "./segments.js";

const BIN = fileURLToPath(new URL("../../bin/tsvrrpd", import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? "1,255,1020").split(",").map(Number);
const LAB_SIZE = Number(process.env.BENCH_LAB_SIZE ?? 1020);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Part 1b: BENCH_ARRIVALS "batch:idleUs,..." at BENCH_ARRIVAL_SIZE instances ("" skips it). */
const ARRIVALS: Arrival[] = (process.env.BENCH_ARRIVALS ?? "4:0,1:300,4:300,16:300,64:300")
  .split(",")
  .filter(Boolean)
  .map((x) => ({ batch: Number(x.split(":")[0]), idleUs: Number(x.split(":")[1]) }));
const ARRIVAL_SIZE = Number(process.env.BENCH_ARRIVAL_SIZE ?? 1020);

/**
 * How the adverts come: `batch` in a row, then the thread sleeps `idleUs` (as the daemon's event
 * loop does between wakes); unset, back to back.
 */
interface Arrival {
  readonly batch: number;
  readonly idleUs: number;
}

/** µs per advert heard by a backup of n instances, in process (part 1), the sleeps not counted. */
function inProcess(n: number, arrival?: Arrival): number {
  const interfaces = segments(n);
  let now = 0;
  const { router, run } = fakeDaemon(
    scaleConf({
      instances: n,
      priority: 100,
      state: "BACKUP",
      scripts: false,
      family: 4,
      interfaces: interfaces > 1 ? interfaces : undefined,
    }),
    () => now,
    { send: () => true },
    Uint8Array.of(192, 0, 2, 12),
  );
  const src = Uint8Array.of(192, 0, 2, 11);
  const dst = Uint8Array.of(224, 0, 0, 18);
  const packets: ReceivedPacket[] = router.instances.map((ri) => ({
    ifname: ri.spec.interface,
    family: 4,
    src,
    dst,
    ttl: 255,
    multicast: true,
    payload: Uint8Array.from(
      new AdvertEncoder({ version: 3, family: 4, vrid: ri.spec.config.vrid, addresses: [ri.spec.vips[0]!.bytes], src, dst }).encode(
        200,
        10,
      ),
    ),
  }));
  // As the runtime hands adverts to the router: one event object, refilled.
  const event: { type: "packet"; packet: ReceivedPacket } = { type: "packet", packet: packets[0]! };
  let next = 0;
  const step = (): void => {
    event.packet = packets[next]!;
    next = (next + 1) % packets.length;
    now += 100 / packets.length; // every instance hears one advert per 0.1 s
    run(router.handle(event, now));
  };
  for (let k = 0; k < 200_000; k++) step();
  const windows: number[] = [];
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let w = 0; w < 5; w++) {
    if (arrival) {
      const count = 20_000;
      let busy = 0n;
      for (let k = 0; k < count; k += arrival.batch) {
        if (arrival.idleUs > 0) Atomics.wait(sleeper, 0, 0, arrival.idleUs / 1000);
        const t0 = process.hrtime.bigint();
        for (let j = 0; j < arrival.batch; j++) step();
        busy += process.hrtime.bigint() - t0;
      }
      windows.push(Number(busy) / count / 1000);
      continue;
    }
    const count = 200_000;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < count; k++) step();
    windows.push(Number(process.hrtime.bigint() - t0) / count / 1000);
  }
  const states = new Set(router.instances.map((ri) => ri.vi.state));
  if (states.size !== 1 || !states.has("BACKUP")) throw new Error(`backup-path: states ${[...states].join(",")}`);
  return quantile(windows, 0.5);
}

/** /proc/PID/stat utime and stime (clock ticks, 100 a second). */
function ticks(pid: number): [number, number] {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return [Number(f[11]), Number(f[12])];
}

/** perf report's per-DSO split of a recording, as { kernel, jit, node, libc, addon, other } percentages. */
function dsoSplit(file: string): Record<string, number> {
  const out = spawnSync("perf", ["report", "-i", file, "--no-children", "--sort", "dso", "--stdio", "-g", "none"], {
    encoding: "utf8",
  }).stdout;
  const split: Record<string, number> = { kernel: 0, jit: 0, node: 0, libc: 0, addon: 0, daemon: 0, other: 0 };
  for (const line of out.split("\n")) {
    const m = /^\s+([\d.]+)%\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    const pct = Number(m[1]);
    const dso = m[2]!;
    const key = dso.startsWith("[kernel")
      ? "kernel"
      : dso.startsWith("[JIT]")
        ? "jit"
        : dso === "node"
          ? "node"
          : dso.startsWith("libc")
            ? "libc"
            : dso.endsWith(".node")
              ? "addon"
              : dso === "keepalived"
                ? "daemon"
                : "other";
    split[key] = Math.round((split[key]! + pct) * 100) / 100;
  }
  return split;
}

interface LabRow {
  daemon: "tsvrrpd" | "keepalived";
  instances: number;
  backupUserPct: number;
  backupSysPct: number;
  advertsPerSec: number;
  userUsPerAdvert: number;
  perfSamples: number;
  dsoPct: Record<string, number>;
}

async function inLab(n: number): Promise<LabRow[]> {
  const lab = new Lab("bbp");
  process.on("SIGINT", () => void lab.destroy().then(() => process.exit(130)));
  const rows: LabRow[] = [];
  try {
    createScaleLab(lab, n);
    const interfaces = segments(n);
    const flags = shebangFlags(BIN);
    for (const daemon of ["tsvrrpd", "keepalived"] as const) {
      const files = { m: join(lab.dir, `m-${daemon}.conf`), s: join(lab.dir, `s-${daemon}.conf`) };
      const opts = { instances: n, scripts: false, family: 4 as const, interfaces: interfaces > 1 ? interfaces : undefined };
      writeFileSync(files.m, scaleConf({ ...opts, priority: 200, state: "MASTER" }));
      writeFileSync(files.s, scaleConf({ ...opts, priority: 100, state: "BACKUP" }));
      const start = (r: "m" | "s") =>
        daemon === "keepalived"
          ? lab.spawn(r, "keepalived", ["-n", "-l", "-f", files[r], "-p", join(lab.dir, `${r}.pid`), "-r", join(lab.dir, `${r}.vpid`)], {
              stdio: "ignore",
            })
          : lab.spawn(
              r,
              process.execPath,
              [
                ...(r === "s" ? ["--perf-basic-prof"] : []),
                ...flags,
                BIN,
                "-n",
                "-f",
                files[r],
                "-p",
                join(lab.dir, `${r}.pid`),
                "--control",
                join(lab.dir, `${r}.sock`),
              ],
              { stdio: "ignore" },
            );
      start("m");
      await waitFor(`the ${daemon} master holds every VIP`, () => vipCount(lab, "m", 4) === n, 60_000, 200);
      const backup = start("s");
      await new Promise((r) => setTimeout(r, 20_000)); // past start-up compilation (scale.ts's warm-up)
      // keepalived's VRRP work runs in its VRRP child (the -r pid file).
      const pid = daemon === "keepalived" ? Number(readFileSync(join(lab.dir, "s.vpid"), "utf8")) : backup.pid!;
      const perfFile = join(lab.dir, `${daemon}.perf`);
      const t0 = ticks(pid);
      const rec = spawnSync("perf", ["record", "-F", "999", "-g", "-p", String(pid), "-o", perfFile, "--", "sleep", String(SECONDS)], {
        encoding: "utf8",
      });
      const t1 = ticks(pid);
      const samples = Number(/\((\d+) samples\)/.exec(rec.stderr)?.[1] ?? NaN);
      const user = (t1[0] - t0[0]) / SECONDS;
      const sys = (t1[1] - t0[1]) / SECONDS;
      const advertsPerSec = n * 10;
      rows.push({
        daemon,
        instances: n,
        backupUserPct: user,
        backupSysPct: sys,
        advertsPerSec,
        userUsPerAdvert: (user / 100 / advertsPerSec) * 1e6,
        perfSamples: samples,
        dsoPct: dsoSplit(perfFile),
      });
      lab.killAll("m", "SIGKILL");
      lab.killAll("s", "SIGKILL");
      await new Promise((r) => setTimeout(r, 1000));
      // The VIPs a killed daemon left (scale-conf.ts's ranges), so the next daemon starts clean.
      for (const r of ["m", "s"])
        for (let k = 0; k < interfaces; k++)
          for (const range of ["198.18.0.0/16", "198.51.100.0/24", "203.0.113.0/24"])
            // not 198.19 (the segments' own)
            lab.exec(r, "ip", ["addr", "flush", "dev", `eth${k}`, "scope", "global", "to", range], true);
    }
  } finally {
    await lab.destroy();
  }
  return rows;
}

async function main(): Promise<void> {
  // Part 1 runs the daemon's code in this process: under the daemon's flags, or its figures are
  // not the daemon's (--optimize-for-size alone changes them by half).
  const flags = shebangFlags(BIN);
  if (!flags.every((f) => process.execArgv.includes(f))) {
    const r = spawnSync(process.execPath, [...process.execArgv, ...flags, ...process.argv.slice(1)], { stdio: "inherit" });
    process.exit(r.status ?? 1);
  }
  const inProc = SIZES.map((n) => ({ instances: n, usPerAdvertHeard: inProcess(n) }));
  console.log(table([["instances", "µs per advert heard, in process"], ...inProc.map((r) => [r.instances, r.usPerAdvertHeard])]));
  const afterIdle = ARRIVALS.map((a) => ({ instances: ARRIVAL_SIZE, ...a, usPerAdvertHeard: inProcess(ARRIVAL_SIZE, a) }));
  if (afterIdle.length)
    console.log(
      table([
        ["instances", "adverts per wake", "idle between wakes µs", "µs per advert heard"],
        ...afterIdle.map((r) => [r.instances, r.batch, r.idleUs, r.usPerAdvertHeard]),
      ]),
    );
  const labRows = LAB_SIZE > 0 ? await inLab(LAB_SIZE) : [];
  if (labRows.length)
    console.log(
      table([
        [
          "daemon",
          "instances",
          "backup user %",
          "sys %",
          "user µs per advert",
          "kernel %",
          "JIT %",
          "node %",
          "libc %",
          "addon %",
          "keepalived %",
        ],
        ...labRows.map((r) => [
          r.daemon,
          r.instances,
          r.backupUserPct,
          r.backupSysPct,
          r.userUsPerAdvert,
          r.dsoPct.kernel!,
          r.dsoPct.jit!,
          r.dsoPct.node!,
          r.dsoPct.libc!,
          r.dsoPct.addon!,
          r.dsoPct.daemon!,
        ]),
      ]),
    );
  console.log(
    `wrote ${writeResult("backup-path", { seconds: SECONDS, execArgv: process.execArgv, inProcess: inProc, afterIdle, lab: labRows })}`,
  );
}

await main();
