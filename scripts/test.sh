#!/usr/bin/env bash
# The test command (README, .ci/run): dependencies, the Temporal CLI, type check, lint, then every test on
# the real Temporal dev server and PostgreSQL (DATABASE_URL's server when set, otherwise embedded).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$(date +%s)
bash scripts/ensure-deps.sh
bash scripts/ensure-poppler.sh
# the console's browser test drives Debian's Chromium (test/console.test.ts)
bash scripts/ensure-chromium.sh >/dev/null
temporal_bin=$(bash scripts/ensure-temporal.sh)
echo "Temporal CLI: $temporal_bin ($("$temporal_bin" --version))"
npx tsc --noEmit
# the console is checked against the API as it is: its API types are generated, not committed
node --import tsx scripts/console-types.ts
npx tsc --noEmit -p console
npx eslint .
# the OpenAPI document (the one /docs/json serves) passes Redocly's lint: no network needed, a few seconds
npm run --silent openapi:lint
mkdir -p .data
status=0
bash scripts/run-vitest.sh "$@" || status=$?
echo "test suite wall time: $(( $(date +%s) - start ))s"
exit $status
