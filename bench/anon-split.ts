// Where a steady daemon's anonymous memory goes (issues 28 and 33): a master and a backup of N
// VRRPv3 instances at 0.1 s (spread over ceil(N/255) interfaces as in bench/scale.ts), each run with
// a preload that records V8's own accounting (process.memoryUsage, heap spaces) at BENCH_DUMP_MS;
// at the same moment /proc/PID/smaps splits the process's Anonymous pages by mapping: malloc's
// [heap], unnamed anonymous mappings (V8's heap pages, code space, thread stacks, malloc arenas),
// and private copies of file pages (the node binary's and libraries' data). A bare Node idling is
// the first row. BENCH_BINS: label=path pairs (default tsvrrpd=bin/tsvrrpd). Writes
// bench/results/anon-split.json.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Lab, waitFor } from "../lab/netns.js";
import { scaleConf } from "../lab/scale-conf.js";
import { shebangFlags, table, writeResult } from "./common.js";
import { createScaleLab, segments, vipCount } from "./segments.js";

const SIZES = (process.env.BENCH_SIZES ?? "255,1020").split(",").map(Number);
const DUMP_MS = Number(process.env.BENCH_DUMP_MS ?? 60_000);
const BINS = (process.env.BENCH_BINS ?? `tsvrrpd=${fileURLToPath(new URL("../../bin/tsvrrpd", import.meta.url))}`)
  .split(",")
  .map((p) => p.split("=") as [string, string]);

/** BENCH_SNAPSHOT=1: a heap snapshot too, after the figures, summed by object kind (what the V8 heap holds). */
const SNAPSHOT = process.env.BENCH_SNAPSHOT === "1";

const PRELOAD = `import { writeFileSync } from "node:fs";
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from "node:v8";
const out = process.env.BENCH_MEMDUMP;
const snap = process.env.BENCH_SNAPSHOT_FILE;
if (out) setTimeout(() => {
  writeFileSync(out, JSON.stringify({ usage: process.memoryUsage(), heap: getHeapStatistics(), spaces: getHeapSpaceStatistics() }));
  // The snapshot later, once the bench has read smaps: taking one grows the process.
  if (snap) setTimeout(() => { writeHeapSnapshot(snap); writeFileSync(snap + ".done", ""); }, 5000).unref();
}, Number(process.env.BENCH_MEMDUMP_MS)).unref();
`;

/** A heap snapshot's self sizes summed by node type and name (constructor, "(compiled code)", ...): the top `n`. */
function snapshotTop(file: string, n: number): { kind: string; count: number; MiB: number }[] {
  const snap = JSON.parse(readFileSync(file, "utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const f = snap.snapshot.meta.node_fields;
  const width = f.length;
  const [iType, iName, iSize] = [f.indexOf("type"), f.indexOf("name"), f.indexOf("self_size")];
  const types = snap.snapshot.meta.node_types[0];
  const by = new Map<string, { count: number; bytes: number }>();
  for (let k = 0; k < snap.nodes.length; k += width) {
    const type = types[snap.nodes[k + iType]!]!;
    // Strings and code by type alone; objects by constructor name.
    const key = type === "object" || type === "closure" || type === "native" ? `${type}: ${snap.strings[snap.nodes[k + iName]!]}` : type;
    const e = by.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += snap.nodes[k + iSize]!;
    by.set(key, e);
  }
  return [...by]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, n)
    .map(([kind, e]) => ({ kind, count: e.count, MiB: e.bytes / 2 ** 20 }));
}

interface Split {
  rssKiB: number;
  anonKiB: number;
  mallocHeapKiB: number;
  anonMappingsKiB: number;
  fileCopiesKiB: number;
  stackKiB: number;
}

/** Anonymous KiB of a process by kind of mapping, from /proc/PID/smaps. */
function smapsSplit(pid: number): Split {
  const text = readFileSync(`/proc/${pid}/smaps`, "utf8");
  const s: Split = { rssKiB: 0, anonKiB: 0, mallocHeapKiB: 0, anonMappingsKiB: 0, fileCopiesKiB: 0, stackKiB: 0 };
  let name = "";
  for (const line of text.split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      name = head[1]!.trim();
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss) s.rssKiB += Number(rss[1]);
    const anon = /^Anonymous:\s+(\d+)/.exec(line);
    if (!anon) continue;
    const kib = Number(anon[1]);
    s.anonKiB += kib;
    if (name === "[heap]") s.mallocHeapKiB += kib;
    else if (name === "[stack]") s.stackKiB += kib;
    else if (name === "" || name.startsWith("[anon")) s.anonMappingsKiB += kib;
    else s.fileCopiesKiB += kib;
  }
  return s;
}

interface V8Dump {
  usage: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  heap: { total_heap_size: number; used_heap_size: number; malloced_memory: number; total_physical_size: number };
  spaces: { space_name: string; space_size: number; space_used_size: number; physical_space_size: number }[];
}

const MiB = (kib: number) => kib / 1024;

