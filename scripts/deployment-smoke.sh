#!/usr/bin/env bash
# docker-compose.yml's topology on this machine, without Docker, and a smoke season through it:
#   PostgreSQL (embedded, fresh) with the deployment's roles and databases (scripts/compose/postgres-init.sh),
#   the production Temporal server v1.29.1 on it (config/temporal/server.yaml, role `temporal`),
#   the migrations job, worker and API compiled as in the image (dist/, Node 24 from scripts/ensure-node.sh),
#   the app connecting as the rows-only role gecco_app, tokens from the embedded OpenID provider in Keycloak's place
#   (OIDC_EMBEDDED=false, OIDC_ISSUER pointing at it), a payload key of the run's own unless PAYLOAD_KEYS is set;
#   then a season of N workers driven through the API as the desks' demo identities
#   (bench/season.ts --deployment), result in bench-results/season-<N>-server-<ts>.json.
# Usage: bash scripts/deployment-smoke.sh [--workers 100] [other bench options]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh
exec node --max-old-space-size=4096 --import tsx bench/season.ts --deployment --engine server --workers 100 --no-baseline --max-minutes 20 "$@"
