// Bytes allocated per advert sent and heard in steady state (issue 33). A master of 1,020 instances
// at 0.1 s sends 10,200 adverts a second and its backup hears as many: every byte per advert is
// ~10 KB/s of garbage, and garbage is what made the mark-compact pauses. Runs in the "alloc"
// project (vitest.config.ts): --expose-gc and a 64 MB young generation, so 10,000 adverts fit in
// new space with no scavenge, and the bytes allocated are new space's growth between two forced GCs
// (checked: a GC inside the window fails the test rather than under-counting).
// bench/alloc.ts attributes the same scenarios' bytes with the sampling heap profiler.
import { GCProfiler, getHeapSpaceStatistics } from "node:v8";
import { describe, expect, it } from "vitest";
import { advertScenarios, type AdvertScenario } from "../../lab/advert-scenarios.js";

const N = 10_000;
/** The goal of issue 33: under 64 bytes per advert sent and per advert heard. */
const GOAL = 64;

const gc = (globalThis as { gc?: () => void }).gc;

function newSpaceUsed(): number {
  for (const s of getHeapSpaceStatistics()) if (s.space_name === "new_space") return s.space_used_size;
  throw new Error("no new_space in v8.getHeapSpaceStatistics()");
}

/**
 * Bytes one step allocates over N steps (after the warm-up below): new space's growth between two
 * forced GCs, less the cost of measuring an empty step.
 */
function bytesPerStep(step: () => void): number {
  if (!gc) throw new Error("run with --expose-gc (the alloc project in vitest.config.ts)");
  const window = (f: () => void): number => {
    gc();
    gc();
    const profiler = new GCProfiler();
    profiler.start();
    const before = newSpaceUsed();
    for (let k = 0; k < N; k++) f();
    const after = newSpaceUsed();
    const gcs = profiler.stop()?.statistics.length ?? 0;
    if (gcs > 0) throw new Error(`${gcs} GC(s) ran inside the window: the young generation is too small for the count`);
    return after - before;
  };
  const empty = window(() => {});
  return (window(step) - empty) / N;
}

const list = advertScenarios();
const scenarios = new Map<string, AdvertScenario>(list.map((s) => [s.name, s]));
// Warm-up: every scenario three times over, so the code the master's and the backup's paths share
// (router, drivers) is compiled for both, as in a daemon, before any is measured.
for (let r = 0; r < 3; r++) for (const s of list) for (let k = 0; k < N; k++) s.step();

function measure(name: string): number {
  const s = scenarios.get(name)!;
  const bytes = bytesPerStep(s.step);
  s.check(4 * N);
  console.log(`${name}: ${bytes.toFixed(1)} bytes per advert`);
  return bytes;
}

describe("allocation per advert in steady state (issue 33)", () => {
  it("the codec: encode and decode", () => {
    expect(measure("encode")).toBeLessThan(GOAL);
    expect(measure("decode")).toBeLessThan(GOAL);
  });

  it("the receive policy: one multicast advert checked and decoded", () => {
    expect(measure("receive policy")).toBeLessThan(GOAL);
  });

  it("a master: timer to router to driver to the socket's send, per advert sent", () => {
    expect(measure("master: timer, router, driver, send")).toBeLessThan(GOAL);
  });

  it("a backup: the socket's parse, router and driver, per advert heard", () => {
    expect(measure("backup: socket parse, router, driver")).toBeLessThan(GOAL);
  });
});
