#!/usr/bin/env bash
# The test command (README, .ci/run): dependencies, the Temporal CLI, type check, lint, then every test on
# the real Temporal dev server and PostgreSQL (DATABASE_URL's server when set, otherwise embedded).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$(date +%s)
bash scripts/ensure-deps.sh
bash scripts/ensure-poppler.sh
temporal_bin=$(bash scripts/ensure-temporal.sh)
echo "Temporal CLI: $temporal_bin ($("$temporal_bin" --version))"
npx tsc --noEmit
npx eslint .
mkdir -p .data
status=0
bash scripts/run-vitest.sh "$@" || status=$?
echo "test suite wall time: $(( $(date +%s) - start ))s"
exit $status
