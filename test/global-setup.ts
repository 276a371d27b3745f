// Starts the real parts once for the whole run: a Temporal dev server (the CLI built by the project) and
// PostgreSQL (DATABASE_URL's server when set, otherwise the embedded one), with a fresh test database.
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import postgres from 'postgres';
import { loadConfig } from '../config';
import { startEmbeddedPostgres, type PostgresHandle } from '../db/embedded';
import { applyMigrations } from '../db/migrate';
import { resolveTemporalBinary } from '../scripts/lib/temporal-binary';
import { CampaignIdKey, EmployerIdKey, ProvinceKey, SeasonKey, StageKey } from '../workflows/contracts/search-attributes';
import { freePort } from '../scripts/lib/process';
import { startSmsc } from '../scripts/lib/smsc';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    smscPort: number;
    smscUrl: string;
  }
}

// Unique per run, so concurrent runs (developers, CI) never share a database.
const TEST_DB = `gecco_test_${process.pid}`;


async function dropDatabase(serverUrl: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${TEST_DB} with (force)`);
  } finally {
    await admin.end();
  }
}

async function freshDatabase(serverUrl: string): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${TEST_DB} with (force)`);
    await admin.unsafe(`create database ${TEST_DB}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${TEST_DB}`;
  return url.toString();
}

export default async function setup(project: TestProject) {
  const config = loadConfig();
  const started = Date.now();
  let pg: PostgresHandle | undefined;
  let serverUrl = config.DATABASE_URL;
  const pgDir = path.join(config.DATA_DIR, `pg-test-${process.pid}`);
  if (!serverUrl) {
    pg = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort(), database: 'postgres' });
    serverUrl = pg.url;
  }
  const databaseUrl = await freshDatabase(serverUrl);
  await applyMigrations(databaseUrl);

  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: resolveTemporalBinary(config) },
      searchAttributes: [CampaignIdKey, SeasonKey, StageKey, ProvinceKey, EmployerIdKey],
      // what the SDK's own CI uses: the dev server's SQLite without fsync
      extraArgs: ['--sqlite-pragma', 'synchronous=OFF'],
    },
  });
  // the operator's SMS centre: one local SMSC for the run; tests read what it received over HTTP
  const smsc = await startSmsc({ port: 0, httpPort: 0 });
  project.provide('smscPort', smsc.port);
  project.provide('smscUrl', smsc.httpUrl!);
  project.provide('temporalAddress', env.address);
  project.provide('databaseUrl', databaseUrl);
  console.log(`[global-setup] Temporal ${env.address}, PostgreSQL ${pg ? 'embedded' : 'external'}, ready in ${Date.now() - started} ms`);

  return async () => {
    await smsc.stop();
    await env.teardown();
    if (pg) {
      await pg.stop();
      fs.rmSync(pgDir, { recursive: true, force: true });
    } else {
      await dropDatabase(serverUrl);
    }
  };
}
