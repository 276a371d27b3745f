// `npm start`: brings GECCO Flow up on a fresh machine with no configuration.
//   PostgreSQL  DATABASE_URL, or an embedded server in DATA_DIR/pg (migrations applied either way)
//   Temporal    TEMPORAL_ENGINE: a dev server (SQLite in DATA_DIR/temporal.db, Web UI; the default), the production
//               server on the same PostgreSQL (`server`), or none (`external`)
//   Mail        a local SMTP catcher with a browser view unless SMTP_CATCHER=false
//   SMS         a local SMSC (SMPP) listing what it received unless SMSC_LOCAL=false
//   Identity    an OpenID Connect provider with demo users for every role (OIDC_EMBEDDED; OIDC_ISSUER otherwise)
//   then the worker and the API as child processes. Ctrl-C stops everything in reverse order.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import pino from 'pino';
import { loadConfig, projectRoot, type Config } from '../config';
import { applyMigrations } from '../db/migrate';
import { ENGINE_LABEL, startTemporalEngine } from './lib/temporal-engine';
import { startMailCatcher } from './lib/mail-catcher';
import { startSmsc } from './lib/smsc';
import { startOidcProvider } from './lib/oidc-provider';
import { DEMO_IDENTITIES } from './lib/demo-identities';
import { waitForExit } from './lib/process';
import { importEmbeddedPostgres } from './lib/embedded-postgres';
import { seedDefaultDemo } from './lib/demo-season';

const config = loadConfig();
const log = pino({
  name: 'start',
  level: config.LOG_LEVEL,
  ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
});

// ---------------------------------------------------------------- lifecycle bookkeeping

type Cleanup = { name: string; run: () => Promise<void> };
const cleanups: Cleanup[] = [];
let stopping = false;
let inFlight: Promise<unknown> | undefined;
class StopRequested extends Error {}

/** Runs one start-up step; what it started is registered for cleanup even if a stop arrives meanwhile. */
async function step<T>(name: string, start: () => Promise<T>, stop?: (value: T) => Promise<void>): Promise<T> {
  if (stopping) throw new StopRequested();
  const tracked = start().then((value) => {
    if (stop) cleanups.push({ name, run: () => stop(value) });
    return value;
  });
  inFlight = tracked;
  const value = await tracked;
  if (stopping) throw new StopRequested();
  return value;
}

function withTimeout(p: Promise<void>, ms: number, what: string): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      log.warn(`${what} did not finish within ${ms / 1000} s; giving up on it`);
      resolve();
    }, ms);
    p.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        log.warn({ err }, `${what} failed`);
        resolve();
      },
    );
  });
}

let shutdownPromise: Promise<never> | undefined;
function shutdown(code: number, reason: string): Promise<never> {
  if (shutdownPromise) return shutdownPromise;
  stopping = true;
  log.info(`shutting down (${reason})`);
  shutdownPromise = (async () => {
    await inFlight?.catch(() => {});
    for (const c of [...cleanups].reverse()) {
      log.info(`stopping ${c.name}`);
      await withTimeout(c.run(), 20_000, `stopping ${c.name}`);
    }
    log.info('stopped');
    process.exit(code);
  })();
  return shutdownPromise;
}

// We stop things in order ourselves (see scripts/lib/embedded-postgres.ts).
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const { startEmbeddedPostgres } = await importEmbeddedPostgres();

let firstSignalAt = 0;
for (const signal of SIGNALS) {
  process.on(signal, () => {
    const now = Date.now();
    if (!firstSignalAt) {
      firstSignalAt = now;
      void shutdown(0, signal);
    } else if (now - firstSignalAt > 2_000) {
      // a second, deliberate Ctrl-C (npm/tsx relay the first one, so ignore near-duplicates)
      log.warn(`${signal} again: killing child processes and exiting now`);
      killChildrenNow();
      process.exit(130);
    }
  });
}

// ---------------------------------------------------------------- child processes (worker, API)

const children = new Set<ChildProcess>();
function killChildrenNow(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', killChildrenNow);


async function stopChild(name: string, child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitForExit(child, 10_000))) {
    log.warn(`${name} still running 10 s after SIGTERM; sending SIGKILL`);
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  }
}

