#!/usr/bin/env bash
# CI's cheap checks that the deployment builds (.ci/run), no Docker engine needed:
#   1. package-lock.json: `npm ci` accepts it (in sync with package.json, every platform's optional packages) and
#      `npm install` leaves it unchanged
#   2. docker-compose.yml: `docker-compose config` (Debian's docker-compose v1, installed when missing) with the
#      required passwords set, and refused without them
#   3. what the image's build stage runs, on the image's Node (scripts/ensure-node.sh): tsc, then scripts/build.ts
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
t0=$(date +%s)

saved=$(mktemp)
trap 'rm -f "$saved"' EXIT
cp package-lock.json "$saved"
npm ci --dry-run --ignore-scripts --no-audit --no-fund >/dev/null
npm install --package-lock-only --ignore-scripts --no-audit --no-fund >/dev/null
if ! cmp -s package-lock.json "$saved"; then
  echo "package-lock.json is not what npm install writes (run npm install and commit the lock):" >&2
  diff "$saved" package-lock.json | head -40 >&2 || true
  cp "$saved" package-lock.json
  exit 1
fi
echo "lock file: npm ci accepts it, npm install leaves it unchanged"

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "installing docker-compose (Debian) to validate docker-compose.yml..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose) >/dev/null
fi
# dummy values: the file must be valid with them and refused without them
POSTGRES_PASSWORD=x GECCO_OWNER_DB_PASSWORD=x GECCO_APP_DB_PASSWORD=x TEMPORAL_DB_PASSWORD=x docker-compose config -q
if env -u POSTGRES_PASSWORD GECCO_OWNER_DB_PASSWORD=x GECCO_APP_DB_PASSWORD=x TEMPORAL_DB_PASSWORD=x docker-compose config -q 2>/dev/null; then
  echo "docker-compose.yml starts without POSTGRES_PASSWORD: the password must be required" >&2
  exit 1
fi
echo "docker-compose.yml: valid; refuses to start without its passwords"

node24=$(bash scripts/ensure-node.sh)
"$node24" node_modules/typescript/bin/tsc --noEmit
"$node24" --import tsx scripts/build.ts
echo "image build step on Node $("$node24" --version): tsc and dist/ ok ($(( $(date +%s) - t0 ))s for these checks)"
