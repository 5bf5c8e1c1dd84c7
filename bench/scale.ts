// 3. Steady-state cost at scale and 4. load on the event loop: one daemon mastering N VRRPv3
// instances (0.1 s adverts, one VIP each) with a backup daemon of the same kind receiving them;
// CPU % and RSS of both over the window, advert send jitter read from a capture on the bridge,
// spurious transitions (any advert from the backup) that must stay 0. The loaded case adds one
// check script per instance, every second. The "external" case runs both daemons plain beside
// bench/exec-load.c starting the same number of programs (2 x N a second): the advert timing the
// host allows under that exec load, whichever daemon spawns. BENCH_FAMILIES=4,6 adds the same
// plain case with IPv6 instances. Memory: RSS, and anonymous memory from smaps_rollup (RSS less
// the node binary's and libraries' file pages).
//
// Past 255 instances the instances spread over K = ceil(N / 255) interfaces, eth0..eth(K-1), each a
// veth on its own lab bridge (one L2 segment per interface, as real deployments have): VRIDs repeat
// across segments only, and the VIPs are 198.18.k.vrid (198.18.0.0/15, the benchmarking range).
// BENCH_KINDS may add "tsvrrpd-base": the daemon at BENCH_BASE_BIN (e.g. main's build, for an A/B in
// one run beside keepalived). BENCH_TRACE_GC=1 runs tsvrrpd under --trace-gc and counts scavenges and
// mark-compacts in the window, with the longest mark-compact pause. BENCH_RESULT names the file.
import { execFileSync } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Lab, waitFor } from "../lab/netns.js";
import { readPcap } from "../lab/pcap-file.js";
import { cpuTicks, shebangFlags, summary, table, writeResult } from "./common.js";
import { scaleConf } from "../lab/scale-conf.js";
import { createScaleLab, segments, vipCount } from "./segments.js";

const BIN = fileURLToPath(new URL("../../bin/tsvrrpd", import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const SIZES = (process.env.BENCH_SIZES ?? "1,50,255").split(",").map(Number);
type Kind = "tsvrrpd" | "tsvrrpd-base" | "keepalived";
const BASE_BIN = process.env.BENCH_BASE_BIN;
const TRACE_GC = process.env.BENCH_TRACE_GC === "1";
const RESULT = process.env.BENCH_RESULT ?? "scale";
/** BENCH_GLOBAL_DEFS: global_defs lines both daemons get, ";"-separated (e.g. "vrrp_rt_priority 10"). */
const GLOBAL_DEFS = (process.env.BENCH_GLOBAL_DEFS ?? "").split(";").filter(Boolean);
const KINDS = (process.env.BENCH_KINDS ?? "tsvrrpd,keepalived").split(",") as Kind[];
/**
 * From the backup's start to the window (BENCH_WARMUP_MS): V8's compiler and GC threads still took
 * 1 % of a core 3-8 s after a 255-instance master started, 0.2 % at 13-18 s and nothing after, so
 * a window from 3 s counted start-up work as steady state. keepalived needs none; it waits alike.
 */
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 15_000);
/** Runs of each case (BENCH_REPEAT); with more than one, a table of medians follows the runs. */
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1);
const FAMILIES = (process.env.BENCH_FAMILIES ?? "4").split(",").map(Number) as (4 | 6)[];

/** The node flags in bin/tsvrrpd's shebang, to run it as `node --trace-gc FLAGS BIN`. */
interface GcCount {
  scavenges: number;
  markCompacts: number;
  maxMarkCompactMs: number;
  maxScavengeMs: number;
}

/** --trace-gc lines of a log from line `from` on: "... ms: Scavenge 3.1 (4.2) -> 2.0 (4.2) MB, pooled: 0 MB, 0.52 / 0.00 ms ...". */
function gcLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => / ms: (Scavenge|Mark-Compact|Minor Mark-Sweep|Mark-Sweep)/.test(l));
  } catch {
    return [];
  }
}