function startChild(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: projectRoot,
    env,
    stdio: 'inherit',
    // Own process group: Ctrl-C reaches only this script, which stops the children before what they depend on.
    detached: true,
  });
  children.add(child);
  child.once('error', (err) => {
    if (!stopping) {
      log.error({ err }, `${name} could not be started`);
      void shutdown(1, `${name} failed to start`);
    }
  });
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (stopping) return;
    log.error(`${name} exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`})`);
    void shutdown(1, `${name} exited`);
  });
  log.info(`${name} started (pid ${child.pid}): node --import tsx ${entry}`);
  return child;
}

// ---------------------------------------------------------------- helpers

function parseHostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address.trim());
  if (!m) throw new Error(`TEMPORAL_ADDRESS must look like host:port, got "${address}"`);
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port: Number(m[3]) };
}

function browserHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** Resolves true once the API answers HTTP at all (any status), false after timeoutMs. */
async function waitForHttp(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return false;
}

/** The embedded Postgres handle's stop() never returns if Postgres already exited; postmaster.pid going away means it did. */
async function stopEmbeddedPostgres(stop: () => Promise<void>, dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let polling = true;
  const gone = (async () => {
    while (polling && fs.existsSync(pidFile)) await new Promise((r) => setTimeout(r, 200));
  })();
  await Promise.race([stop(), gone]);
  polling = false;
}

// ---------------------------------------------------------------- main

async function main(cfg: Config): Promise<void> {
  const t0 = Date.now();
  fs.mkdirSync(cfg.DATA_DIR, { recursive: true });

  // PostgreSQL
  let databaseUrl: string;
  let postgresLabel: string;
  if (cfg.DATABASE_URL) {
    databaseUrl = cfg.DATABASE_URL;
    postgresLabel = `external ${redactUrl(databaseUrl)}`;
  } else {
    const dataDir = path.join(cfg.DATA_DIR, 'pg');
    log.info(`starting embedded PostgreSQL in ${dataDir} on port ${cfg.EMBEDDED_PG_PORT}`);
    const pg = await step(
      'embedded PostgreSQL',
      () => startEmbeddedPostgres({ dataDir, port: cfg.EMBEDDED_PG_PORT, database: 'gecco', log: (line) => log.debug({ pg: line }) }),
      (h) => stopEmbeddedPostgres(() => h.stop(), dataDir),
    );
    databaseUrl = pg.url;
    postgresLabel = `embedded ${pg.url} (data in ${dataDir})`;
  }
  await step('migrations', () => applyMigrations(databaseUrl));
  log.info('database migrations applied');

  // Temporal
  let temporalAddress = cfg.TEMPORAL_ADDRESS;
  let temporalUi: string | undefined;
  if (cfg.TEMPORAL_ENGINE !== 'external') {
    const engine = cfg.TEMPORAL_ENGINE;
    const { host, port } = parseHostPort(cfg.TEMPORAL_ADDRESS);
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
      log.warn(`TEMPORAL_ADDRESS host ${host} ignored: the ${engine} server listens on 127.0.0.1 (set TEMPORAL_ENGINE=external to use a remote server)`);
    }
    const started = Date.now();
    const temporal = await step(
      ENGINE_LABEL[engine],
      () =>
        startTemporalEngine({
          engine,
          config: cfg,
          port,
          uiPort: cfg.TEMPORAL_UI_PORT,
          stateDir: cfg.DATA_DIR,
          postgresUrl: databaseUrl,
          database: 'temporal',
          // the dev server's Web UI shows payloads decrypted by the API's codec endpoint (api/codec-routes.ts)
          devArgs: ['--ui-codec-endpoint', `http://${browserHost(cfg.API_HOST)}:${cfg.API_PORT}/codec`],
          log: (line) => log.debug({ temporal: line }),
        }),
      (h) => h.stop(),
    );
    log.info(`${ENGINE_LABEL[engine]} ready at ${temporal.address} in ${Date.now() - started} ms (state: ${temporal.state})`);
    temporalAddress = temporal.address;
    temporalUi = temporal.uiUrl;
  }

  // Mail
  let smtpEnv: NodeJS.ProcessEnv = {};
  let mailUrl: string | undefined;
  if (cfg.SMTP_CATCHER) {
    const catcher = await step(
      'mail catcher',
      () =>
        startMailCatcher({ smtpPort: cfg.SMTP_PORT, httpPort: cfg.MAIL_CATCHER_HTTP_PORT, host: '127.0.0.1' }).catch((err: unknown) => {
          if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
          throw new Error(
            `mail catcher: ${(err as Error).message} (set SMTP_PORT / MAIL_CATCHER_HTTP_PORT, or SMTP_CATCHER=false to use the relay already there)`,
          );
        }),
      (h) => h.stop(),
    );
    mailUrl = catcher.httpUrl;
    smtpEnv = { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(catcher.smtpPort) };
    log.info(`mail catcher listening for SMTP on 127.0.0.1:${catcher.smtpPort}`);
  }

  // SMS
  let smsEnv: NodeJS.ProcessEnv = {};
  let smsUrl: string | undefined;
  if (cfg.SMSC_LOCAL) {
    const smsc = await step(
      'local SMSC',
      () => startSmsc({ port: cfg.SMPP_PORT, httpPort: cfg.SMSC_HTTP_PORT, host: '127.0.0.1' }),
      (h) => h.stop(),
    );
    smsUrl = `${smsc.httpUrl}/messages`;
    smsEnv = { SMPP_HOST: '127.0.0.1', SMPP_PORT: String(smsc.port) };
    log.info(`local SMSC listening for SMPP on 127.0.0.1:${smsc.port}`);
  }

  // Identity: the API checks tokens against OIDC_ISSUER, so the embedded provider announces exactly that issuer; its
  // signing key is kept in DATA_DIR so tokens outlive a restart (sessions do not: they are in memory).
  let identityLines = [`  Identity       ${cfg.OIDC_ISSUER} (OpenID Connect provider)`];
  if (cfg.OIDC_EMBEDDED) {
    const oidc = await step(
      'OpenID Connect provider',
      () =>
        startOidcProvider({
          port: cfg.OIDC_PORT,
          issuer: cfg.OIDC_ISSUER,
          audience: cfg.OIDC_AUDIENCE,
          consoleClientId: cfg.OIDC_CONSOLE_CLIENT_ID,
          consoleRedirectUris: [`http://${browserHost(cfg.API_HOST)}:${cfg.API_PORT}/docs/static/oauth2-redirect.html`, `http://${browserHost(cfg.API_HOST)}:${cfg.API_PORT}/console/`],
          keyFile: path.join(cfg.DATA_DIR, 'oidc', 'signing-key.jwk.json'),
          onError: (err) => log.warn({ err }, 'OpenID Connect provider: login page failed'),
        }).catch((err: unknown) => {
          if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
          throw new Error(`OpenID Connect provider: ${(err as Error).message} (set OIDC_PORT, or OIDC_EMBEDDED=false with OIDC_ISSUER to use another provider)`);
        }),
      (h) => h.stop(),
    );
    log.info(`OpenID Connect provider (embedded, demo users) at ${oidc.issuer}`);
    const logins = DEMO_IDENTITIES.map((i) => `${i.login} / ${i.password}`);
    identityLines = [`  Sign-in        ${oidc.issuer} (embedded OpenID Connect provider, demo users)`];
    for (let k = 0; k < logins.length; k += 4) identityLines.push(`  ${(k ? '' : 'log in as:').padEnd(15)}${logins.slice(k, k + 4).join(', ')}`);
    identityLines.push('  Script token   client demo-<login>, secret demo-<login>-secret (client credentials; README "Logging in")');
  }

  // Worker and API. They load their own config; we forward our environment (not a config read: process.env is
  // passed through untouched) with the addresses of what we just started laid over it.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, ...smtpEnv, ...smsEnv };
  if (stopping) throw new StopRequested();
  const worker = startChild('worker', 'worker/main.ts', childEnv);
  cleanups.push({ name: 'worker', run: () => stopChild('worker', worker) });
  const api = startChild('api', 'api/server.ts', childEnv);
  cleanups.push({ name: 'api', run: () => stopChild('api', api) });

  const apiUrl = `http://${browserHost(cfg.API_HOST)}:${cfg.API_PORT}`;
  const apiUp = await waitForHttp(`${apiUrl}/docs`, 60_000);
  if (stopping) return;
  if (!apiUp) log.warn(`the API did not answer at ${apiUrl} within 60 s; still waiting on it`);

  const lines = [
    `GECCO Flow is ${apiUp ? 'up' : 'starting'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    `  API            ${apiUrl}`,
    `  Console        ${apiUrl}/console/`,
    `  OpenAPI docs   ${apiUrl}/docs`,
    `  Temporal       ${temporalAddress} (namespace ${cfg.TEMPORAL_NAMESPACE}) ${cfg.TEMPORAL_ENGINE === 'server' ? 'production server' : cfg.TEMPORAL_ENGINE === 'dev' ? 'dev server' : 'external'}`,
    ...(temporalUi ? [`  Temporal UI    ${temporalUi}`] : []),
    mailUrl ? `  Caught mail    ${mailUrl}   (SMTP 127.0.0.1:${smtpEnv.SMTP_PORT})` : `  Mail relay     ${cfg.SMTP_HOST}:${cfg.SMTP_PORT}`,
    smsUrl ? `  Caught SMS     ${smsUrl}   (SMPP 127.0.0.1:${smsEnv.SMPP_PORT})` : `  SMSC           ${cfg.SMPP_HOST}:${cfg.SMPP_PORT}`,
    ...identityLines,
    `  PostgreSQL     ${postgresLabel}`,
    '  Ctrl-C to stop.',
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 2;
  process.stdout.write(`\n${'='.repeat(width)}\n${lines.join('\n')}\n${'='.repeat(width)}\n\n`);
  // `npm start -- --demo`: a small season in progress for the console (README "Console")
  if (apiUp && process.argv.includes('--demo')) {
    await seedDefaultDemo(apiUrl, cfg.OIDC_ISSUER, (line) => log.info(`demo: ${line}`)).catch((err: unknown) => log.error({ err }, 'demo season failed'));
  }
}

main(config).catch((err: unknown) => {
  if (err instanceof StopRequested) return; // a signal arrived during start-up; shutdown() is already running
  log.error({ err }, 'start-up failed');
  void shutdown(1, 'start-up failed');
});
