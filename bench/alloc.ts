// Allocation per advert sent and heard in steady state, by the sampling heap profiler (issue 33):
// the scenarios of lab/advert-scenarios.ts (the codec, the receive policy, a master's timer to
// its send, a backup's socket parse to its deadline), each run BENCH_ADVERTS times after as many
// warm-up runs, sampled every 32 bytes with the objects GC already collected kept in the profile
// (V8's includeObjectsCollectedByMajorGC/MinorGC), so the sum is what was allocated, not what is
// live. Writes bench/results/alloc.json: bytes per advert and the top allocating functions.
// test/alloc/advert-allocation.test.ts checks the same bytes exactly (new space between two GCs).
import { Session } from "node:inspector/promises";
import { loadavg } from "node:os";
import { advertScenarios } from "../lab/advert-scenarios.js";
import { table, writeResult } from "./common.js";

const N = Number(process.env.BENCH_ADVERTS ?? 10_000);
const INTERVAL = 32;

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

function sites(node: ProfileNode, out: Map<string, number>): void {
  if (node.selfSize > 0) {
    const f = node.callFrame;
    const file = f.url.replace(/^.*\/(src|node_modules)\//, "$1/");
    const key = `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
    out.set(key, (out.get(key) ?? 0) + node.selfSize);
  }
  for (const c of node.children) sites(c, out);
}

async function main(): Promise<void> {
  const session = new Session();
  session.connect();
  const results = [];
  const scenarios = advertScenarios();
  // Warm-up: every scenario, three times over, before any is sampled: the router's and drivers'
  // code is shared by the master's and the backup's paths, and optimised for both (as in a daemon).
  for (let r = 0; r < 3; r++) for (const s of scenarios) for (let k = 0; k < N; k++) s.step();
  for (const s of scenarios) {
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: INTERVAL,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    for (let k = 0; k < N; k++) s.step();
    const { profile } = (await session.post("HeapProfiler.getSamplingProfile")) as unknown as { profile: { head: ProfileNode } };
    await session.post("HeapProfiler.stopSampling");
    s.check(4 * N);
    const by = new Map<string, number>();
    sites(profile.head, by);
    const total = [...by.values()].reduce((a, b) => a + b, 0);
    const top = [...by]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([site, bytes]) => ({ site, bytesPerAdvert: bytes / N }));
    results.push({ scenario: s.name, adverts: N, bytesPerAdvert: total / N, top });
    console.error(`${s.name}: ${(total / N).toFixed(1)} bytes per advert`);
    for (const t of top) console.error(`  ${t.bytesPerAdvert.toFixed(1)}  ${t.site}`);
  }
  session.disconnect();
  console.log(table([["scenario", "bytes per advert"], ...results.map((r) => [r.scenario, r.bytesPerAdvert])]));
  console.log(
    `\nwritten ${writeResult(process.env.BENCH_RESULT ?? "alloc", { samplingIntervalBytes: INTERVAL, load: loadavg()[0], node: process.version, results })}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
