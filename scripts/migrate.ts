// The migrations job (docker-compose `migrate`, scripts/deployment-smoke.sh): applies the committed migrations to
// DATABASE_URL's database as its owner, then exits. The worker and the API run as a role without DDL rights.
import { loadConfig } from '../config';
import { applyMigrations } from '../db/migrate';

const config = loadConfig();
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set');
await applyMigrations(config.DATABASE_URL);
console.log('migrations applied');
