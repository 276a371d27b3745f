#!/usr/bin/env bash
# Installs the npm dependencies when missing or older than package-lock.json, so `npm start` and
# `npm test` work on a fresh clone with nothing installed by hand.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "installing npm dependencies..." >&2
  # `npm install` rather than `npm ci`: lock files written with omit-lockfile-registry-resolved lack other
  # platforms' optional packages, which `npm ci` rejects; install still follows the lock's versions.
  npm install --no-audit --no-fund >&2
fi
