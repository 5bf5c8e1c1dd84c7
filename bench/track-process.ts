// What vrrp_track_process costs with 1,000 processes on the host (issue 15). Two tracked entries
// (one by comm, one by full command line with parameters; one process matches each).
//  - connector (keepalived's way, the default): nothing runs while no process starts or exits;
//    1,000 processes started and ended cost the event handling measured here.
//  - /proc scan (the fallback outside the initial namespaces): each scan timed, SCANS scans, with
//    and without 1,000 idle processes; the CPU share is the mean scan time over SCAN_MS.
// Results: bench/results/track-process.json.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pino from "pino";
import { TRACK_PROCESS_DEFAULTS } from "../src/config/track-process-section.js";
import type { TrackProcessSpec } from "../src/config/model.js";
import { ProcessTracking, RECHECK_SCANS, SCAN_MS } from "../src/health/track-processes.js";
import { machine, summary, table, writeResult } from "./common.js";

const SCANS = Number(process.env.BENCH_SCANS ?? 400);
const EXTRA = Number(process.env.BENCH_PROCESSES ?? 1000);

const spec = (o: Partial<TrackProcessSpec>): TrackProcessSpec => ({
  ...TRACK_PROCESS_DEFAULTS,
  name: "p",
  where: { file: "bench", line: 0 },
  process: "trkbench",
  ...o,
});

const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-bench-proc-"));
const TRACKED = join(dir, "trkbench");
const IDLE = join(dir, "idleproc");
copyFileSync("/bin/sleep", TRACKED);
copyFileSync("/bin/sleep", IDLE);
const SPECS = [
  spec({ name: "by-comm" }),
  spec({ name: "by-cmdline", process: TRACKED, params: ["600"], paramMatch: "exact", fullCommand: true }),
];
const tracker = () => new ProcessTracking(SPECS, new Set(SPECS.map((s) => s.name)), pino({ level: "silent" }), () => undefined);

function scanMode(label: string): Record<string, unknown> {
  const t = tracker();
  const t0 = performance.now();
  t.start(false);
  const first = performance.now() - t0;
  t.stop();
  const times: number[] = [];
  for (let i = 0; i < SCANS; i++) {
    const s = performance.now();
    t.tick();
    times.push(performance.now() - s);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return {
    label,
    mode: "scan",
    firstScanMs: +first.toFixed(2),
    scanMs: summary(times),
    meanScanMs: +mean.toFixed(3),
    cpuPercent: +((100 * mean) / SCAN_MS).toFixed(2),
    counted: t.status(),
  };
}

async function spawnIdle(n: number): Promise<ChildProcess[]> {
  const out: ChildProcess[] = [];
  for (let i = 0; i < n; i++) out.push(spawn(IDLE, ["600"], { stdio: "ignore" }));
  await new Promise((r) => setTimeout(r, 1000));
  return out;
}

async function main(): Promise<void> {
  const tracked = spawn(TRACKED, ["600"], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 300));
  const results: Record<string, unknown>[] = [];
  try {
    results.push(scanMode("scan, host as it is"));
    let idle = await spawnIdle(EXTRA);
    results.push(scanMode(`scan, ${EXTRA} more idle processes`));
    for (const p of idle) p.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 1000));

    // Connector: a tracker listening while EXTRA processes start and then end.
    const t = tracker();
    const t0 = performance.now();
    t.start(true);
    const first = performance.now() - t0;
    const cpu0 = process.cpuUsage();
    idle = await spawnIdle(EXTRA);
    for (const p of idle) p.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 1500));
    t.stop();
    results.push({
      label: `connector, ${EXTRA} processes started and ended`,
      mode: t.eventsOn ? "connector" : "connector unavailable",
      firstScanMs: +first.toFixed(2),
      events: t.events,
      eventHandlingMs: +t.eventMs.toFixed(1),
      perEventUs: t.events ? +((1000 * t.eventMs) / t.events).toFixed(1) : 0,
      benchProcessCpuMs: Math.round((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000),
      counted: t.status(),
    });
  } finally {
    tracked.kill("SIGKILL");
  }
  const rows: (string | number)[][] = [["case", "first scan ms", "per scan median / p99 ms", "CPU", "events", "ms handling them"]];
  for (const r of results) {
    const s = r.scanMs as { median: number; p99: number } | undefined;
    rows.push([
      String(r.label),
      String(r.firstScanMs),
      s ? `${s.median.toFixed(3)} / ${s.p99.toFixed(3)}` : "-",
      r.cpuPercent !== undefined ? `${String(r.cpuPercent)} % (every ${SCAN_MS} ms)` : "0 at rest",
      r.events !== undefined ? String(r.events) : "-",
      r.eventHandlingMs !== undefined ? String(r.eventHandlingMs) : "-",
    ]);
  }
  console.log(table(rows));
  const file = writeResult("track-process", {
    machine: machine(),
    scans: SCANS,
    scanIntervalMs: SCAN_MS,
    recheckScans: RECHECK_SCANS,
    results,
  });
  console.log(`written ${file}`);
  rmSync(dir, { recursive: true, force: true });
}

void main();
