#!/usr/bin/env bash
# Installs the npm dependencies when missing or older than package-lock.json, so `npm start`, `npm test` and
# `npm run bench:season` work on a fresh clone with nothing installed by hand.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ! -d node_modules ]]; then
  echo "installing npm dependencies (npm ci)..." >&2
  # exactly the lock's tree; the lock is kept complete (every platform's optional packages), CI checks it
  npm ci --no-audit --no-fund >&2
elif [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "updating npm dependencies..." >&2
  npm install --no-audit --no-fund >&2
elif [[ ! -f node_modules/.patches-applied || -n "$(find patches -type f -newer node_modules/.patches-applied)" ]]; then
  # a checkout that brought a new fix to a dependency (patches/): applied to the installed tree (already applied: kept)
  echo "applying patches/ to node_modules..." >&2
  npx --no-install patch-package >&2
fi
# npm ci and npm install apply patches/ themselves (postinstall)
touch node_modules/.patches-applied