function gcCount(lines: readonly string[]): GcCount {
  const c: GcCount = { scavenges: 0, markCompacts: 0, maxMarkCompactMs: 0, maxScavengeMs: 0 };
  for (const l of lines) {
    const pause = Number(/MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \//.exec(l)?.[1] ?? NaN);
    if (/ ms: (Scavenge|Minor Mark-Sweep)/.test(l)) {
      c.scavenges++;
      if (pause > c.maxScavengeMs) c.maxScavengeMs = pause;
    } else {
      c.markCompacts++;
      if (pause > c.maxMarkCompactMs) c.maxMarkCompactMs = pause;
    }
  }
  return c;
}

function usage(lab: Lab, router: string): { cpuTicks: number; rssKiB: number; anonKiB: number } {
  const pids = lab
    .exec(null, "ip", ["netns", "pids", lab.ns(router)], true)
    .split(/\s+/)
    .filter(Boolean);
  let ticks = 0;
  let rssKiB = 0;
  let anonKiB = 0;
  for (const p of pids) {
    try {
      const comm = readFileSync(`/proc/${p}/comm`, "utf8").trim();
      if (comm !== "keepalived" && comm !== "tsvrrpd" && comm !== "node") continue;
      ticks += cpuTicks(p);
      rssKiB += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
      anonKiB += Number(/^Anonymous:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"))?.[1] ?? 0);
    } catch {
      // exited
    }
  }
  return { cpuTicks: ticks, rssKiB, anonKiB };
}

/** bench/exec-load.c, compiled once into the lab's directory. */
function execLoadBin(lab: Lab): string {
  const out = join(lab.dir, "exec-load");
  const src = fileURLToPath(new URL("../../bench/exec-load.c", import.meta.url));
  execFileSync("cc", ["-O2", "-o", out, src]);
  return out;
}

async function measure(lab: Lab, n: number, kind: Kind, scripts: boolean, tag: string, externalExecs = 0, family: 4 | 6 = 4) {
  const mFile = join(lab.dir, `m-${tag}.conf`);
  const sFile = join(lab.dir, `s-${tag}.conf`);
  const interfaces = segments(n);
  writeFileSync(mFile, scaleConf({ instances: n, priority: 200, state: "MASTER", scripts, family, interfaces, globalDefs: GLOBAL_DEFS }));
  writeFileSync(sFile, scaleConf({ instances: n, priority: 100, state: "BACKUP", scripts, family, interfaces, globalDefs: GLOBAL_DEFS }));
  const gcLog = (r: string) => join(lab.dir, `${r}-${tag}.gc`);
  const start = (r: string, file: string) => {
    if (kind !== "keepalived") {
      const bin = kind === "tsvrrpd-base" ? BASE_BIN! : BIN;
      const args = ["-n", "-f", file, "-p", join(lab.dir, `${r}-${tag}.pid`), "--control", join(lab.dir, `${r}-${tag}.sock`)];
      if (!TRACE_GC) return lab.spawn(r, bin, args, { stdio: "ignore" });
      const out = openSync(gcLog(r), "w");
      const child = lab.spawn(r, process.execPath, ["--trace-gc", ...shebangFlags(bin), bin, ...args], {
        stdio: ["ignore", out, "ignore"],
      });
      closeSync(out);
      return child;
    }
    return lab.spawn(
      r,
      "keepalived",
      ["-n", "-l", "-f", file, "-p", join(lab.dir, `${r}-${tag}.pid`), "-r", join(lab.dir, `${r}-${tag}.vpid`)],
      { stdio: "ignore" },
    );
  };
  start("m", mFile);
  // A daemon that cannot keep up (keepalived with 255 checks a second on a slow host) is measured
  // all the same, and the row says it never held every VIP.
  const mastered = await waitFor("m masters everything", () => vipCount(lab, "m", family) === n, 60_000, 100).then(
    () => true,
    () => false,
  );
  const load = externalExecs > 0 ? lab.spawn(null, execLoadBin(lab), [String(externalExecs)], { stdio: "ignore" }) : undefined;
  start("s", sFile);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  // One capture per segment's bridge: an advert is known by its segment and VRID.
  const pcaps = Array.from({ length: interfaces }, (_, k) => join(lab.dir, `${tag}-${k}.pcap`));
  const caps = await Promise.all(pcaps.map((f, k) => lab.capture(f, family === 6 ? "ip6 proto 112" : "ip proto 112", `br${k}`)));
  const gc0 = TRACE_GC && kind !== "keepalived" ? [gcLines(gcLog("m")).length, gcLines(gcLog("s")).length] : undefined;
  const m0 = usage(lab, "m");
  const s0 = usage(lab, "s");
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const m1 = usage(lab, "m");
  const s1 = usage(lab, "s");
  const wall = (Date.now() - t0) / 1000;
  const gc = gc0
    ? {
        master: gcCount(gcLines(gcLog("m")).slice(gc0[0], undefined)),
        backup: gcCount(gcLines(gcLog("s")).slice(gc0[1], undefined)),
      }
    : undefined;
  for (const cap of caps) cap.kill("SIGINT");
  load?.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 300));
  lab.killAll("m", "SIGKILL");
  lab.killAll("s", "SIGKILL");
  lab.exec("m", "ip", ["addr", "flush", "dev", "eth0", "scope", "global", "to", "198.51.100.0/24"], true);
  lab.exec("m", "ip", ["addr", "flush", "dev", "eth0", "scope", "global", "to", "203.0.113.0/24"], true);
  lab.exec("s", "ip", ["addr", "flush", "dev", "eth0", "scope", "global", "to", "198.51.100.0/24"], true);
  lab.exec("s", "ip", ["addr", "flush", "dev", "eth0", "scope", "global", "to", "203.0.113.0/24"], true);
  for (const r of ["m", "s"]) lab.exec(r, "ip", ["-6", "addr", "flush", "dev", "eth0", "scope", "global", "to", "2001:db8:2::/64"], true);
  for (const r of ["m", "s"])
    for (let k = 0; k < interfaces; k++)
      lab.exec(r, "ip", ["addr", "flush", "dev", `eth${k}`, "scope", "global", "to", "198.18.0.0/16"], true);
  const macs = (r: string) =>
    new Set((JSON.parse(lab.exec(r, "ip", ["-j", "link", "show"])) as { address: string }[]).map((l) => l.address));
  // VRID keys stay unique across segments: segment k's VRID v is k * 256 + v.
  const wire = pcaps
    .flatMap((f, k) =>
      readPcap(f)
        .filter((w) => w.kind === "vrrp")
        .map((w) => ({ ...w, vrid: k * 256 + w.vrid! })),
    )
    .sort((a, b) => a.t - b.t);
  const mMacs = macs("m");
  const sMacs = macs("s");
  // Deviation of each advert from its schedule: the gap to the previous one of the same VRID
  // minus the nearest whole number of intervals. A gap of ~2 intervals is an advert missing from
  // the capture (tcpdump drops under load) or never sent: counted apart, not as 100 ms of jitter.
  const last = new Map<number, number>();
  const dev: number[] = [];
  let missing = 0;
  for (const w of wire) {
    if (!mMacs.has(w.srcMac)) continue;
    const prev = last.get(w.vrid);
    if (prev !== undefined) {
      const gap = (w.t - prev) * 1000;
      const k = Math.max(1, Math.round(gap / 100));
      missing += k - 1;
      dev.push(Math.abs(gap - k * 100));
    }
    last.set(w.vrid, w.t);
  }
  const spurious = wire.filter((w) => sMacs.has(w.srcMac) && (w.priority ?? 0) > 0).length;
  const hz = 100; // USER_HZ
  const j = summary(dev);
  return {
    instances: n,
    interfaces,
    family,
    daemon: kind,
    scripts,
    externalExecsPerSec: externalExecs,
    masteredAll: mastered,
    seconds: wall,
    masterCpuPct: ((m1.cpuTicks - m0.cpuTicks) / hz / wall) * 100,
    masterRssMiB: m1.rssKiB / 1024,
    masterAnonMiB: m1.anonKiB / 1024,
    backupCpuPct: ((s1.cpuTicks - s0.cpuTicks) / hz / wall) * 100,
    backupRssMiB: s1.rssKiB / 1024,
    backupAnonMiB: s1.anonKiB / 1024,
    adverts: dev.length,
    missingFromCapture: missing,
    jitterMs: { p50: j.median, p99: j.p99, max: j.max },
    spuriousBackupAdverts: spurious,
    ...(gc ? { gc } : {}),
    load: loadavg()[0]!,
  };
}