function row(label: string, role: string, n: number, split: Split, v8?: V8Dump): Record<string, unknown> {
  const space = (name: string) => (v8?.spaces.find((x) => x.space_name === name)?.physical_space_size ?? NaN) / 2 ** 20;
  return {
    daemon: label,
    role,
    instances: n,
    rssMiB: MiB(split.rssKiB),
    anonMiB: MiB(split.anonKiB),
    mallocHeapMiB: MiB(split.mallocHeapKiB),
    anonMappingsMiB: MiB(split.anonMappingsKiB),
    fileCopiesMiB: MiB(split.fileCopiesKiB),
    stackMiB: MiB(split.stackKiB),
    v8HeapPhysicalMiB: v8 ? v8.heap.total_physical_size / 2 ** 20 : NaN,
    v8HeapUsedMiB: v8 ? v8.heap.used_heap_size / 2 ** 20 : NaN,
    v8MallocedMiB: v8 ? v8.heap.malloced_memory / 2 ** 20 : NaN,
    externalMiB: v8 ? v8.usage.external / 2 ** 20 : NaN,
    oldSpaceMiB: space("old_space"),
    newSpaceMiB: space("new_space"),
    codeSpaceMiB: space("code_space"),
    largeObjectMiB: space("large_object_space"),
  };
}

async function bareNode(): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, [...shebangFlags(), "-e", "setTimeout(() => {}, 1e6)"], {
    stdio: "ignore",
  });
  await new Promise((r) => setTimeout(r, 3000));
  const split = smapsSplit(child.pid!);
  child.kill("SIGKILL");
  return row("bare node", "-", 0, split);
}

async function main(): Promise<void> {
  const lab = new Lab("bas");
  process.on("SIGINT", () => void lab.destroy().then(() => process.exit(130)));
  const results: Record<string, unknown>[] = [await bareNode()];
  try {
    createScaleLab(lab, Math.max(...SIZES));
    const preload = join(lab.dir, "memdump.mjs");
    writeFileSync(preload, PRELOAD);
    for (const n of SIZES)
      for (const [label, bin] of BINS) {
        const interfaces = segments(n);
        const flags = readFileSync(bin, "utf8")
          .split("\n")[0]!
          .split(/\s+/)
          .filter((w) => w.startsWith("--"));
        const pids: Record<string, number> = {};
        for (const [r, prio, state] of [
          ["m", 200, "MASTER"],
          ["s", 100, "BACKUP"],
        ] as const) {
          const conf = join(lab.dir, `${r}-${label}-${n}.conf`);
          writeFileSync(conf, scaleConf({ instances: n, priority: prio, state, interfaces }));
          const child = lab.spawn(
            r,
            process.execPath,
            [
              ...flags,
              "--import",
              preload,
              bin,
              "-n",
              "-f",
              conf,
              "-p",
              join(lab.dir, `${r}-${label}-${n}.pid`),
              "--control",
              join(lab.dir, `${r}-${label}-${n}.sock`),
            ],
            {
              stdio: "ignore",
              env: {
                ...process.env,
                BENCH_MEMDUMP: join(lab.dir, `${r}-${label}-${n}.json`),
                BENCH_MEMDUMP_MS: String(DUMP_MS),
                ...(SNAPSHOT ? { BENCH_SNAPSHOT_FILE: join(lab.dir, `${r}-${label}-${n}.heapsnapshot`) } : {}),
              },
            },
          );
          if (r === "m") await waitFor("m masters everything", () => vipCount(lab, "m", 4) === n, 60_000, 200);
          // ip netns exec execs node: the child's pid is node's once the exec happened
          await new Promise((res) => setTimeout(res, 500));
          pids[r] = child.pid!;
        }
        const dumps = ["m", "s"].map((r) => join(lab.dir, `${r}-${label}-${n}.json`));
        await waitFor(
          "memory dumps",
          () =>
            dumps.every((f) => {
              try {
                readFileSync(f);
                return true;
              } catch {
                return false;
              }
            }),
          DUMP_MS + 60_000,
          500,
        );
        const splits = Object.fromEntries((["m", "s"] as const).map((r) => [r, smapsSplit(pids[r]!)]));
        if (SNAPSHOT)
          await waitFor(
            "heap snapshots",
            () => ["m", "s"].every((r) => existsSync(join(lab.dir, `${r}-${label}-${n}.heapsnapshot.done`))),
            120_000,
            500,
          );
        for (const [r, role] of [
          ["m", "master"],
          ["s", "backup"],
        ] as const) {
          const split = splits[r]!;
          const v8 = JSON.parse(readFileSync(join(lab.dir, `${r}-${label}-${n}.json`), "utf8")) as V8Dump;
          const x = row(label, role, n, split, v8);
          if (SNAPSHOT) x.heapTop = snapshotTop(join(lab.dir, `${r}-${label}-${n}.heapsnapshot`), 15);
          // BENCH_SNAPSHOT_DIR: keep the snapshots (the lab's directory goes with the lab) for DevTools.
          if (SNAPSHOT && process.env.BENCH_SNAPSHOT_DIR)
            copyFileSync(
              join(lab.dir, `${r}-${label}-${n}.heapsnapshot`),
              join(process.env.BENCH_SNAPSHOT_DIR, `${r}-${label}-${n}.heapsnapshot`),
            );
          results.push(x);
          console.error(JSON.stringify(x));
        }
        lab.killAll("m", "SIGKILL");
        lab.killAll("s", "SIGKILL");
        for (const r of ["m", "s"])
          for (let k = 0; k < interfaces; k++)
            lab.exec(r, "ip", ["addr", "flush", "dev", `eth${k}`, "scope", "global", "to", "198.18.0.0/16"], true);
      }
  } finally {
    await lab.destroy();
  }
  const cols = Object.keys(results[1] ?? results[0]!).filter((c) => c !== "heapTop");
  console.log(table([cols, ...results.map((r) => cols.map((c) => (r[c] as string | number | undefined) ?? "-"))]));
  console.log(`written ${writeResult(process.env.BENCH_RESULT ?? "anon-split", { dumpAfterMs: DUMP_MS, results })}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
