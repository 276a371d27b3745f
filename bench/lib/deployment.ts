// The deployment's topology without Docker (bench --deployment, scripts/deployment-smoke.sh): the PostgreSQL roles
// and databases docker-compose.yml creates (the same scripts/compose/postgres-init.sh, least privilege), the app's
// migrations run as the schema's owner by the compiled job (dist/migrate.js), and the worker and the API compiled
// (npm run build) on the image's Node (scripts/ensure-node.sh), connecting as the rows-only role.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../config';

const run = promisify(execFile);

export interface DeploymentDatabases {
  /** gecco_owner: migrations only */
  ownerUrl: string;
  /** gecco_app: the worker and the API */
  appUrl: string;
  /** temporal: Temporal's two databases (for its SQL tool and server) */
  temporalUrl: string;
}

/** The image's Node and dist/ (built now, as the image build does), for the worker, API and migrations job. */
export function prepareCompiled(log: (msg: string) => void): { node: string } {
  const node = execFileSync('bash', [path.join(projectRoot, 'scripts', 'ensure-node.sh')], { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  const t0 = Date.now();
  execFileSync(node, ['--import', 'tsx', path.join(projectRoot, 'scripts', 'build.ts')], { cwd: projectRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  log(`dist/ built with Node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()} in ${Date.now() - t0} ms`);
  return { node };
}

function ensurePsql(): void {
  try {
    execFileSync('psql', ['--version'], { stdio: 'ignore' });
  } catch {
    // the init script is the one docker-compose runs, and it speaks psql
    execFileSync('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client'], { stdio: 'inherit' });
  }
}

/** Runs scripts/compose/postgres-init.sh against a fresh server as its superuser; passwords made up for the run. */
export async function createDeploymentRoles(opts: { host: string; port: number; superuser: string; superuserPassword: string; database: string; temporalDatabase: string }): Promise<DeploymentDatabases> {
  ensurePsql();
  const pw = () => randomBytes(12).toString('hex');
  const owner = pw();
  const app = pw();
  const temporal = pw();
  await run('bash', [path.join(projectRoot, 'scripts', 'compose', 'postgres-init.sh')], {
    env: {
      PATH: process.env.PATH,
      PGHOST: opts.host,
      PGPORT: String(opts.port),
      PGPASSWORD: opts.superuserPassword,
      POSTGRES_USER: opts.superuser,
      GECCO_OWNER_DB_PASSWORD: owner,
      GECCO_APP_DB_PASSWORD: app,
      TEMPORAL_DB_PASSWORD: temporal,
      GECCO_DB: opts.database,
      TEMPORAL_DB: opts.temporalDatabase,
    },
  });
  const url = (user: string, password: string, db: string) => `postgres://${user}:${password}@${opts.host}:${opts.port}/${db}`;
  return {
    ownerUrl: url('gecco_owner', owner, opts.database),
    appUrl: url('gecco_app', app, opts.database),
    temporalUrl: url('temporal', temporal, 'postgres'),
  };
}

/**
 * The migrations job of docker-compose.yml: dist/migrate.js as the schema's owner, with the app's environment (`appEnv`:
 * NODE_ENV=production and what production requires, as the job shares x-app's environment).
 */
export async function runCompiledMigrations(node: string, ownerUrl: string, appEnv: Record<string, string>): Promise<void> {
  if (!fs.existsSync(path.join(projectRoot, 'dist', 'migrate.js'))) throw new Error('dist/migrate.js missing: npm run build');
  await run(node, ['--enable-source-maps', 'dist/migrate.js'], { cwd: projectRoot, env: { PATH: process.env.PATH, ...appEnv, DATABASE_URL: ownerUrl } });
}
