// Renders docs/benchmarks.md from bench/results/*.json (scripts/bench-doc.mjs writes it; test/bench/doc.test.ts
// checks it is current). Every figure in the page is read from a result file a bench script wrote; the prose here
// holds no figures of its own. A result file without a section here is an error, so a new bench gets a table.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { quantile } from "./common.js";

type Json = Record<string, unknown>;
type Cell = string | number | null | undefined;

const UNKNOWN_HOST = "unknown (recorded before hosts were named)";

function fmt(c: Cell, digits?: number): string {
  if (c === null || c === undefined || (typeof c === "number" && !Number.isFinite(c))) return "-";
  if (typeof c === "string") return c;
  if (digits !== undefined) return c.toFixed(digits);
  if (Number.isInteger(c)) return String(c);
  return c.toFixed(Math.abs(c) < 10 ? 2 : 1);
}

/** A column with any fraction in it prints every number as a fraction, so 7 MiB reads 7.00 beside 6.96. */
function table(head: string[], rows: Cell[][]): string {
  const fractional = head.map((_, i) => rows.some((r) => typeof r[i] === "number" && !Number.isInteger(r[i])));
  const cell = (c: Cell, i: number) =>
    typeof c === "number" && Number.isInteger(c) && fractional[i] ? fmt(c, Math.abs(c) < 10 ? 2 : 1) : fmt(c);
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map((r) => line(r.map(cell)))].join("\n");
}

/** "host: …" and what else the file recorded about the machine, in one line. */
function hostLine(machine: unknown): string {
  if (!machine || typeof machine !== "object") return `host: ${UNKNOWN_HOST}; machine not recorded`;
  const m = machine as Json;
  const facts = [
    m.date ? `recorded ${String(m.date).slice(0, 10)}` : undefined,
    m.node ? `Node ${String(m.node)}` : undefined,
    m.cpu ? `${String(m.cpu)} x ${String(m.cores)} cores` : undefined,
    m.memGiB ? `${String(m.memGiB)} GiB` : undefined,
    m.keepalived ? String(m.keepalived) : "keepalived not recorded",
  ].filter(Boolean);
  return `host: ${typeof m.host === "string" ? m.host : UNKNOWN_HOST}; ${facts.join(", ")}`;
}

function source(file: string, command: string, machine: unknown): string {
  return `\`${command}\` → \`bench/results/${file}\`. ${hostLine(machine)}.`;
}

const pct = (x: unknown) => (typeof x === "number" ? `${(x * 100).toFixed(2)} %` : "-");

function codec(r: Json): string {
  const res = r.results as Record<string, Record<string, { median: number; p99: number; allocBytesPerOp: number }>>;
  const rows: Cell[][] = [];
  const names: Record<string, string> = { encode: "encode", decode: "decode+validate", encodeDecode: "encode+decode" };
  const sm: Record<string, string> = {
    masterTimer: "state machine: MASTER advert timer",
    backupAdvert: "state machine: BACKUP receives advert",
  };
  for (const [kase, ops] of Object.entries(res))
    for (const [op, s] of Object.entries(ops))
      rows.push([
        kase === "stateMachine" ? (sm[op] ?? op) : `${names[op] ?? op} ${kase}`,
        fmt(s.median, 0),
        fmt(s.p99, 0),
        fmt(s.allocBytesPerOp, 1),
      ]);
  return [
    "## Codec and state machine",
    source("codec.json", "node --expose-gc dist-bench/bench/codec.js", r.machine) +
      ` ${fmt(r.batches as number)} batches x ${fmt(r.perBatch as number)}.`,
    table(["operation", "median ns", "p99 ns", "bytes allocated/op"], rows),
  ].join("\n\n");
}

interface FailoverCase {
  floorMs: number;
  gapOverFloorMs: number[];
  garpAfterAdvertMs: number[];
  gap: { median: number; max: number; p25?: number; p75?: number };
  garp: { median: number };
}