async function main(): Promise<void> {
  const lab = new Lab("bsc");
  process.on("SIGINT", () => void lab.destroy().then(() => process.exit(130)));
  const results: Result[] = [];
  try {
    createScaleLab(lab, Math.max(...SIZES));
    // Slots of (instances, checks, external execs); within a slot the daemons take turns, who goes
    // first alternating, BENCH_REPEAT times: the host's drift falls on both.
    const slots: [number, boolean, number, 4 | 6][] = [];
    // A list of "plain", "checks" and "external" ("both": plain and checks).
    const modes = (process.env.BENCH_CHECKS ?? "plain,checks,external").replace("both", "plain,checks").split(",");
    if (modes.includes("plain")) for (const f of FAMILIES) for (const n of SIZES) slots.push([n, false, 0, f]);
    const top = Math.max(...SIZES);
    if (modes.includes("checks")) slots.push([top, true, 0, 4]);
    if (modes.includes("external")) slots.push([top, false, 2 * top, 4]);
    for (const [n, s, ext, f] of slots)
      for (let rep = 0; rep < REPEAT; rep++)
        for (const k of rep % 2 === 0 ? KINDS : [...KINDS].reverse()) {
          const r = await measure(lab, n, k, s, `${k}-v${f}-${n}-${s ? "scripts" : ext ? "external" : "plain"}-${rep}`, ext, f);
          results.push(r);
          // Every run on disk as it ends: a run that fails later does not take the others with it.
          writeResult(RESULT, { seconds: SECONDS, repeat: REPEAT, partial: true, results });
          console.error(
            `${n} IPv${f} ${k}${s ? " +scripts" : ext ? ` +${ext} execs/s elsewhere` : ""}: master ${r.masterCpuPct.toFixed(2)} % CPU ${r.masterRssMiB.toFixed(1)} MiB (anon ${r.masterAnonMiB.toFixed(1)}), backup ${r.backupCpuPct.toFixed(2)} % ${r.backupRssMiB.toFixed(1)} MiB (anon ${r.backupAnonMiB.toFixed(1)}), jitter p99 ${r.jitterMs.p99.toFixed(2)} ms, ${r.adverts} adverts, ${r.missingFromCapture} missing, spurious ${r.spuriousBackupAdverts}${r.masteredAll ? "" : ", never held every VIP"}${r.gc ? `, GC m ${JSON.stringify(r.gc.master)} s ${JSON.stringify(r.gc.backup)}` : ""}, load ${r.load.toFixed(2)}`,
          );
        }
  } finally {
    await lab.destroy();
  }
  const rows: (string | number)[][] = [
    [
      "instances",
      "IP",
      "daemon",
      "checks",
      "master CPU %",
      "master RSS MiB",
      "master anon MiB",
      "backup CPU %",
      "backup RSS MiB",
      "backup anon MiB",
      "jitter p50 ms",
      "p99 ms",
      "max ms",
      "adverts",
      "missing",
      "spurious",
    ],
  ];
  for (const r of results)
    rows.push([
      r.instances,
      r.family,
      r.daemon,
      r.scripts ? `${r.instances}/s` : r.externalExecsPerSec ? `none; ${r.externalExecsPerSec}/s elsewhere` : "-",
      r.masterCpuPct,
      r.masterRssMiB,
      r.masterAnonMiB,
      r.backupCpuPct,
      r.backupRssMiB,
      r.backupAnonMiB,
      r.jitterMs.p50,
      r.jitterMs.p99,
      r.jitterMs.max,
      r.adverts,
      r.missingFromCapture,
      r.spuriousBackupAdverts,
    ]);
  console.log(table(rows));
  const medians = REPEAT > 1 ? medianRows(results) : undefined;
  if (medians) console.log(`\nMedians of ${REPEAT} runs:\n${table(medians)}`);
  console.log(`\nwritten ${writeResult(RESULT, { seconds: SECONDS, repeat: REPEAT, results, ...(medians ? { medians } : {}) })}`);
}

