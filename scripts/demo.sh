#!/usr/bin/env bash
# The README's first command: set up a bare machine, then run the live failover demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec node dist-lab/lab/demo.js
