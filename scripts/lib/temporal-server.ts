// Runs the production Temporal server (go.temporal.io/server, built by scripts/ensure-temporal-server.sh) on
// PostgreSQL, for `npm start` with TEMPORAL_ENGINE=server, the tests and the bench: creates or migrates its two
// databases with its own SQL tool and the schema of the same release, starts it from config/temporal/server.yaml,
// then registers the namespace and the search attributes, as an operator would on a new cluster.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import { projectRoot } from '../../config';
import { SEARCH_ATTRIBUTE_DECLARATIONS } from '../../workflows/contracts/search-attributes';
import { ensuredPath, freePort, waitForExit } from './process';

const run = promisify(execFile);
const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;
const SEARCH_ATTRIBUTE_TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export const TEMPORAL_SERVER_CONFIG_DIR = path.join(projectRoot, 'config', 'temporal');

export interface TemporalServerHandle {
  address: string;
  /** the server's Prometheus endpoint */
  metricsUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export interface TemporalServerOptions {
  /** PostgreSQL server URL of a role allowed to create databases (its path is ignored) */
  postgresUrl: string;
  /** Temporal's two databases on that server (created and migrated when missing or older) */
  database: string;
  visibilityDatabase: string;
  /** front-end gRPC port; the other services take free ports */
  port: number;
  namespace: string;
  /** retention of closed workflows in a namespace this call registers (default 7 days) */
  retentionDays?: number;
  /** where the effective dynamic config and the server's log go */
  stateDir: string;
  log?: (line: string) => void;
  readyTimeoutMs?: number;
}

/** The folder with bin/server, bin/sql and schema/, built on first use (see scripts/ensure-temporal-server.sh). */
export function resolveTemporalServerTools(): string {
  return ensuredPath('ensure-temporal-server.sh');
}

interface PgTarget {
  host: string;
  port: string;
  user: string;
  password: string;
}

function pgTarget(url: string): PgTarget {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port || '5432',
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password),
  };
}

/** Creates `database` if missing, gives it the base schema, then applies every newer versioned schema. */
async function migrateDatabase(tools: string, pg: PgTarget, postgresUrl: string, database: string, schema: 'temporal' | 'visibility', log: (l: string) => void): Promise<void> {
  const sqlTool = path.join(tools, 'bin', 'sql');
  // the password goes through the environment (SQL_PASSWORD), not the command line other users can read
  const env = { ...process.env, SQL_PASSWORD: pg.password };
  const base = ['--plugin', 'postgres12', '--ep', pg.host, '-p', pg.port, '-u', pg.user, '--db', database];
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  let exists: boolean;
  try {
    exists = (await admin`select 1 from pg_database where datname = ${database}`).length > 0;
  } finally {
    await admin.end();
  }
  if (!exists) {
    await run(sqlTool, [...base, 'create'], { env });
    log(`created database ${database}`);
  }
  // setup-schema skips a database already past 0.0, so both steps are safe on every start
  await run(sqlTool, [...base, 'setup-schema', '-v', '0.0'], { env });
  const versioned = path.join(tools, 'schema', 'postgresql', 'v12', schema, 'versioned');
  await run(sqlTool, [...base, 'update-schema', '-d', versioned], { env });
}

/** Drops Temporal's two databases (tests and bench clean up after themselves on a shared server). */
export async function dropTemporalDatabases(postgresUrl: string, databases: string[]): Promise<void> {
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  try {
    for (const db of databases) await admin.unsafe(`drop database if exists "${db}" with (force)`);
  } finally {
    await admin.end();
  }
}

async function registerNamespaceAndSearchAttributes(address: string, namespace: string, retentionDays: number, log: (l: string) => void): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    // A just-started server may answer Unavailable for a moment, and a new namespace reaches the front end's cache
    // within system.namespaceCacheRefreshInterval (2 s): retry the whole registration for up to 30 s.
    for (let attempt = 0; ; attempt++) {
      try {
        try {
          await connection.workflowService.describeNamespace({ namespace });
        } catch (err) {
          if ((err as { code?: number }).code !== 5 /* NOT_FOUND */) throw err;
          await connection.workflowService.registerNamespace({
            namespace,
            workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
          });
          log(`registered namespace ${namespace} (retention ${retentionDays} days)`);
          continue;
        }
        const existing = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = Object.entries(SEARCH_ATTRIBUTE_DECLARATIONS).filter(([name]) => !(name in (existing.customAttributes ?? {})));
        if (missing.length === 0) return;
        const searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
        for (const [name, type] of missing) {
          const t = SEARCH_ATTRIBUTE_TYPES[type];
          if (t === undefined) throw new Error(`search attribute ${name}: unknown type ${type}`);
          searchAttributes[name] = t;
        }
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
        log(`registered search attributes ${missing.map(([n, t]) => `${n}=${t}`).join(', ')}`);
      } catch (err) {
        if (attempt >= 60) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await connection.close();
  }
}

/**
 * A free port for a service's membership (ringpop) listener. Temporal records it in a smallint column, so it must be
 * below 32768, where the OS's own picks (the ephemeral range) never are.
 */
async function membershipPort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000 for the Temporal server');
}