type Result = Awaited<ReturnType<typeof measure>>;

/** One row per case: the median of its runs for each measure (null jitter, a run without adverts, left out). */
function medianRows(results: readonly Result[]): (string | number)[][] {
  const groups = new Map<string, Result[]>();
  for (const r of results) {
    const key = `${r.instances} ${r.family} ${r.daemon} ${r.scripts} ${r.externalExecsPerSec}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const med = (xs: (number | null)[]): number => {
    const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length ? summary(v).median : NaN;
  };
  const rows: (string | number)[][] = [
    [
      "instances",
      "IP",
      "daemon",
      "checks",
      "runs",
      "master CPU %",
      "master RSS MiB",
      "master anon MiB",
      "backup CPU %",
      "backup RSS MiB",
      "backup anon MiB",
      "jitter p50 ms",
      "p99 ms",
      "max ms",
      "adverts",
      "spurious",
      ...(TRACE_GC
        ? ["master scavenges/min", "master mark-compacts/min", "max mark-compact ms", "backup scavenges/min", "backup mark-compacts/min"]
        : []),
      "load",
    ],
  ];
  for (const rs of groups.values()) {
    const r = rs[0]!;
    rows.push([
      r.instances,
      r.family,
      r.daemon,
      r.scripts ? `${r.instances}/s` : r.externalExecsPerSec ? `none; ${r.externalExecsPerSec}/s elsewhere` : "-",
      rs.length,
      med(rs.map((x) => x.masterCpuPct)),
      med(rs.map((x) => x.masterRssMiB)),
      med(rs.map((x) => x.masterAnonMiB)),
      med(rs.map((x) => x.backupCpuPct)),
      med(rs.map((x) => x.backupRssMiB)),
      med(rs.map((x) => x.backupAnonMiB)),
      med(rs.map((x) => x.jitterMs.p50)),
      med(rs.map((x) => x.jitterMs.p99)),
      med(rs.map((x) => x.jitterMs.max)),
      med(rs.map((x) => x.adverts)),
      med(rs.map((x) => x.spuriousBackupAdverts)),
      ...(TRACE_GC
        ? r.gc
          ? [
              med(rs.map((x) => (x.gc!.master.scavenges * 60) / x.seconds)),
              med(rs.map((x) => (x.gc!.master.markCompacts * 60) / x.seconds)),
              Math.max(...rs.map((x) => Math.max(x.gc!.master.maxMarkCompactMs, x.gc!.backup.maxMarkCompactMs))),
              med(rs.map((x) => (x.gc!.backup.scavenges * 60) / x.seconds)),
              med(rs.map((x) => (x.gc!.backup.markCompacts * 60) / x.seconds)),
            ]
          : ["-", "-", "-", "-", "-"]
        : []),
      med(rs.map((x) => x.load)),
    ]);
  }
  return rows;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
