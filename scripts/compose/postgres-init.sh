#!/usr/bin/env bash
# PostgreSQL roles and databases of a GECCO Flow deployment, least privilege (run once, as the superuser, on a new
# data directory: docker-compose mounts it in /docker-entrypoint-initdb.d; scripts/deployment-smoke.sh runs it too):
#   gecco_owner  owns database "gecco" and its tables: runs the migrations (DDL), nothing else
#   gecco_app    the worker and the API: reads and writes rows, cannot change the schema or read Temporal's data
#   temporal     owns Temporal's two databases, migrated by its SQL tool, and nothing of the application's
# Passwords come from the environment (required: no silent defaults).
set -euo pipefail
: "${GECCO_OWNER_DB_PASSWORD:?set GECCO_OWNER_DB_PASSWORD}"
: "${GECCO_APP_DB_PASSWORD:?set GECCO_APP_DB_PASSWORD}"
: "${TEMPORAL_DB_PASSWORD:?set TEMPORAL_DB_PASSWORD}"
GECCO_DB="${GECCO_DB:-gecco}"
TEMPORAL_DB="${TEMPORAL_DB:-temporal}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v owner_pw="$GECCO_OWNER_DB_PASSWORD" -v app_pw="$GECCO_APP_DB_PASSWORD" -v temporal_pw="$TEMPORAL_DB_PASSWORD" \
  -v gecco_db="$GECCO_DB" -v temporal_db="$TEMPORAL_DB" -v temporal_vis_db="${TEMPORAL_DB}_visibility" <<'SQL'
CREATE ROLE gecco_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE gecco_app LOGIN PASSWORD :'app_pw';
CREATE ROLE temporal LOGIN PASSWORD :'temporal_pw';
CREATE DATABASE :"gecco_db" OWNER gecco_owner;
CREATE DATABASE :"temporal_db" OWNER temporal;
CREATE DATABASE :"temporal_vis_db" OWNER temporal;
REVOKE ALL ON DATABASE :"gecco_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"temporal_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"temporal_vis_db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"gecco_db" TO gecco_app;
\connect :gecco_db
-- PostgreSQL 15+ no longer lets PUBLIC create in schema public; say so for older servers too
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO gecco_owner;
GRANT USAGE ON SCHEMA public TO gecco_app;
-- tables and sequences the migrations create later (as gecco_owner) are open to the app for rows only
ALTER DEFAULT PRIVILEGES FOR ROLE gecco_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO gecco_app;
ALTER DEFAULT PRIVILEGES FOR ROLE gecco_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO gecco_app;
SQL
echo "roles gecco_owner, gecco_app, temporal and databases $GECCO_DB, $TEMPORAL_DB, ${TEMPORAL_DB}_visibility created"
