// The incremental lateness window that /healthz, /status and the dumps read.
import { describe, expect, it } from "vitest";
import { LatenessWindow } from "../../src/daemon/lateness.js";

describe("lateness window", () => {
  it("gives p50, p99 and max of the last 8192 samples, within a 0.05 ms bucket, never above the max", () => {
    const w = new LatenessWindow();
    expect(w.summary()).toEqual({ samples: 0, p50: 0, p99: 0, max: 0 });
    for (let i = 0; i < 10_000; i++) w.add(i < 1808 ? 500 : (i % 100) / 100); // the 500 ms ones fall out of the window
    const s = w.summary();
    expect(s.samples).toBe(8192);
    expect(s.max).toBeCloseTo(0.99, 6);
    expect(s.p50).toBeGreaterThanOrEqual(0.49);
    expect(s.p50).toBeLessThanOrEqual(0.55);
    expect(s.p99).toBeLessThanOrEqual(s.max);
    expect(s.p99).toBeGreaterThanOrEqual(0.95);
  });
});
