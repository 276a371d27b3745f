// Starts the real parts once for the whole run: Temporal (the CLI's dev server, or with TEMPORAL_ENGINE=server the
// production server on the same PostgreSQL) and PostgreSQL (DATABASE_URL's server when set, otherwise the embedded
// one), with a fresh test database; a local SMSC; and the embedded OpenID Connect provider with the demo identities.
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../config';
import type { PostgresHandle } from '../db/embedded';
import { importEmbeddedPostgres } from '../scripts/lib/embedded-postgres';
import { dropDatabase, freshDatabase } from '../scripts/lib/scratch-database';
import { applyMigrations } from '../db/migrate';
import { resolveTemporalBinary } from '../scripts/lib/temporal-binary';
import { CampaignIdKey, EmployerIdKey, ProvinceKey, SeasonKey, StageKey } from '../workflows/contracts/search-attributes';
import { freePort } from '../scripts/lib/process';
import { startSmsc } from '../scripts/lib/smsc';
import { startOidcProvider } from '../scripts/lib/oidc-provider';
import { dropTemporalDatabases, startTemporalServer } from '../scripts/lib/temporal-server';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    smscPort: number;
    smscUrl: string;
    /** the embedded OpenID Connect provider's issuer (demo identities: scripts/lib/demo-identities.ts; tokens: test/tokens.ts) */
    oidcIssuer: string;
    /** the audience of its access tokens (config OIDC_AUDIENCE) */
    oidcAudience: string;
    /** its signing key (private JWK): test/access.test.ts signs expired and wrong-audience tokens with the real key */
    oidcSigningKey: Record<string, unknown>;
  }
}

// Unique per run, so concurrent runs (developers, CI) never share a database.
const TEST_DB = `gecco_test_${process.pid}`;
const TEST_TEMPORAL_DB = `temporal_test_${process.pid}`;

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
  const databaseUrl = await freshDatabase(serverUrl, TEST_DB);
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
  // the identity provider: the embedded one with the demo identities, a fresh signing key per run (its file is read
  // once for the tests, then removed)
  const keyFile = path.join(config.DATA_DIR, `oidc-test-key-${process.pid}.jwk`);
  fs.rmSync(keyFile, { force: true });
  const oidc = await startOidcProvider({ port: 0, audience: config.OIDC_AUDIENCE, consoleClientId: config.OIDC_CONSOLE_CLIENT_ID, keyFile });
  project.provide('oidcSigningKey', JSON.parse(fs.readFileSync(keyFile, 'utf8')) as Record<string, unknown>);
  fs.rmSync(keyFile, { force: true });
  project.provide('oidcIssuer', oidc.issuer);
  project.provide('oidcAudience', config.OIDC_AUDIENCE);
  console.log(
    `[global-setup] Temporal ${config.TEMPORAL_ENGINE === 'server' ? 'production server' : 'dev server'} ${temporal.address}, ` +
      `PostgreSQL ${pg ? 'embedded' : 'external'}, ready in ${Date.now() - started} ms`,
  );

  return async () => {
    await oidc.stop();
    await smsc.stop();
    await temporal.teardown();
    if (pg) {
      await pg.stop();
      fs.rmSync(pgDir, { recursive: true, force: true });
    } else {
      await dropDatabase(serverUrl, TEST_DB);
      if (config.TEMPORAL_ENGINE === 'server') await dropTemporalDatabases(serverUrl, [TEST_TEMPORAL_DB, `${TEST_TEMPORAL_DB}_visibility`]);
    }
    fs.rmSync(path.join(config.DATA_DIR, `temporal-server-test-${process.pid}`), { recursive: true, force: true });
  };
}