/** One row per config and daemon; quartiles from the file's own runs (older files have no p25/p75 field). */
function failoverTable(results: Record<string, FailoverCase>): string {
  const rows = Object.entries(results).map(([name, c]) => {
    const cut = name.lastIndexOf(" ");
    const p25 = c.gap.p25 ?? quantile(c.gapOverFloorMs, 0.25);
    const p75 = c.gap.p75 ?? quantile(c.gapOverFloorMs, 0.75);
    return [
      name.slice(0, cut),
      name.slice(cut + 1),
      c.gapOverFloorMs.length,
      fmt(c.gap.median),
      `${fmt(p25)}-${fmt(p75)}`,
      fmt(c.gap.max),
      fmt(c.garp.median),
    ];
  });
  return table(
    ["config", "daemon", "takeovers", "gap over floor, median ms", "p25-p75 ms", "max ms", "GARP after advert, median ms"],
    rows,
  );
}

function failover(r: Json): string {
  return [
    "## Failover",
    source("failover.json", `BENCH_RUNS=${fmt(r.runsPerCase as number)} node dist-bench/bench/failover.js`, r.machine),
    "The gap is the time from the floor (3 x interval + skew, after the master is killed) to the new master's first advert, and GARP the time from that advert to its gratuitous ARP, both read from a capture on the LAN bridge. The two daemons take turns run by run, who goes first alternating, so the host's drift falls on both.",
    failoverTable(r.results as Record<string, FailoverCase>),
  ].join("\n\n");
}

function scale(r: Json): string {
  const medians = r.medians as Cell[][];
  return [
    "## Steady state",
    source(
      "scale.json",
      `BENCH_SECONDS=${fmt(r.seconds as number)} BENCH_REPEAT=${fmt(r.repeat as number)} node dist-bench/bench/scale.js`,
      r.machine,
    ),
    `VRRPv3 0.1 s, one VIP per instance, master and backup of the same kind, ${fmt(r.seconds as number)} s windows; medians of the runs of each case (the file has every run). Jitter is each advert's deviation from its schedule, read from a capture; spurious counts adverts from the backup. "elsewhere" rows run both daemons plain beside \`bench/exec-load.c\`, which starts \`/bin/true\` at that rate: the same exec load without the daemon spawning.`,
    table(medians[0] as string[], medians.slice(1)),
  ].join("\n\n");
}

function scaleWide(r: Json): string {
  const medians = r.medians as Cell[][];
  return [
    "## Steady state past one interface (issue 33)",
    source(
      "scale-1020.json",
      `BENCH_SIZES=255,1020 BENCH_SECONDS=${fmt(r.seconds as number)} BENCH_REPEAT=${fmt(r.repeat as number)} BENCH_KINDS=tsvrrpd-base,tsvrrpd,keepalived BENCH_TRACE_GC=1 BENCH_CHECKS=plain BENCH_RESULT=scale-1020 node dist-bench/bench/scale.js`,
      r.machine,
    ),
    `As the steady-state table, with 1,020 instances spread over 4 interfaces, each a veth on its own lab bridge (255 VRIDs per L2 segment, VIPs in 198.18.0.0/15). tsvrrpd-base is the build before the allocation cuts (BENCH_BASE_BIN), run in the same session; the three take turns, who goes first alternating. tsvrrpd runs under --trace-gc: GCs per minute in the window and the longest mark-compact pause of master or backup. load is the 1-minute load average at the end of each window (the machine is shared).${r.note ? ` ${String(r.note).replace(/\.?$/, ".")}` : ""}`,
    table(medians[0] as string[], medians.slice(1)),
  ].join("\n\n");
}

interface ScaleRow {
  instances: number;
  family?: number;
  daemon: string;
  scripts: boolean;
  externalExecsPerSec?: number;
  masterCpuPct: number;
  masterRssMiB: number;
  masterAnonMiB?: number;
  backupCpuPct: number;
  jitterMs: { p50: number | null; p99: number | null };
  spuriousBackupAdverts: number;
}

/** Runs of scale.ts in one session, daemons taking turns: the medians table. */
function scaleMedians(file: string, title: string, env: string, r: Json): string {
  const medians = r.medians as Cell[][];
  return [
    `## ${title}`,
    source(
      file,
      `${env} BENCH_REPEAT=${fmt(r.repeat as number)} BENCH_SECONDS=${fmt(r.seconds as number)} BENCH_RESULT=${file.replace(/\.json$/, "")} node dist-bench/bench/scale.js`,
      r.machine,
    ),
    `Conditions recorded in the file: ${String(r.note).replace(/\.?$/, ".")}`,
    table(medians[0] as string[], medians.slice(1)),
  ].join("\n\n");
}

