#!/usr/bin/env bash
# `npm start`: installs what is missing, then brings up PostgreSQL, Temporal (dev server + UI), the mail
# catcher, the worker and the API (scripts/start.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh
exec node --import tsx scripts/start.ts "$@"
