// The bench's own infrastructure, all local and started fresh: a Temporal server (--engine: the dev server, SQLite
// without fsync, or the production server on the same PostgreSQL), PostgreSQL (DATABASE_URL's server with a fresh
// gecco_bench database, else an embedded one), migrations, a mail catcher, a local SMSC, the embedded OpenID Connect
// provider the API checks tokens against (the bench calls the API with its demo identities' script clients), then the
// worker and the API as child processes. Everything is stopped by stop(), in reverse order.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { COORDINATION_TASK_QUEUE } from '../../workflows/contracts/bulk';
import { WORKER_CYCLE_TASK_QUEUE } from '../../workflows/contracts/worker-cycle';
import { projectRoot, type Config } from '../../config';
import { applyMigrations } from '../../db/migrate';
import type { PostgresHandle } from '../../db/embedded';
import { ENGINE_LABEL, startTemporalEngine, type TemporalEngine, type TemporalEngineHandle } from '../../scripts/lib/temporal-engine';
import { dropTemporalDatabases } from '../../scripts/lib/temporal-server';
import { importEmbeddedPostgres } from '../../scripts/lib/embedded-postgres';
import { freshDatabase } from '../../scripts/lib/scratch-database';
import { createDeploymentRoles, prepareCompiled, runCompiledMigrations, type DeploymentDatabases } from './deployment';
import { startMailCatcher, type MailCatcherHandle } from '../../scripts/lib/mail-catcher';
import { startSmsc, type SmscHandle } from '../../scripts/lib/smsc';
import { startOidcProvider, type OidcProviderHandle } from '../../scripts/lib/oidc-provider';
import { freePort, waitForExit } from '../../scripts/lib/process';

export const BENCH_DB = 'gecco_bench';
/** the production server's databases when the bench runs on it (--engine server): this and <this>_visibility */
export const BENCH_TEMPORAL_DB = 'temporal_bench';