function scaleRunsTable(label: string, rows: ScaleRow[]): Cell[][] {
  return rows.map((x) => [
    label,
    x.instances,
    x.family ? `IPv${x.family}` : "IPv4",
    x.daemon,
    x.scripts ? `${x.instances}/s` : x.externalExecsPerSec ? `none; ${x.externalExecsPerSec}/s elsewhere` : "-",
    x.masterCpuPct,
    x.masterRssMiB,
    x.masterAnonMiB,
    x.backupCpuPct,
    x.jitterMs.p50,
    x.jitterMs.p99,
    x.spuriousBackupAdverts,
  ]);
}

const SCALE_HEAD = [
  "run",
  "instances",
  "IP",
  "daemon",
  "checks",
  "master CPU %",
  "master RSS MiB",
  "master anon MiB",
  "backup CPU %",
  "jitter p50 ms",
  "p99 ms",
  "spurious",
];

function scaleAb(file: string, title: string, r: Json): string {
  const before = r.before as Json;
  const after = r.after as Json;
  const label = (p: Json, name: string) => (p.commit ? `${name}, ${String(p.commit)}` : name);
  return [
    `## ${title}`,
    `\`bench/results/${file}\`, written by \`node dist-bench/bench/scale.js\` before and after the change. Before: ${hostLine(before.machine)}. After: ${hostLine(after.machine)}.`,
    `Conditions recorded in the file: ${String(r.note ?? r.conditions).replace(/\.?$/, ".")}`,
    table(SCALE_HEAD, [
      ...scaleRunsTable(label(before, "before"), before.results as ScaleRow[]),
      ...scaleRunsTable(label(after, "after"), after.results as ScaleRow[]),
    ]),
  ].join("\n\n");
}

function failoverAb(file: string, title: string, r: Json): string {
  const parts: string[] = [`## ${title}`];
  parts.push(`\`bench/results/${file}\`, written by \`node dist-bench/bench/failover.js\` before and after the change.`);
  parts.push(`Conditions recorded in the file: ${String(r.note ?? r.conditions).replace(/\.?$/, ".")}`);
  const ab = (p: Json, name: string) => {
    const results = (p.results ?? p) as Record<string, FailoverCase>;
    parts.push(`${p.commit ? `${name}, ${String(p.commit)}` : name}. ${hostLine(p.machine)}.`);
    parts.push(
      failoverTable(Object.fromEntries(Object.entries(results).filter(([k]) => k !== "commit" && k !== "machine" && k !== "runsPerCase"))),
    );
  };
  ab(r.before as Json, "Before");
  ab(r.after as Json, "After");
  const extra = r.backupUp600ms as Json | undefined;
  if (extra) {
    ab(extra.before as Json, "Before, backup up 600 ms before the kill");
    ab(extra.after as Json, "After, backup up 600 ms before the kill");
  }
  return parts.join("\n\n");
}

interface RssSplit {
  rss: number;
  binary: number;
  files: number;
  brk: number;
  anon: number;
}

