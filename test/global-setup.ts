// Starts the real parts once for the whole run: a Temporal dev server (the CLI built by the project) and
// PostgreSQL (DATABASE_URL's server when set, otherwise the embedded one), with a fresh test database.
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import postgres from 'postgres';
import { loadConfig } from '../config';
import { startEmbeddedPostgres, type PostgresHandle } from '../db/embedded';
import { applyMigrations } from '../db/migrate';
import { resolveTemporalBinary } from '../scripts/lib/temporal-binary';
import { CampaignIdKey, EmployerIdKey, ProvinceKey, SeasonKey, StageKey } from '../workflows/contracts/search-attributes';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
  }
}

const TEST_DB = 'gecco_test';

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
  if (!serverUrl) {
    pg = await startEmbeddedPostgres({ dataDir: path.join(config.DATA_DIR, 'pg-test'), port: config.EMBEDDED_PG_PORT + 9, database: 'postgres' });
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
  project.provide('temporalAddress', env.address);
  project.provide('databaseUrl', databaseUrl);
  console.log(`[global-setup] Temporal ${env.address}, PostgreSQL ${pg ? 'embedded' : 'external'}, ready in ${Date.now() - started} ms`);

  return async () => {
    await env.teardown();
    await pg?.stop();
  };
}