/** Peak (VmHWM) and current (VmRSS) resident set of a process, in MB; undefined once it is gone. */
export function readRss(pid: number | undefined): { hwmMb: number; rssMb: number } | undefined {
  if (!pid) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { hwmMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** set when it exits; the bench treats an exit before stop() as fatal, unless the bench killed it itself */
  exited?: string;
  /** killed on purpose (--faults): its exit is not a failure */
  killed?: boolean;
}


export async function stopChild(child: Child): Promise<void> {
  const p = child.process;
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill('SIGTERM');
  if (!(await waitForExit(p, 15_000))) {
    p.kill('SIGKILL');
    await waitForExit(p, 5_000);
  }
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** A child process running `entry`: TypeScript through tsx on this Node, or with `compiled` a dist/ file on that Node. */
export function startChild(name: string, entry: string, env: NodeJS.ProcessEnv, logDir: string, args: string[] = [], nodeArgs: string[] = [], compiled?: { node: string }): Child {
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const node = compiled?.node ?? process.execPath;
  const loader = compiled ? ['--enable-source-maps'] : ['--import', 'tsx'];
  const proc = spawn(node, [...nodeArgs, ...loader, entry, ...args], { cwd: projectRoot, env, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  const child: Child = { name, process: proc, logFile };
  proc.once('exit', (code, signal) => {
    child.exited = signal ? `signal ${signal}` : `code ${code}`;
  });
  proc.once('error', (err) => {
    child.exited = `spawn error ${err.message}`;
  });
  return child;
}

/** Waits until a child's log holds `text` (a process saying it is ready). */
export async function waitForLine(file: string, text: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(text)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${file}: no "${text}" within ${timeoutMs} ms`);
}

/** A child that died while the bench waited for it to come up, with its log's tail. */
function failIfExited(children: Child[]): void {
  for (const c of children) if (c.exited) throw new Error(`${c.name} exited during start-up (${c.exited}):\n${tail(c.logFile)}`);
}

/** Waits until a worker polls each task queue (Temporal lists its pollers), so that the season's first step is not kept waiting. */
async function waitForPollers(address: string, namespace: string, taskQueues: string[], timeoutMs: number, children: Child[]): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + timeoutMs;
    for (const name of taskQueues) {
      for (;;) {
        failIfExited(children);
        const res = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name }, taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW });
        if ((res.pollers?.length ?? 0) > 0) break;
        if (Date.now() > deadline) throw new Error(`no worker polled ${name} within ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await connection.close();
  }
}

async function waitForHttp(url: string, timeoutMs: number, children: Child[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    failIfExited(children);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the API did not answer ${url} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The embedded Postgres handle's stop() never returns if Postgres already exited; postmaster.pid going away means it did. */
async function stopEmbedded(pg: PostgresHandle, dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let polling = true;
  const gone = (async () => {
    while (polling && fs.existsSync(pidFile)) await new Promise((r) => setTimeout(r, 200));
  })();
  await Promise.race([pg.stop(), gone]);
  polling = false;
}

export interface Infra {
  benchDir: string;
  databaseUrl: string;
  postgresLabel: string;
  temporal: TemporalEngineHandle;
  mail: MailCatcherHandle;
  smsc: SmscHandle;
  /** the OpenID Connect provider the API trusts (OIDC_ISSUER), with the demo identities' script clients */
  oidc: OidcProviderHandle;
  apiUrl: string;
  /** the Prometheus endpoints (the SDK's metrics: task latencies by task queue) of the first worker process and of the coordination one */
  workerMetricsUrls: string[];
  /** the first worker process (there may be several: workers) */
  readonly worker: Child;
  /** the worker processes now (a restarted one replaces its killed predecessor in place) */
  workers: Child[];
  api: Child;
  /** SIGKILLs worker process `i` (no shutdown, as the OOM killer or a lost node would) and resolves once it is gone */
  killWorker(i: number): Promise<void>;
  /** starts worker process `i` again with the same environment, as a supervisor restarting it would */
  restartWorker(i: number): Child;
  /**
   * Stops the embedded PostgreSQL the hard way, `pg_ctl stop -m immediate` (SIGQUIT to the postmaster: every backend
   * quits at once, no checkpoint, crash recovery at the next start), and starts it again on the same data directory
   * and port after `downMs`; undefined when PostgreSQL is not the bench's own (DATABASE_URL).
   */
  restartPostgres?: (downMs: number) => Promise<{ downSeconds: number }>;
  /** stops the worker and the API (SIGTERM, then SIGKILL after 15 s) */
  stopChildren(): Promise<void>;
  /** stops everything still running, in reverse order of start */
  stop(): Promise<void>;
}

export async function startInfra(opts: {
  config: Config;
  benchDir: string;
  log: (msg: string) => void;
  /** the Temporal server started for the run: the CLI's dev server or the production server on the same PostgreSQL */
  engine: TemporalEngine;
  reserveCheckInterval: string;
  /** worker processes (replicas polling the same task queues; default 1) */
  workerProcesses?: number;
  /** each worker process's sticky cache (workflows) and V8 heap (MiB); unset: the SDK's and Node's defaults */
  workflowCacheSize?: number;
  workerHeapMb?: number;
  /**
   * the deployment's two worker pools: the worker processes poll the worker cycles only, and one process more the
   * coordination (campaign, bulk files and pages, visa batches, sailings) at the default CPU priority
   * (WORKER_TASK_QUEUES); unset: every process polls every task queue
   */
  coordinationProcess?: boolean;
  /** write V8 CPU profiles of the worker processes and the API here (node's --cpu-prof, written as they exit) */
  cpuProfileDir?: string;
  /**
   * docker-compose.yml's topology without Docker (bench/lib/deployment.ts): a fresh embedded PostgreSQL with the
   * deployment's roles, the compiled migrations job, worker and API on the image's Node, connecting as the app role.
   */
  deployment?: boolean;
  /** an embedded PostgreSQL of the bench's own even when DATABASE_URL names a server (--faults restarts it) */
  ownPostgres?: boolean;
}): Promise<Infra> {
  const { config, benchDir, log } = opts;
  let restartPostgres: Infra['restartPostgres'];
  const cleanups: { name: string; run: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c.run();
      } catch (err) {
        log(`stopping ${c.name} failed: ${(err as Error).message}`);
      }
    }
  };
  try {
    fs.rmSync(benchDir, { recursive: true, force: true });
    fs.mkdirSync(benchDir, { recursive: true });

    // Identity: the provider `npm start` embeds (demo identities), here in the bench's process on a free port; with
    // --deployment it stands for docker-compose's Keycloak (OIDC_EMBEDDED=false, OIDC_ISSUER pointing at it).
    const oidc = await startOidcProvider({ port: 0, audience: config.OIDC_AUDIENCE, consoleClientId: config.OIDC_CONSOLE_CLIENT_ID, onError: (err) => log(`OpenID provider: ${(err as Error).message}`) });
    cleanups.push({ name: 'OpenID Connect provider', run: () => oidc.stop() });
    log(`OpenID Connect provider (demo identities) at ${oidc.issuer}`);
    const identity = { OIDC_EMBEDDED: 'false', OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: config.OIDC_AUDIENCE };
    // --deployment: docker-compose's app environment (x-app), which the migrations job loads as well as the worker and
    // the API. Production refuses to run without payload keys: a key of the run's own unless the caller gave some.
    const production = opts.deployment
      ? {
          NODE_ENV: 'production',
          TEMPORAL_ENGINE: 'external',
          ...identity,
          ...(process.env.PAYLOAD_KEYS
            ? { PAYLOAD_KEYS: process.env.PAYLOAD_KEYS, PAYLOAD_KEY_ID: process.env.PAYLOAD_KEY_ID ?? '' }
            : { PAYLOAD_KEYS: JSON.stringify({ 'bench-1': crypto.randomBytes(32).toString('base64') }), PAYLOAD_KEY_ID: 'bench-1' }),
          // nor without its erasure key (config ERASURE_HMAC_KEY)
          ERASURE_HMAC_KEY: process.env.ERASURE_HMAC_KEY ?? crypto.randomBytes(32).toString('hex'),
        }
      : undefined;

    // PostgreSQL
    let databaseUrl: string;
    let postgresLabel: string;
    let deployment: (DeploymentDatabases & { node: string }) | undefined;
    const external = config.DATABASE_URL && !opts.deployment && !opts.ownPostgres ? config.DATABASE_URL : undefined;
    if (external) {
      databaseUrl = await freshDatabase(external, BENCH_DB);
      postgresLabel = `external server, database ${BENCH_DB}`;
      cleanups.push({ name: 'bench database', run: async () => {} });
    } else {
      // the bench stops things in order itself (see scripts/lib/embedded-postgres.ts)
      const { startEmbeddedPostgres } = await importEmbeddedPostgres();
      const dataDir = path.join(benchDir, 'pg');
      const port = await freePort();
      log(`starting embedded PostgreSQL in ${dataDir} on port ${port}`);
      // --deployment: the roles script creates the databases, owned by their roles
      const database = opts.deployment ? 'postgres' : BENCH_DB;
      let pg = await startEmbeddedPostgres({ dataDir, port, database });
      cleanups.push({ name: 'embedded PostgreSQL', run: () => stopEmbedded(pg, dataDir) });
      restartPostgres = async (downMs) => {
        const pidFile = path.join(dataDir, 'postmaster.pid');
        const postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
        const stoppedAt = Date.now();
        process.kill(postmaster, 'SIGQUIT');
        // the postmaster removes its pid file last, once every backend has gone
        while (fs.existsSync(pidFile) && Date.now() - stoppedAt < 30_000) await new Promise((r) => setTimeout(r, 100));
        if (fs.existsSync(pidFile)) throw new Error(`PostgreSQL (pid ${postmaster}) did not stop within 30 s of SIGQUIT`);
        await new Promise((r) => setTimeout(r, Math.max(0, downMs - (Date.now() - stoppedAt))));
        pg = await startEmbeddedPostgres({ dataDir, port, database });
        return { downSeconds: (Date.now() - stoppedAt) / 1000 };
      };
      databaseUrl = pg.url;
      postgresLabel = `embedded (${dataDir}), database ${BENCH_DB}`;
    }
    if (production) {
      const compiled = prepareCompiled(log);
      const superuser = new URL(databaseUrl);
      const dbs = await createDeploymentRoles({
        host: superuser.hostname,
        port: Number(superuser.port),
        superuser: decodeURIComponent(superuser.username),
        superuserPassword: decodeURIComponent(superuser.password),
        database: BENCH_DB,
        temporalDatabase: BENCH_TEMPORAL_DB,
      });
      await runCompiledMigrations(compiled.node, dbs.ownerUrl, production);
      deployment = { ...dbs, ...compiled };
      databaseUrl = dbs.appUrl;
      postgresLabel += ', roles gecco_owner (migrations) / gecco_app (worker, API) / temporal';
    } else {
      await applyMigrations(databaseUrl);
    }
    log(`PostgreSQL ready: ${postgresLabel}; migrations applied`);

    // Temporal
    if (external && opts.engine === 'server') await dropTemporalDatabases(external, [BENCH_TEMPORAL_DB, `${BENCH_TEMPORAL_DB}_visibility`]);
    for (const f of ['temporal.db', 'temporal.db-wal', 'temporal.db-shm']) fs.rmSync(path.join(benchDir, f), { force: true });
    const temporal = await startTemporalEngine({
      engine: opts.engine,
      config,
      port: await freePort(),
      uiPort: await freePort(),
      stateDir: benchDir,
      postgresUrl: deployment?.temporalUrl ?? databaseUrl,
      database: BENCH_TEMPORAL_DB,
      // what the SDK's CI and this project's tests use: the dev server's SQLite without fsync
      devArgs: ['--sqlite-pragma', 'synchronous=OFF'],
    });
    cleanups.push({ name: ENGINE_LABEL[opts.engine], run: () => temporal.stop() });
    log(`${ENGINE_LABEL[opts.engine]} ready at ${temporal.address} (${temporal.state}${opts.engine === 'dev' ? ', synchronous=OFF' : ''})`);

    // Mail
    const mail = await startMailCatcher({ smtpPort: await freePort(), host: '127.0.0.1', parse: false });
    cleanups.push({ name: 'mail catcher', run: () => mail.stop() });
    log(`mail catcher on 127.0.0.1:${mail.smtpPort}`);
    const smsc = await startSmsc({ port: 0 });
    cleanups.push({ name: 'SMSC', run: () => smsc.stop() });
    log(`local SMSC on 127.0.0.1:${smsc.port}`);

    // Worker and API
    const apiPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(mail.smtpPort),
      SMPP_HOST: '127.0.0.1',
      SMPP_PORT: String(smsc.port),
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      LOG_LEVEL: 'warn',
      RESERVE_CHECK_INTERVAL: opts.reserveCheckInterval,
      ...identity,
      // The rate limit (per token, 1,200 a minute by default) guards against a runaway or abusive client; the bench
      // is neither, but its few identities send a whole season's requests (thousands a minute at 20,000 workers).
      API_RATE_LIMIT_PER_MINUTE: '1000000',
    };
    delete env.CYCLE_TIMINGS;
    if (production) Object.assign(env, production, { WORKFLOW_BUNDLE_PATH: path.join(projectRoot, 'dist', 'workflow-bundle.js') });
    const entry = (ts: string, js: string) => (deployment ? js : ts);
    const workerEnv: NodeJS.ProcessEnv = { ...env };
    if (opts.workflowCacheSize !== undefined) workerEnv.WORKFLOW_CACHE_SIZE = String(opts.workflowCacheSize);
    if (opts.workerHeapMb !== undefined) workerEnv.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --max-old-space-size=${opts.workerHeapMb}`.trim();
    // --cpu-prof is not allowed in NODE_OPTIONS, hence node arguments
    const profile = opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : [];
    // the first worker's Prometheus endpoint: the deployment's health check of the worker, and the SDK's task
    // latencies by task queue in the season's result
    const metricsPort = await freePort();
    const cyclePools = opts.workerProcesses ?? 1;
    if (opts.coordinationProcess) workerEnv.WORKER_TASK_QUEUES = 'cycles';
    // the coordination pool: a few dozen workflows open at once, the SDK's default cache and Node's default heap
    const coordinationMetricsPort = await freePort();
    const coordinationEnv: NodeJS.ProcessEnv = { ...env, WORKER_TASK_QUEUES: 'coordination', WORKER_METRICS_PORT: String(coordinationMetricsPort) };
    const startWorker = (i: number) =>
      i === cyclePools
        ? startChild('worker-coordination', entry('worker/main.ts', 'dist/worker.js'), coordinationEnv, benchDir, [], profile, deployment)
        : startChild(i === 0 ? 'worker' : `worker-${i + 1}`, entry('worker/main.ts', 'dist/worker.js'), i === 0 ? { ...workerEnv, WORKER_METRICS_PORT: String(metricsPort) } : workerEnv, benchDir, [], profile, deployment);
    const workers = Array.from({ length: cyclePools + (opts.coordinationProcess ? 1 : 0) }, (_, i) => startWorker(i));
    const api = startChild('api', entry('api/server.ts', 'dist/api.js'), env, benchDir, [], profile, deployment);
    const children = () => [...workers, api];
    const stopChildren = async () => {
      await Promise.all(children().map((c) => stopChild(c)));
    };
    const killWorker = async (i: number) => {
      const w = workers[i];
      if (!w) throw new Error(`no worker process ${i}`);
      w.killed = true;
      w.process.kill('SIGKILL');
      await waitForExit(w.process, 10_000);
    };
    const restartWorker = (i: number) => {
      const w = startWorker(i);
      workers[i] = w;
      return w;
    };
    cleanups.push({ name: 'worker and API', run: stopChildren });
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitForHttp(`${apiUrl}/${deployment ? 'ready' : 'health'}`, 90_000, children());
    // the season starts once every worker polls, as in production, where workers run before a campaign opens (the
    // API answers before a worker has bundled its workflows: a first stage move waited for it)
    await waitForPollers(temporal.address, config.TEMPORAL_NAMESPACE, [WORKER_CYCLE_TASK_QUEUE, COORDINATION_TASK_QUEUE], 120_000, children());
    log(`worker (pid ${workers.map((w) => w.process.pid).join(', ')}) and API (pid ${api.process.pid}) started; API at ${apiUrl}`);
    if (deployment) {
      const [w, a] = await Promise.all([fetch(`http://127.0.0.1:${metricsPort}/metrics`), fetch(`${apiUrl}/metrics`)]);
      const count = async (r: Response, prefix: string) => (await r.text()).split('\n').filter((l) => l.startsWith(prefix)).length;
      log(`metrics: worker ${w.status} (${await count(w, 'temporal_')} temporal_* samples), API ${a.status} (${await count(a, 'gecco_http_')} gecco_http_* samples)`);
    }

    return {
      benchDir,
      databaseUrl,
      postgresLabel,
      temporal,
      mail,
      smsc,
      oidc,
      apiUrl,
      workerMetricsUrls: [metricsPort, ...(opts.coordinationProcess ? [coordinationMetricsPort] : [])].map((p) => `http://127.0.0.1:${p}/metrics`),
      get worker() {
        return workers[0]!;
      },
      workers,
      api,
      killWorker,
      restartWorker,
      ...(restartPostgres ? { restartPostgres } : {}),
      stopChildren,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

const CLK_TCK = 100;

/** CPU seconds (user + system) a process has used; withChildren adds its reaped children (PostgreSQL's backends). */
export function cpuSeconds(pid: number | undefined, withChildren = false): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // fields after the command: state(3) ... utime(14) stime(15) cutime(16) cstime(17), so index = field - 3
    const own = f[11]! + f[12]!;
    return (withChildren ? own + f[13]! + f[14]! : own) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** CPU seconds of PostgreSQL: the postmaster, its reaped backends and its live ones. */
export function postgresCpuSeconds(dataDir: string): number | undefined {
  try {
    const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    let total = cpuSeconds(postmaster, true) ?? 0;
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === postmaster) total += cpuSeconds(Number(entry)) ?? 0;
      } catch {
        // gone meanwhile
      }
    }
    return total;
  } catch {
    return undefined;
  }
}
