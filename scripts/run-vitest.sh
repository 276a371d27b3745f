#!/usr/bin/env bash
# Runs vitest and judges the run by its JSON results, not by its exit status: a library in the test process
# (embedded PostgreSQL's exit hook) ends it with status 0 even when tests failed.
#   NODE_BIN=<node> bash scripts/run-vitest.sh [vitest args...]
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .data
results=".data/vitest-results-$$.json"
rm -f "$results"
"${NODE_BIN:-node}" node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json="$results" "$@"
status=$?
if [[ ! -s "$results" ]]; then echo "vitest wrote no results (exit $status)" >&2; exit 1; fi
# the plain closing line CI reads, and the verdict
node -e '
  const r = require(process.argv[1]);
  // a test that passed with errors on record passed on its retry: name it, with the first line of its first error
  for (const f of r.testResults) for (const t of f.assertionResults)
    if (t.status === "passed" && t.failureMessages.length > 0)
      console.log(`passed on retry: ${f.name.replace(process.cwd() + "/", "")} > ${t.fullName}: ${String(t.failureMessages[0]).split("\n")[0]}`);
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
  const bad = r.numFailedTests > 0 || r.numFailedTestSuites > 0 || r.numTotalTests === 0 || r.success === false;
  process.exit(bad ? 1 : 0);
' "$PWD/$results"
verdict=$?
cp "$results" .data/vitest-results.json
rm -f "$results"
exit $(( verdict || status ))
