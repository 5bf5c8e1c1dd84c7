#!/usr/bin/env bash
# The README's test command: set up a bare machine, then run every test (unit, property, simulator, namespace).
# Extra arguments go to vitest (e.g. a file filter).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf .test-results && mkdir -p .test-results   # never count a previous run
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json "$@"
rc=$?
# "N passed, N failed, N skipped": a skip without a reason in scripts/test-skips.json fails the run.
node scripts/test-counts.cjs .test-results/vitest.json || { [ $rc -eq 0 ] && rc=1; }
# Formatting, type checks of tests and benches, and typescript-eslint (no floating promises,
# no unused values): a lint failure fails the run like a failed test.
if ! npm run --silent lint; then
  echo "lint: failed (run npm run lint; npm run format fixes formatting)" >&2
  [ $rc -eq 0 ] && rc=1
fi
set -e
exit $rc
