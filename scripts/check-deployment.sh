#!/usr/bin/env bash
# CI's cheap checks that the deployment builds (.ci/run), no Docker engine needed:
#   1. package-lock.json: `npm ci` accepts it (in sync with package.json, every platform's optional packages) and
#      `npm install` leaves it unchanged
#   2. docker-compose.yml: `docker-compose config` (Debian's docker-compose v1, installed when missing) accepts it
#      with its secrets set and refuses it without any one of them; by default nothing is published beyond this
#      machine (127.0.0.1) and only the API, Keycloak and the Temporal UI are published at all; Temporal is mutual
#      TLS only; Keycloak runs in production mode; the worker runs as its two pools (cycles; coordination)
#   3. config/keycloak/gecco-realm.json: valid, with the clients, claims and roles the API expects
#      (scripts/compose/check-realm.ts)
#   4. what the image's build stage runs, on the image's Node (scripts/ensure-node.sh): tsc, then scripts/build.ts
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
t0=$(date +%s)

saved=$(mktemp)
no_env=$(mktemp) # docker-compose's --env-file: none of a developer's .env
trap 'rm -f "$saved" "$no_env"' EXIT
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
# Dummy values: the file must be valid with them and refused without any one of them. A clean environment and no
# .env file, so that a developer's own settings cannot fill a gap.
required=(POSTGRES_PASSWORD GECCO_OWNER_DB_PASSWORD GECCO_APP_DB_PASSWORD TEMPORAL_DB_PASSWORD KEYCLOAK_DB_PASSWORD
  KEYCLOAK_ADMIN KEYCLOAK_ADMIN_PASSWORD TEMPORAL_UI_CLIENT_SECRET GECCO_SCRIPTS_CLIENT_SECRET PAYLOAD_KEYS PAYLOAD_KEY_ID ERASURE_HMAC_KEY)
compose() { env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$@" docker-compose --env-file "$no_env" config; }
dummies=()
for v in "${required[@]}"; do dummies+=("$v=x"); done
compose "${dummies[@]}" >/dev/null
for v in "${required[@]}"; do
  others=()
  for d in "${dummies[@]}"; do [[ "$d" == "$v="* ]] || others+=("$d"); done
  if compose "${others[@]}" >/dev/null 2>&1; then
    echo "docker-compose.yml starts without $v: it must be required (\${$v:?...})" >&2
    exit 1
  fi
done
echo "docker-compose.yml: valid; refuses to start without any of its ${#required[@]} secrets"

# What is published, and how: the normalised file (v1 prints ports as strings, v2 as mappings).
compose_checks='
import sys, yaml
services = yaml.safe_load(sys.stdin)["services"]
expect_host, problems = sys.argv[1], []
def published(svc):
    for p in svc.get("ports") or []:
        if isinstance(p, dict):
            yield str(p.get("host_ip") or "0.0.0.0"), str(p.get("published"))
        else:
            parts = str(p).split("/")[0].split(":")
            yield (parts[0] if len(parts) == 3 else "0.0.0.0"), (parts[-2] if len(parts) > 1 else "")
publishing = {}
for name, svc in services.items():
    for host, port in published(svc):
        publishing.setdefault(name, []).append(port)
        if host != expect_host:
            problems.append(f"{name} publishes {port} on {host}, expected {expect_host}")
if sorted(publishing) != ["api", "keycloak", "temporal-ui"]:
    problems.append(f"published services {sorted(publishing)}: only api, keycloak and temporal-ui may be")
env = lambda n: services[n].get("environment") or {}
if env("temporal").get("TEMPORAL_SERVER_TLS_DIR") != "/etc/gecco/tls":
    problems.append("temporal: TEMPORAL_SERVER_TLS_DIR must point at its mounted certificates (mutual TLS)")
pools = {n: str(env(n).get("WORKER_TASK_QUEUES")) for n in ("worker", "worker-coordination") if n in services}
if pools != {"worker": "cycles", "worker-coordination": "coordination"}:
    problems.append(f"two worker pools expected (worker: cycles, worker-coordination: coordination), found {pools}")
for n in ("worker", "worker-coordination", "api"):
    e = env(n)
    if not (e.get("TEMPORAL_TLS_CA") and e.get("TEMPORAL_TLS_CERT") and e.get("TEMPORAL_TLS_KEY")):
        problems.append(f"{n}: TEMPORAL_TLS_CA/CERT/KEY must be set (Temporal takes no connection without a certificate)")
    if str(e.get("OIDC_EMBEDDED")) != "false" or "/realms/gecco" not in str(e.get("OIDC_ISSUER")):
        problems.append(f"{n}: OIDC_EMBEDDED=false and OIDC_ISSUER on the realm gecco")
ui = env("temporal-ui")
if str(ui.get("TEMPORAL_AUTH_ENABLED")) != "true" or not ui.get("TEMPORAL_TLS_CERT"):
    problems.append("temporal-ui: login (TEMPORAL_AUTH_ENABLED) and a client certificate (TEMPORAL_TLS_*) required")
kc = services["keycloak"]
command = kc.get("command") or []
command = command.split() if isinstance(command, str) else command
if "start" not in command or "start-dev" in command or "--import-realm" not in command:
    problems.append(f"keycloak: `start --import-realm` (production mode), not {command}")
for name, svc in services.items():
    image = svc.get("image", "")
    if "build" not in svc and (":" not in image.split("/")[-1] or image.endswith(":latest")):
        problems.append(f"{name}: image {image!r} must be pinned to a version")
if problems:
    sys.exit("docker-compose.yml:\n  - " + "\n  - ".join(problems))
'
if ! python3 -c 'import yaml' 2>/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml) >/dev/null
fi
compose "${dummies[@]}" | python3 -c "$compose_checks" 127.0.0.1
compose "${dummies[@]}" PUBLISH_ADDRESS=0.0.0.0 | python3 -c "$compose_checks" 0.0.0.0
echo "docker-compose.yml: only api, keycloak, temporal-ui published, on 127.0.0.1 unless PUBLISH_ADDRESS says otherwise; Temporal mutual TLS only; Keycloak in production mode"

node24=$(bash scripts/ensure-node.sh)
"$node24" --import tsx scripts/compose/check-realm.ts
# the rollout gate: workflow code changes only with the histories the replay test checks (docs/runbook.md, section 7)
"$node24" --import tsx scripts/workflow-gate.ts
"$node24" node_modules/typescript/bin/tsc --noEmit
"$node24" --import tsx scripts/build.ts
echo "image build step on Node $("$node24" --version): tsc and dist/ ok ($(( $(date +%s) - t0 ))s for these checks)"