function rssVariants(file: string, title: string, r: Json): string {
  const rows = (r.results as { variant: string; masterCpuPct: number; backupCpuPct: number; master: RssSplit }[]).map((v) => [
    v.variant,
    v.master.rss,
    v.master.binary,
    v.master.files,
    v.master.brk,
    v.master.anon,
    v.masterCpuPct,
    v.backupCpuPct,
  ]);
  return [
    `## ${title}`,
    source(
      file,
      `${Number(r.checksPerSecond) ? "BENCH_SCRIPTS=1 " : ""}BENCH_WARM=${fmt(r.warmSeconds as number)} BENCH_SECONDS=${fmt(r.seconds as number)} node dist-bench/bench/rss-variants.js`,
      r.machine,
    ),
    `A pair with ${fmt(r.instances as number)} instances at 0.1 s, ${fmt(r.checksPerSecond as number)} checks/s, ${fmt(r.warmSeconds as number)} s warm-up, then ${fmt(r.seconds as number)} s; the master's RSS split by \`/proc/PID/smaps\`. "shipped" is ${(r.shipped as string[]).map((f) => `\`${f}\``).join(" ")}.`,
    table(["variant", "master RSS MiB", "node binary", "other files", "brk", "anon", "master CPU %", "backup CPU %"], rows),
  ].join("\n\n");
}

function backupPath(r: Json): string {
  const inProc = r.inProcess as { instances: number; usPerAdvertHeard: number }[];
  const flags = ((r.execArgv as string[] | undefined) ?? []).map((f) => `${f} `).join("");
  const afterIdle = (r.afterIdle as { instances: number; batch: number; idleUs: number; usPerAdvertHeard: number }[] | undefined) ?? [];
  const lab = r.lab as {
    daemon: string;
    instances: number;
    backupUserPct: number;
    backupSysPct: number;
    userUsPerAdvert: number;
    perfSamples: number;
    dsoPct: Record<string, number>;
  }[];
  return [
    "## Where a backup's time goes (issue 33)",
    source("backup-path.json", `BENCH_SECONDS=${fmt(r.seconds as number)} node ${flags}dist-bench/bench/backup-path.js`, r.machine),
    "In process: the router, each instance's driver and the deadline queue as the daemon wires them, no sockets, one advert per instance in turn (median of 5 windows).",
    table(
      ["instances", "µs per advert heard"],
      inProc.map((x) => [x.instances, x.usPerAdvertHeard]),
    ),
    ...(afterIdle.length
      ? [
          `In process again at ${fmt(afterIdle[0]!.instances)} instances, the adverts in batches with the thread asleep between them (Atomics.wait), as the daemon's event loop sleeps between wakes; the sleeps are not counted. Back to back the working set stays in the CPU's caches; after a sleep the code, V8's own state and each instance's objects are fetched again.`,
          table(
            ["adverts per wake", "asleep between wakes µs", "µs per advert heard"],
            afterIdle.map((x) => [x.batch, x.idleUs, x.usPerAdvertHeard]),
          ),
        ]
      : []),
    `In a lab: the backup of a master of ${fmt(lab[0]?.instances)} instances (VRRPv3, 0.1 s, 255 VRIDs per segment), its CPU from /proc over ${fmt(r.seconds as number)} s and \`perf record\` of it split by where the samples fell (% of samples; JIT is compiled JavaScript, node is V8's runtime, builtins and GC and libuv).`,
    table(
      ["daemon", "user %", "system %", "user µs per advert", "perf samples", "kernel", "JIT", "node", "libc", "addon", "keepalived"],
      lab.map((x) => [
        x.daemon,
        x.backupUserPct,
        x.backupSysPct,
        x.userUsPerAdvert,
        x.perfSamples,
        x.dsoPct.kernel,
        x.dsoPct.jit,
        x.dsoPct.node,
        x.dsoPct.libc,
        x.dsoPct.addon,
        x.dsoPct.daemon,
      ]),
    ),
  ].join("\n\n");
}

function rssFloor(r: Json): string {
  const res = r.results as Record<string, { rssMiB: number; anonMiB: number; fileMiB: number }>;
  return [
    "## Memory floor",
    source("rss-floor.json", `BENCH_RUNS=${fmt(r.runs as number)} node dist-bench/bench/rss-floor.js`, r.machine),
    `What a Node process that only loads a module holds, median of ${fmt(r.runs as number)} fresh processes with the shipped flags, and how much of it is file-backed (mostly the node binary's own pages) rather than heap.`,
    table(
      ["loaded", "RSS MiB", "anon MiB", "file-backed MiB"],
      Object.entries(res).map(([k, v]) => [k, v.rssMiB, v.anonMiB, v.fileMiB]),
    ),
  ].join("\n\n");
}

function startupRss(r: Json): string {
  const res = r.results as Record<string, number>;
  return [
    "## Memory after start",
    source("startup-rss.json", "node dist-bench/bench/startup-rss.js", r.machine),
    table(
      ["instances", "HTTP", "daemon", "RSS MiB"],
      Object.entries(res).map(([k, v]) => {
        const [n, http, daemon] = k.split(" ");
        return [n, http === "http" ? "on" : "off", daemon, v];
      }),
    ),
  ].join("\n\n");
}

