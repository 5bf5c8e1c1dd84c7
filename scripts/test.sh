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
set -e
exit $rc
