// Starts the real parts once for the whole run: Temporal (the CLI's dev server, or with TEMPORAL_ENGINE=server the
// production server on the same PostgreSQL) and PostgreSQL (DATABASE_URL's server when set, otherwise the embedded
// one), with a fresh test database.
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import postgres from 'postgres';
import { loadConfig } from '../config';
import type { PostgresHandle } from '../db/embedded';
import { importEmbeddedPostgres } from '../scripts/lib/embedded-postgres';
import { applyMigrations } from '../db/migrate';
import { resolveTemporalBinary } from '../scripts/lib/temporal-binary';
import { CampaignIdKey, EmployerIdKey, ProvinceKey, SeasonKey, StageKey } from '../workflows/contracts/search-attributes';
import { freePort } from '../scripts/lib/process';
import { startSmsc } from '../scripts/lib/smsc';
import { dropTemporalDatabases, startTemporalServer } from '../scripts/lib/temporal-server';

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
const TEST_TEMPORAL_DB = `temporal_test_${process.pid}`;


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
    // without embedded-postgres's exit handlers, which turned a failing run's exit code into 0
    const { startEmbeddedPostgres } = await importEmbeddedPostgres();
    pg = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort(), database: 'postgres' });
    serverUrl = pg.url;
  }
  const databaseUrl = await freshDatabase(serverUrl);
  await applyMigrations(databaseUrl);

  // TEMPORAL_ENGINE=server: the production server on the same PostgreSQL, with databases of its own for this run.
  let temporal: { address: string; teardown(): Promise<void> };
  if (config.TEMPORAL_ENGINE === 'server') {
    const server = await startTemporalServer({
      postgresUrl: serverUrl,
      database: TEST_TEMPORAL_DB,
      visibilityDatabase: `${TEST_TEMPORAL_DB}_visibility`,
      port: await freePort(),
      namespace: 'default',
      retentionDays: 1,
      stateDir: path.join(config.DATA_DIR, `temporal-server-test-${process.pid}`),
    });
    temporal = { address: server.address, teardown: () => server.stop() };
  } else {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: resolveTemporalBinary(config) },
        searchAttributes: [CampaignIdKey, SeasonKey, StageKey, ProvinceKey, EmployerIdKey],
        // what the SDK's own CI uses: the dev server's SQLite without fsync
        extraArgs: ['--sqlite-pragma', 'synchronous=OFF'],
      },
    });
    temporal = { address: env.address, teardown: () => env.teardown() };
  }
  project.provide('temporalAddress', temporal.address);
  // the operator's SMS centre: one local SMSC for the run; tests read what it received over HTTP
  const smsc = await startSmsc({ port: 0, httpPort: 0 });
  project.provide('smscPort', smsc.port);
  project.provide('smscUrl', smsc.httpUrl!);
  project.provide('databaseUrl', databaseUrl);
  console.log(
    `[global-setup] Temporal ${config.TEMPORAL_ENGINE === 'server' ? 'production server' : 'dev server'} ${temporal.address}, ` +
      `PostgreSQL ${pg ? 'embedded' : 'external'}, ready in ${Date.now() - started} ms`,
  );

  return async () => {
    await smsc.stop();
    await temporal.teardown();
    if (pg) {
      await pg.stop();
      fs.rmSync(pgDir, { recursive: true, force: true });
    } else {
      await dropDatabase(serverUrl);
      if (config.TEMPORAL_ENGINE === 'server') await dropTemporalDatabases(serverUrl, [TEST_TEMPORAL_DB, `${TEST_TEMPORAL_DB}_visibility`]);
    }
    fs.rmSync(path.join(config.DATA_DIR, `temporal-server-test-${process.pid}`), { recursive: true, force: true });
  };
}