function trackProcess(r: Json): string {
  const res = r.results as Json[];
  return [
    "## Tracked processes",
    source("track-process.json", "node dist-bench/bench/track-process.js", r.machine),
    `${fmt(r.scans as number)} scans every ${fmt(r.scanIntervalMs as number)} ms for the scan rows; the connector row counts process events instead of scanning.`,
    table(
      ["case", "first scan ms", "scan median ms", "scan p99 ms", "CPU %", "events", "per event µs"],
      res.map((x) => {
        const s = x.scanMs as { median: number; p99: number } | undefined;
        return [
          x.label as string,
          x.firstScanMs as number,
          s?.median,
          s?.p99,
          x.cpuPercent as number,
          x.events as number,
          x.perEventUs as number,
        ];
      }),
    ),
  ].join("\n\n");
}

const CLIENT_EVENTS: Record<string, string> = {
  "host death": "host death (daemon killed, port cut)",
  "daemon crash": "daemon crash (host up, VIP left on it)",
  heal: "partition of the master, after the heal",
  reload: "SIGHUPs, then a reload adding a VIP",
  stop: "graceful stop (priority 0)",
};

function clientView(r: Json): string {
  const res = r.results as Record<string, { summary: { median: number; min: number; max: number; n: number } }>;
  return [
    "## What a client of the VIP sees",
    source("client-view.json", `BENCH_RUNS=${fmt(r.runsPerCase as number)} node dist-bench/bench/client-view.js`, r.machine),
    `A third namespace pings the VIP every ${fmt(r.pingIntervalMs as number)} ms; the figure is the longest time without a reply, VRRPv3 at 0.1 s (protocol floor, the priority-100 backup's down interval: ${fmt(r.floorMs as number)} ms). keepalived runs with its defaults; "tuned" adds \`higher_prio_send_advert\` and \`garp_lower_prio_repeat 5\` (heal only). Host death is measured from the kill, so it can come in under the floor. A crashed daemon leaves the VIP on its host, whose kernel keeps answering for it until the new master's gratuitous ARP moves the clients. One lost ping reads as two ping intervals.`,
    table(
      ["event", "daemon", "runs", "longest silence median ms", "min ms", "max ms"],
      Object.entries(res).map(([k, v]) => {
        const [event, daemon] = k.split(" / ");
        return [CLIENT_EVENTS[event!] ?? event, daemon, v.summary.n, v.summary.median, v.summary.min, v.summary.max];
      }),
    ),
  ].join("\n\n");
}

function httpLoad(r: Json): string {
  const idle = r.latenessIdle as Json;
  const loaded = r.latenessLoaded as Json;
  const seconds = r.seconds as number;
  // bench/http-load.ts gives no idleSeconds to the lab, which then runs the idle window as long as the loaded one
  const idleSeconds = (r.idleSeconds as number | undefined) ?? seconds;
  const rps = r.rpsPerEndpoint as number;
  return [
    "## HTTP under load",
    source("http-load.json", `BENCH_SECONDS=${fmt(seconds)} node dist-bench/bench/http-load.js`, r.machine),
    `A master of ${fmt(r.instances as number)} VRRPv3 instances at 0.1 s with a backup, ${fmt(rps)} requests/s to each of \`/metrics\`, \`/status\` and \`/healthz\`; advert send lateness from the master's own histogram.`,
    table(
      [
        "window",
        "seconds",
        "adverts",
        "later than 1 ms",
        "later than 5 ms",
        "later than 20 ms",
        "HTTP answered / failed",
        "backup transitions",
      ],
      [
        ["idle", idleSeconds, idle.adverts as number, pct(idle.over1ms), pct(idle.over5ms), pct(idle.over20ms), "-", "-"],
        [
          `${fmt(rps * 3)} requests/s`,
          seconds,
          loaded.adverts as number,
          pct(loaded.over1ms),
          pct(loaded.over5ms),
          pct(loaded.over20ms),
          `${fmt(r.answered as number)} / ${fmt(r.failed as number)}`,
          r.backupTransitions as number,
        ],
      ],
    ),
  ].join("\n\n");
}

interface AllocRow {
  scenario: string;
  bytesPerAdvert: number;
  top: { site: string; bytesPerAdvert: number }[];
}

