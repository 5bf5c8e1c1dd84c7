// Prints "N passed, N failed, N skipped" from vitest's JSON report and exits non-zero when anything
// failed or a test was skipped without a reason on the allow-list (scripts/test-skips.json).
// A test file that fails to load (import error, top-level throw) is a failed suite with no
// failed test: it counts as one failure, or a broken file would read "N passed, 0 failed".
const { readFileSync } = require("node:fs");
const { join, relative } = require("node:path");

const ROOT = join(__dirname, "..");
const SKIPPED = new Set(["skipped", "pending", "todo", "disabled"]);

/** The allow-list: [{ file, test, reason }], `test` a test's title (or its describe titles and title). */
function loadAllowed(file = join(__dirname, "test-skips.json")) {
  const list = JSON.parse(readFileSync(file, "utf8"));
  for (const e of list)
    if (!e.file || !e.test || !e.reason || !String(e.reason).trim()) throw new Error(`${file}: every entry needs file, test and reason`);
  return list;
}

function counts(report, allowed = []) {
  const fileFailures = report.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed"));
  const failed = report.numFailedTests + fileFailures.length;
  const skips = report.testResults.flatMap((f) =>
    f.assertionResults
      .filter((a) => SKIPPED.has(a.status))
      .map((a) => ({ file: relative(ROOT, f.name) || f.name, test: a.title, fullName: a.fullName ?? a.title })),
  );
  const reasonFor = (s) => allowed.find((e) => e.file === s.file && (e.test === s.test || e.test === s.fullName))?.reason;
  const allowedSkips = skips.filter((s) => reasonFor(s) !== undefined).map((s) => ({ ...s, reason: reasonFor(s) }));
  const unexplained = skips.filter((s) => reasonFor(s) === undefined);
  return {
    passed: report.numPassedTests,
    failed,
    skipped: skips.length,
    fileFailures: fileFailures.map((f) => `${f.name}: ${(f.message || "").split("\n")[0]}`),
    allowedSkips,
    unexplained,
    ok: failed === 0 && unexplained.length === 0 && report.success === true,
  };
}

module.exports = { counts, loadAllowed };

/** One report from several vitest runs (scripts/test.sh runs the timing group on its own). */
function merge(reports) {
  return {
    success: reports.every((r) => r.success === true),
    numPassedTests: reports.reduce((n, r) => n + r.numPassedTests, 0),
    numFailedTests: reports.reduce((n, r) => n + r.numFailedTests, 0),
    testResults: reports.flatMap((r) => r.testResults),
  };
}

module.exports.merge = merge;

if (require.main === module) {
  // test-counts.cjs REPORT.json... [--allow LIST.json]
  const args = process.argv.slice(2);
  const at = args.indexOf("--allow");
  const allowFile = at >= 0 ? args.splice(at, 2)[1] : undefined;
  let c;
  let reading = args[0];
  try {
    if (args.length === 0) throw new Error("no report named");
    const reports = args.map((f) => ((reading = f), JSON.parse(readFileSync(f, "utf8"))));
    reading = allowFile ?? "scripts/test-skips.json";
    c = counts(merge(reports), loadAllowed(allowFile));
  } catch (e) {
    console.log(`cannot read ${reading ?? "test results"}: ${e.message}`);
    console.log("0 passed, 1 failed, 0 skipped");
    process.exit(1);
  }
  for (const f of c.fileFailures) console.log(`failed to run: ${f}`);
  for (const s of c.allowedSkips) console.log(`skipped: ${s.file} > ${s.test} (allowed: ${s.reason})`);
  for (const s of c.unexplained) console.log(`skipped with no reason on the allow-list (scripts/test-skips.json): ${s.file} > ${s.test}`);
  console.log(`${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  process.exit(c.ok ? 0 : 1);
}