export async function startTemporalServer(opts: TemporalServerOptions): Promise<TemporalServerHandle> {
  const log = opts.log ?? (() => {});
  const tools = resolveTemporalServerTools();
  const pg = pgTarget(opts.postgresUrl);
  const t0 = Date.now();
  await migrateDatabase(tools, pg, opts.postgresUrl, opts.database, 'temporal', log);
  await migrateDatabase(tools, pg, opts.postgresUrl, opts.visibilityDatabase, 'visibility', log);
  log(`Temporal databases ${opts.database}, ${opts.visibilityDatabase} at the current schema (${Date.now() - t0} ms)`);

  // The repository's dynamic config plus what a server that has just had its search attributes registered needs
  // (as the CLI's dev server does): without it each service sees new attributes only after its 60 s cache expires.
  fs.mkdirSync(opts.stateDir, { recursive: true });
  const dynamicConfig = path.join(opts.stateDir, 'dynamicconfig.yaml');
  fs.writeFileSync(
    dynamicConfig,
    `${fs.readFileSync(path.join(TEMPORAL_SERVER_CONFIG_DIR, 'dynamicconfig.yaml'), 'utf8')}\n` +
      '# added by scripts/lib/temporal-server.ts (local servers only)\nsystem.forceSearchAttributesCacheRefreshOnRead:\n  - value: true\n',
  );
  const ports = {
    TEMPORAL_SERVER_FRONTEND_PORT: opts.port,
    TEMPORAL_SERVER_FRONTEND_MEMBERSHIP_PORT: await membershipPort(),
    TEMPORAL_SERVER_FRONTEND_HTTP_PORT: await freePort(),
    TEMPORAL_SERVER_HISTORY_PORT: await freePort(),
    TEMPORAL_SERVER_HISTORY_MEMBERSHIP_PORT: await membershipPort(),
    TEMPORAL_SERVER_MATCHING_PORT: await freePort(),
    TEMPORAL_SERVER_MATCHING_MEMBERSHIP_PORT: await membershipPort(),
    TEMPORAL_SERVER_WORKER_PORT: await freePort(),
    TEMPORAL_SERVER_WORKER_MEMBERSHIP_PORT: await membershipPort(),
    TEMPORAL_SERVER_METRICS_PORT: await freePort(),
  };
  // Only what the config template reads: the server gets no secrets of ours beyond its own database password.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_SERVER_DB_HOST: pg.host,
    TEMPORAL_SERVER_DB_PORT: pg.port,
    TEMPORAL_SERVER_DB_USER: pg.user,
    TEMPORAL_SERVER_DB_PASSWORD: pg.password,
    TEMPORAL_SERVER_DB: opts.database,
    TEMPORAL_SERVER_VISIBILITY_DB: opts.visibilityDatabase,
    TEMPORAL_SERVER_BIND_IP: '127.0.0.1',
    TEMPORAL_SERVER_BROADCAST_ADDRESS: '127.0.0.1',
    TEMPORAL_SERVER_DYNAMIC_CONFIG: dynamicConfig,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
  };
  const logFile = path.join(opts.stateDir, 'temporal-server.log');
  const out = fs.openSync(logFile, 'a');
  const args = ['--root', projectRoot, '--config', path.relative(projectRoot, TEMPORAL_SERVER_CONFIG_DIR), '--env', 'server', '--allow-no-auth', 'start'];
  log(`starting Temporal server: ${path.join(tools, 'bin', 'server')} ${args.join(' ')} (log ${logFile})`);
  const child = spawn(path.join(tools, 'bin', 'server'), args, { cwd: projectRoot, env, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `code ${code}`;
    process.off('exit', killOnExit);
  });
  child.once('error', (err) => {
    exited = `spawn error ${err.message}`;
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 20_000))) {
      log('Temporal server did not exit within 20 s of SIGTERM; sending SIGKILL');
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
  };
  const tail = () => {
    try {
      return fs.readFileSync(logFile, 'utf8').split('\n').slice(-8).map((l) => l.slice(0, 400)).join('\n');
    } catch {
      return '';
    }
  };

  const address = `127.0.0.1:${opts.port}`;
  const started = Date.now();
  const deadline = started + (opts.readyTimeoutMs ?? 120_000);
  let lastError: unknown;
  for (;;) {
    if (exited) throw new Error(`Temporal server exited during start-up (${exited}); log ${logFile}:\n${tail()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Temporal server not ready after ${Math.round((Date.now() - started) / 1000)} s (${String(lastError)}); log ${logFile}:\n${tail()}`);
    }
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      break;
    } catch (err) {
      lastError = err instanceof Error ? err.message : err;
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await connection?.close().catch(() => {});
    }
  }
  try {
    await registerNamespaceAndSearchAttributes(address, opts.namespace, opts.retentionDays ?? 7, log);
  } catch (err) {
    await stop();
    throw err;
  }
  log(`Temporal server ready at ${address} after ${Date.now() - started} ms`);
  return { address, metricsUrl: `http://127.0.0.1:${ports.TEMPORAL_SERVER_METRICS_PORT}/metrics`, pid: child.pid ?? -1, stop };
}
