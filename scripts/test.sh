#!/usr/bin/env bash
# The README's test command: set up a bare machine, then run every test (unit, property, simulator, namespace).
# Extra arguments go to vitest (e.g. a file filter).
#
# Order (vitest.config.ts has the groups): the unit, alloc and functional files in parallel, with lint
# beside them (its CPU goes where namespace tests mostly wait on timers), then the timing files
# alone, after lint has finished: nothing else of ours runs while they measure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf .test-results && mkdir -p .test-results   # never count a previous run
set +e
# Formatting, type checks of tests and benches, and typescript-eslint (no floating promises,
# no unused values): a lint failure fails the run like a failed test.
npm run --silent lint > .test-results/lint.log 2>&1 &
lint=$!
vitest() {
  local name=$1
  shift
  npx vitest run --passWithNoTests --reporter=default --reporter=json --outputFile.json=".test-results/vitest-$name.json" "$@"
}
SECONDS=0
vitest parallel --project unit --project alloc --project functional "$@"
rc=$?
parallel_s=$SECONDS
wait $lint
lrc=$?
cat .test-results/lint.log
SECONDS=0
vitest timing --project timing "$@"
trc=$?
echo "wall time: unit + functional ${parallel_s} s (${TSVRRPD_TEST_WORKERS:-6} workers), timing ${SECONDS} s"
[ $rc -eq 0 ] && rc=$trc
# "N passed, N failed, N skipped" over both runs: a skip without a reason in scripts/test-skips.json fails the run.
node scripts/test-counts.cjs .test-results/vitest-parallel.json .test-results/vitest-timing.json || { [ $rc -eq 0 ] && rc=1; }
if [ $lrc -ne 0 ]; then
  echo "lint: failed (run npm run lint; npm run format fixes formatting)" >&2
  [ $rc -eq 0 ] && rc=1
fi
set -e
exit $rc