function alloc(file: string, title: string, r: Json): string {
  const rows = r.results as AllocRow[];
  return [
    `## ${title}`,
    source(file, "node dist-bench/bench/alloc.js", r.machine),
    `Bytes allocated per advert in steady state, by the sampling heap profiler (every ${fmt(r.samplingIntervalBytes as number)} bytes, objects already collected kept), over ${fmt((r.results as { adverts?: number }[])[0]?.adverts)} adverts per scenario; the paths of \`lab/advert-scenarios.ts\`, the one test/alloc checks exactly. The three largest allocating functions follow each figure.${r.commit ? ` Code: ${String(r.commit)}.` : ""}${r.note ? ` ${String(r.note).replace(/\.?$/, ".")}` : ""}`,
    table(
      ["scenario", "bytes per advert", "where (bytes per advert)"],
      rows.map((x) => [
        x.scenario,
        x.bytesPerAdvert,
        x.top
          .filter((t) => t.bytesPerAdvert >= 1)
          .slice(0, 3)
          .map((t) => `${t.site} (${fmt(t.bytesPerAdvert, 1)})`)
          .join("; ") || "-",
      ]),
    ),
  ].join("\n\n");
}

function anonSplit(r: Json): string {
  const rows = r.results as Record<string, unknown>[];
  const cols: [string, string][] = [
    ["daemon", "daemon"],
    ["role", "role"],
    ["instances", "instances"],
    ["rssMiB", "RSS MiB"],
    ["anonMiB", "anon MiB"],
    ["anonMappingsMiB", "anon mappings (V8 heap, stacks) MiB"],
    ["mallocHeapMiB", "malloc [heap] MiB"],
    ["v8HeapPhysicalMiB", "V8 heap MiB"],
    ["v8HeapUsedMiB", "V8 used MiB"],
    ["externalMiB", "external MiB"],
  ];
  const parts = [
    "## Where the anonymous memory goes (issues 28 and 33)",
    source(
      "anon-split.json",
      `BENCH_SIZES=${[...new Set(rows.map((x) => x.instances).filter((n) => n))].join(",")} BENCH_SNAPSHOT=1 BENCH_DUMP_MS=${fmt(r.dumpAfterMs as number)} node dist-bench/bench/anon-split.js`,
      r.machine,
    ),
    "Anonymous memory of a master and a backup of N instances (VRRPv3 0.1 s, 255 per interface) split by mapping from /proc/PID/smaps, beside V8's own accounting at the same moment; a bare Node idling is the first row. bench/notes.md reads it.",
    table(
      cols.map(([, h]) => h),
      rows.map((x) => cols.map(([k]) => x[k] as Cell)),
    ),
  ];
  for (const x of rows) {
    const top = x.heapTop as { kind: string; count: number; MiB: number }[] | undefined;
    if (!top) continue;
    parts.push(
      `V8 heap of the ${String(x.daemon)} ${String(x.role)} at ${String(x.instances)} instances, by kind (heap snapshot, self sizes):`,
      table(
        ["kind", "count", "MiB"],
        top.slice(0, 10).map((t) => [t.kind, t.count, t.MiB]),
      ),
    );
  }
  return parts.join("\n\n");
}

