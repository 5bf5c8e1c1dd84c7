// .ci/run's counting: a test file that fails to load must count as a failure, not vanish, and a
// skipped test counts, failing the run unless the allow-list (scripts/test-skips.json) gives a reason.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const script = new URL("../../scripts/test-counts.cjs", import.meta.url).pathname;
type Skip = { file: string; test: string; reason?: string };
const { counts, loadAllowed } = require(script) as {
  counts: (r: unknown, allowed?: Skip[]) => { passed: number; failed: number; skipped: number; unexplained: Skip[]; ok: boolean };
  loadAllowed: (file?: string) => Skip[];
};
const ROOT = new URL("../..", import.meta.url).pathname;

const file = (name: string, status: string, tests: string[], message = "") => ({
  name,
  status,
  message,
  assertionResults: tests.map((s, i) => ({ status: s, title: `t${i}`, fullName: `d t${i}` })),
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
    expect([r1.status, r1.stdout.trim()]).toEqual([0, "3 passed, 0 failed, 0 skipped"]);
    const r2 = spawnSync(process.execPath, [script, join(d, "missing.json")], { encoding: "utf8", timeout: 10_000 });
    expect(r2.status).toBe(1);
    expect(r2.stdout).toContain("0 passed, 1 failed");
  });

  it("counts skipped tests, and a skip not on the allow-list fails the run", () => {
    const report = {
      success: true,
      numPassedTests: 1,
      numFailedTests: 0,
      testResults: [file(join(ROOT, "test/x.test.ts"), "passed", ["passed", "skipped", "todo"])],
    };
    const c = counts(report, []);
    expect(c).toEqual(expect.objectContaining({ passed: 1, failed: 0, skipped: 2, ok: false }));
    expect(c.unexplained.map((s) => `${s.file} > ${s.test}`)).toEqual(["test/x.test.ts > t1", "test/x.test.ts > t2"]);
    const allowed = [
      { file: "test/x.test.ts", test: "t1", reason: "needs a thing" },
      { file: "test/x.test.ts", test: "d t2", reason: "needs another" },
    ];
    expect(counts(report, allowed)).toEqual(expect.objectContaining({ skipped: 2, unexplained: [], ok: true }));
    // the same title in another file is not allowed by that entry
    expect(counts({ ...report, testResults: [file(join(ROOT, "test/y.test.ts"), "passed", ["skipped"])] }, allowed).ok).toBe(false);

    const d = mkdtempSync(join(tmpdir(), "counts-"));
    dirs.push(d);
    writeFileSync(join(d, "r.json"), JSON.stringify(report));
    writeFileSync(join(d, "allow.json"), JSON.stringify(allowed.slice(0, 1)));
    const r = spawnSync(process.execPath, [script, join(d, "r.json"), "--allow", join(d, "allow.json")], {
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("skipped: test/x.test.ts > t1 (allowed: needs a thing)");
    expect(r.stdout).toContain("skipped with no reason on the allow-list (scripts/test-skips.json): test/x.test.ts > t2");
    expect(r.stdout.trim().split("\n").at(-1)).toBe("1 passed, 0 failed, 2 skipped");
  });

  it("adds up several reports (the parallel run and the timing run), and a missing one is a failure", () => {
    const d = mkdtempSync(join(tmpdir(), "counts-"));
    dirs.push(d);
    const one = (name: string, tests: string[], success = true) =>
      JSON.stringify({
        success,
        numPassedTests: tests.filter((t) => t === "passed").length,
        numFailedTests: tests.filter((t) => t === "failed").length,
        testResults: [file(join(ROOT, `test/${name}.test.ts`), success ? "passed" : "failed", tests)],
      });
    writeFileSync(join(d, "p.json"), one("p", ["passed", "passed"]));
    writeFileSync(join(d, "t.json"), one("t", ["passed", "failed"], false));
    const both = spawnSync(process.execPath, [script, join(d, "p.json"), join(d, "t.json")], { encoding: "utf8", timeout: 10_000 });
    expect([both.status, both.stdout.trim()]).toEqual([1, "3 passed, 1 failed, 0 skipped"]);
    const missing = spawnSync(process.execPath, [script, join(d, "p.json"), join(d, "none.json")], { encoding: "utf8", timeout: 10_000 });
    expect(missing.status).toBe(1);
    expect(missing.stdout).toContain(`cannot read ${join(d, "none.json")}`);
    expect(missing.stdout).toContain("0 passed, 1 failed, 0 skipped");
  });

  it("every entry of the allow-list names a file that exists and gives a reason", () => {
    for (const e of loadAllowed()) {
      expect(existsSync(join(ROOT, e.file)), e.file).toBe(true);
      expect(readFileSync(join(ROOT, e.file), "utf8")).toContain(e.test);
      expect(e.reason!.length).toBeGreaterThan(10);
    }
  });
});
