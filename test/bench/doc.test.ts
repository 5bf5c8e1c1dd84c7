// docs/benchmarks.md is generated from bench/results/*.json: every figure in it comes from a file a bench script
// wrote, and the page names the host each file was measured on.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { benchmarksMarkdown } from "../../bench/doc.js";

const RESULTS = fileURLToPath(new URL("../../bench/results/", import.meta.url));

describe("docs/benchmarks.md", () => {
  it("is the current rendering of bench/results (npx tsc -p tsconfig.bench.json && node scripts/bench-doc.mjs)", () => {
    expect(readFileSync(new URL("../../docs/benchmarks.md", import.meta.url), "utf8")).toBe(benchmarksMarkdown(RESULTS));
  });

  it("names the host a result records, and says so when an old result recorded none", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-doc-"));
    try {
      const http = JSON.parse(readFileSync(join(RESULTS, "http-load.json"), "utf8")) as { machine: Record<string, unknown> };
      writeFileSync(join(dir, "http-load.json"), JSON.stringify({ ...http, machine: { ...http.machine, host: "lab-7: Linux 6.1" } }));
      const { host: _, ...old } = http.machine;
      writeFileSync(
        join(dir, "rss-floor.json"),
        JSON.stringify({ machine: old, runs: 1, results: { "bare node": { rssMiB: 1, anonMiB: 1, fileMiB: 0 } } }),
      );
      const md = benchmarksMarkdown(dir);
      expect(md).toContain("host: lab-7: Linux 6.1;");
      expect(md).toContain("host: unknown (recorded before hosts were named);");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a result file that has no section, so a new bench gets a table", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-doc-"));
    try {
      writeFileSync(join(dir, "new-bench.json"), "{}");
      expect(() => benchmarksMarkdown(dir)).toThrow(/new-bench\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
