// Writes test/durations.json: each test file's seconds from vitest JSON reports (default: the
// last `npm test`'s, .test-results/vitest-*.json), which test/sequencer.ts reads to start the
// longest files first on a machine with no vitest cache (a fresh clone: CI). Run it after a full
// run when files were added, split or made much faster; stale figures change only the order.
const { existsSync, readFileSync, readdirSync, writeFileSync } = require("node:fs");
const { join, relative } = require("node:path");

const ROOT = join(__dirname, "..");
const reports = process.argv.slice(2);
const files = reports.length
  ? reports
  : readdirSync(join(ROOT, ".test-results"))
      .filter((f) => /^vitest-.*\.json$/.test(f))
      .map((f) => join(ROOT, ".test-results", f));
const out = {};
for (const file of files)
  for (const t of JSON.parse(readFileSync(file, "utf8")).testResults)
    if (existsSync(t.name)) out[relative(ROOT, t.name)] = Math.round((t.endTime - t.startTime) / 100) / 10; // not a file since removed
const sorted = Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
writeFileSync(join(ROOT, "test/durations.json"), JSON.stringify(sorted, null, 2) + "\n");
console.log(`test/durations.json: ${Object.keys(sorted).length} files from ${files.length} report(s)`);