/** Sections in page order, one per result file. */
const SECTIONS: [file: string, render: (r: Json) => string][] = [
  ["codec.json", codec],
  ["failover.json", failover],
  ["scale.json", scale],
  ["scale-1020.json", (r) => scaleWide(r)],
  ["alloc-before.json", (r) => alloc("alloc-before.json", "Allocation per advert, before (issue 33)", r)],
  ["alloc.json", (r) => alloc("alloc.json", "Allocation per advert (issue 33)", r)],
  ["client-view.json", clientView],
  ["http-load.json", httpLoad],
  ["rss-variants.json", (r) => rssVariants("rss-variants.json", "Memory: Node's flags", r)],
  ["rss-variants-checks.json", (r) => rssVariants("rss-variants-checks.json", "Memory: Node's flags with checks", r)],
  ["backup-path.json", backupPath],
  ["rss-floor.json", rssFloor],
  ["anon-split.json", anonSplit],
  ["startup-rss.json", startupRss],
  ["track-process.json", trackProcess],
  ["failover-packet.json", (r) => failoverAb("failover-packet.json", "Failover before and after the packet layer (issue 28)", r)],
  ["scale-packet.json", (r) => scaleAb("scale-packet.json", "Steady state before and after the packet layer (issue 28)", r)],
  ["failover-router-ab.json", (r) => failoverAb("failover-router-ab.json", "Failover before and after the router split", r)],
  ["scale-router-ab.json", (r) => scaleAb("scale-router-ab.json", "Steady state before and after the router split", r)],
  [
    "scale-1020-v8pool.json",
    (r) =>
      scaleMedians(
        "scale-1020-v8pool.json",
        "One V8 worker thread against four at 1,020 instances (issue 33)",
        "BENCH_SIZES=1020 BENCH_CHECKS=plain BENCH_KINDS=tsvrrpd,tsvrrpd-base,keepalived BENCH_BASE_BIN=...",
        r,
      ),
  ],
  [
    "scale-driver-ab.json",
    (r) =>
      scaleMedians(
        "scale-driver-ab.json",
        "Steady state before and after the per-instance driver (issue 30)",
        "BENCH_SIZES=255 BENCH_CHECKS=plain BENCH_KINDS=tsvrrpd,tsvrrpd-base,keepalived BENCH_BASE_BIN=...",
        r,
      ),
  ],
  [
    "scale-driver-ab2.json",
    (r) =>
      scaleMedians(
        "scale-driver-ab2.json",
        "The same, on a quiet machine (issue 30)",
        "BENCH_SIZES=255 BENCH_CHECKS=plain BENCH_KINDS=tsvrrpd,tsvrrpd-base BENCH_BASE_BIN=...",
        r,
      ),
  ],
  [
    "scale-1020-quiet.json",
    (r) =>
      scaleMedians(
        "scale-1020-quiet.json",
        "1,020 instances beside keepalived on a quiet machine (issue 33)",
        "BENCH_SIZES=1020 BENCH_CHECKS=plain BENCH_KINDS=tsvrrpd,keepalived BENCH_TRACE_GC=1",
        r,
      ),
  ],
  [
    "scale-1020-one-worker.json",
    (r) =>
      scaleMedians(
        "scale-1020-one-worker.json",
        "1,020 instances beside keepalived with one V8 worker thread (issue 33)",
        "BENCH_SIZES=1020 BENCH_CHECKS=plain BENCH_KINDS=tsvrrpd,keepalived BENCH_TRACE_GC=1",
        r,
      ),
  ],
  [
    "scale-1020-rt.json",
    (r) =>
      scaleMedians(
        "scale-1020-rt.json",
        "1,020 instances with vrrp_rt_priority (issue 33)",
        'BENCH_GLOBAL_DEFS="vrrp_rt_priority 10" BENCH_SIZES=1020 BENCH_CHECKS=plain BENCH_KINDS=tsvrrpd,keepalived',
        r,
      ),
  ],
];

/** docs/benchmarks.md, rendered from the JSON files in `dir` (bench/results). */
export function benchmarksMarkdown(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  const known = new Set(SECTIONS.map(([f]) => f));
  const unrendered = files.filter((f) => !known.has(f));
  if (unrendered.length) throw new Error(`bench/results has no section in bench/doc.ts for: ${unrendered.join(", ")}`);
  const body = SECTIONS.filter(([f]) => files.includes(f)).map(([f, render]) =>
    render(JSON.parse(readFileSync(join(dir, f), "utf8")) as Json),
  );
  return (
    [
      "# Benchmarks",
      "<!-- Generated by scripts/bench-doc.mjs from bench/results/*.json; do not edit. -->",
      "Every table here is read from a file in `bench/results/` that a script in `bench/` wrote; each names the command that reproduces it and the host it ran on. `npm run bench` (root; not part of `npm test`) runs the main ones. keepalived is measured in the same run as tsvrrpd wherever it appears. Results of one machine are not comparable with another's, and on a shared machine runs of one case spread: compare rows of one table, not tables.",
      "Results recorded before the bench scripts named their host say `host: " +
        UNKNOWN_HOST +
        "`; set `BENCH_HOST` to describe a host in new results.",
      ...body,
    ].join("\n\n") + "\n"
  );
}
