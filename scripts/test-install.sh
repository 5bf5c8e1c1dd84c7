#!/usr/bin/env bash
# The install paths as a user takes them (npm run image, npm pack + npm install -g, npm run deb),
# each a test in test/install; .ci/run runs this as its own step after `npm test`.
# Extra arguments go to vitest (e.g. test/install/deb.test.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-install.sh
mkdir -p .test-results
exec npx vitest run --config vitest.install.config.ts --reporter=default --reporter=json \
  --outputFile.json=.test-results/vitest-install.json "$@"
