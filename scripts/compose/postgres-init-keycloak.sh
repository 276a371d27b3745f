#!/usr/bin/env bash
# Keycloak's own database on the deployment's PostgreSQL server (docker-compose mounts it in
# /docker-entrypoint-initdb.d after postgres-init.sh, so it runs once, as the superuser, on a new data volume):
#   keycloak     owns database "keycloak" (Keycloak creates and migrates its schema), nothing of the application's
# On a volume created before Keycloak was added, run it once by hand:
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/20-keycloak.sh
set -euo pipefail
: "${KEYCLOAK_DB_PASSWORD:?set KEYCLOAK_DB_PASSWORD}"
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v keycloak_pw="$KEYCLOAK_DB_PASSWORD" <<'SQL'
CREATE ROLE keycloak LOGIN PASSWORD :'keycloak_pw';
CREATE DATABASE keycloak OWNER keycloak;
REVOKE ALL ON DATABASE keycloak FROM PUBLIC;
\connect keycloak
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO keycloak;
SQL
echo "role keycloak and database keycloak created"
