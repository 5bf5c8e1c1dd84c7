// .ci/run's counting: a test file that fails to load must count as a failure, not vanish.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const script = new URL("../../scripts/test-counts.cjs", import.meta.url).pathname;
const { counts } = require(script) as { counts: (r: unknown) => { passed: number; failed: number; ok: boolean } };

const file = (name: string, status: string, tests: string[], message = "") => ({
  name,
  status,
  message,
  assertionResults: tests.map((s) => ({ status: s })),
});
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("test counts", () => {
  it("counts a file that failed to load as one failure", () => {
    const report = {
      success: false,
      numPassedTests: 4,
      numFailedTests: 0,
      testResults: [
        file("a.test.ts", "passed", ["passed", "passed", "passed", "passed"]),
        file("broken.test.ts", "failed", [], "Cannot find module"),
      ],
    };
    expect(counts(report)).toEqual(expect.objectContaining({ passed: 4, failed: 1, ok: false }));
  });
  it("counts failed tests once, not again for their file", () => {
    const report = {
      success: false,
      numPassedTests: 1,
      numFailedTests: 2,
      testResults: [file("a.test.ts", "failed", ["passed", "failed", "failed"])],
    };
    expect(counts(report)).toEqual(expect.objectContaining({ passed: 1, failed: 2, ok: false }));
  });
  it("exits 0 only for a clean report, and 1 with a line for a missing report", () => {
    const d = mkdtempSync(join(tmpdir(), "counts-"));
    dirs.push(d);
    const ok = join(d, "ok.json");
    writeFileSync(
      ok,
      JSON.stringify({
        success: true,
        numPassedTests: 3,
        numFailedTests: 0,
        testResults: [file("a.test.ts", "passed", ["passed", "passed", "passed"])],
      }),
    );
    const r1 = spawnSync(process.execPath, [script, ok], { encoding: "utf8", timeout: 10_000 });
    expect([r1.status, r1.stdout.trim()]).toEqual([0, "3 passed, 0 failed"]);
    const r2 = spawnSync(process.execPath, [script, join(d, "missing.json")], { encoding: "utf8", timeout: 10_000 });
    expect(r2.status).toBe(1);
    expect(r2.stdout).toContain("0 passed, 1 failed");
  });
});
