// Prints "N passed, N failed" from vitest's JSON report and exits non-zero when anything failed.
// A test file that fails to load (import error, top-level throw) is a failed suite with no
// failed test: it counts as one failure, or a broken file would read "N passed, 0 failed".
const { readFileSync } = require("node:fs");

function counts(report) {
  const fileFailures = report.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed"));
  const failed = report.numFailedTests + fileFailures.length;
  return {
    passed: report.numPassedTests,
    failed,
    fileFailures: fileFailures.map((f) => `${f.name}: ${(f.message || "").split("\n")[0]}`),
    ok: failed === 0 && report.success === true,
  };
}

module.exports = { counts };

if (require.main === module) {
  let c;
  try {
    c = counts(JSON.parse(readFileSync(process.argv[2], "utf8")));
  } catch (e) {
    console.log(`cannot read test results ${process.argv[2]}: ${e.message}`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
  for (const f of c.fileFailures) console.log(`failed to run: ${f}`);
  console.log(`${c.passed} passed, ${c.failed} failed`);
  process.exit(c.ok ? 0 : 1);
}
