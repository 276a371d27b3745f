// Season simulator and benchmark: `npm run bench:season -- --workers N [--engine dev|server] [--keep] [--max-minutes 60] [--faults]`.
// Starts its own Temporal server (dev or production), PostgreSQL, mail catcher, SMSC, OpenID Connect provider, worker and API;
// drives a whole season through the API as its users would, each desk with its demo identity's token (bulk files, visa batches, sailings, returns) with short configured durations;
// then, on the same Temporal server, runs the baseline (bare workflows with the same number of activities,
// timers and Updates per worker) so the pipeline's overhead is a ratio. Writes bench-results/season-<N>-<engine>-<ts>.json.
// With --faults the worker process is SIGKILLed --kills times and PostgreSQL restarted the hard way during the season,
// which is then checked (bench/lib/faults.ts): the bench exits non-zero if a cycle is stranded or anything was recorded twice.
// Speed targets live here and in the JSON it writes, never in tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { msToNumber } from '@temporalio/common/lib/time';
import { loadConfig, projectRoot } from '../config';
import { Api, round } from './lib/api';
import { pool, runBaseline, type BaselineResult } from './lib/baseline';
import { countEvents, historyBytes, type EventCounts } from './lib/history';
import { cpuSeconds, postgresCpuSeconds, readRss, startInfra, tail, type Infra } from './lib/infra';
import { SeasonDriver } from './lib/season-driver';
import { updateThroughput } from './lib/throughput';
import { FaultInjector, seasonProgress, verifySeason, type SeasonVerdict } from './lib/faults';
import { clientCredentialsToken } from '../scripts/lib/client-credentials';
import { demoIdentity, type DemoLogin } from '../scripts/lib/demo-identities';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
    'max-minutes': { type: 'string', default: '60' },
    'reserve-ratio': { type: 'string', default: '0.02' },
    deadline: { type: 'string', default: '2h' },
    'season-length': { type: 'string', default: '5s' },
    'embarkation-grace': { type: 'string', default: '3s' },
    'reserve-check-interval': { type: 'string', default: '2s' },
    'baseline-concurrency': { type: 'string', default: '64' },
    'files-in-flight': { type: 'string', default: '4' },
    'no-baseline': { type: 'boolean', default: false },
    // no season: the bare baseline alone, for the season whose result JSON this names (its workers, its counts of
    // activities, timers and updates per cycle, its wall time): a season and its baseline in two sessions of their own
    'baseline-for': { type: 'string' },
    // the worker's sticky cache (and the baseline's, the same): by default every cycle of the season fits in it
    'workflow-cache': { type: 'string' },
    // worker replicas (processes) polling the worker cycles' task queue; the cache is split between them
    'worker-processes': { type: 'string' },
    // the deployment's two worker pools (split, default): the worker processes run the cycles, one more process the
    // coordination (WORKER_TASK_QUEUES); one: every worker process polls every task queue, as before
    'worker-pools': { type: 'string', default: 'split' },
    'worker-heap-mb': { type: 'string' },
    'no-release': { type: 'boolean', default: false },
    // write V8 CPU profiles (.cpuprofile) of the worker processes and the API into this folder
    'cpu-prof': { type: 'string' },
    // the Temporal server started for the run: the CLI's dev server (SQLite) or the production server (PostgreSQL);
    // unset: TEMPORAL_ENGINE when it names one of them, else dev
    engine: { type: 'string' },
    // docker-compose.yml's topology without Docker: deployment roles, compiled worker/API on the image's Node
    deployment: { type: 'boolean', default: false },
    // faults during the season (bench/lib/faults.ts): the worker process SIGKILLed --kills times, PostgreSQL stopped
    // immediately and started again --postgres-restarts times; then the season is checked and the exit code says
    faults: { type: 'boolean', default: false },
    kills: { type: 'string', default: '3' },
    'postgres-restarts': { type: 'string', default: '1' },
    // stop when no cycle moved for this long with nothing in flight (a stranded cycle); 0: wait for --max-minutes
    'stall-minutes': { type: 'string', default: '3' },
    // stop when no cycle moved for this long although files, batches or sailings are in flight (a frozen engine); 0: never
    'frozen-minutes': { type: 'string', default: '10' },
  },
  strict: true,
});

const WORKERS = Number(args.workers);
if (!Number.isInteger(WORKERS) || WORKERS < 1) throw new Error(`--workers must be a positive integer, got ${args.workers}`);
/** The season a --baseline-for run measures the baseline of. */
const SEASON_MEASURED = args['baseline-for'] ? (JSON.parse(fs.readFileSync(args['baseline-for'], 'utf8')) as { workers: number; engine: string; wallSeconds?: number; completed: boolean; perWorkerCycle?: Partial<EventCounts> }) : undefined;
if (SEASON_MEASURED && SEASON_MEASURED.workers !== WORKERS) throw new Error(`--workers must be the season's (${SEASON_MEASURED.workers}) with --baseline-for, got ${WORKERS}`);
if (SEASON_MEASURED && (args.faults || args['no-baseline'])) throw new Error('--baseline-for runs the baseline alone: not with --faults or --no-baseline');
const RESERVES = Math.ceil(WORKERS * Number(args['reserve-ratio']));
const MAX_MS = Number(args['max-minutes']) * 60_000;
const BASELINE_CONCURRENCY = Number(args['baseline-concurrency']);
// A cycle evicted from the worker's cache is replayed from its history at its next step; the season moves every
// cycle a stage at a time, so an LRU cache smaller than the season evicts each cycle before its next step.
const WORKFLOW_CACHE = args['workflow-cache'] !== undefined ? Number(args['workflow-cache']) : Math.max(2000, Math.ceil((WORKERS + RESERVES) * 1.05));
// The SDK's core scans its whole cache of runs as it handles each workflow task (measured with perf at 20,000 cached
// cycles in one worker: ~60 % of the worker's CPU in the core's workflow stream): past ~4,000 cycles per worker, more
// worker replicas with smaller caches, as a deployment would scale out.
const WORKER_PROCESSES = args['worker-processes'] !== undefined ? Number(args['worker-processes']) : Math.max(1, Math.ceil(WORKFLOW_CACHE / 4000));
if (args['worker-pools'] !== 'split' && args['worker-pools'] !== 'one') throw new Error(`--worker-pools must be split or one, got ${args['worker-pools']}`);
const COORDINATION_PROCESS = args['worker-pools'] === 'split';
const CACHE_PER_WORKER = Math.ceil(WORKFLOW_CACHE / WORKER_PROCESSES);
const WORKER_HEAP_MB = args['worker-heap-mb'] !== undefined ? Number(args['worker-heap-mb']) : Math.max(4096, Math.ceil(1024 + CACHE_PER_WORKER * 0.75));
const KILLS = args.faults ? Number(args.kills) : 0;
const PG_RESTARTS = args.faults ? Number(args['postgres-restarts']) : 0;
if (!Number.isInteger(KILLS) || KILLS < 0 || !Number.isInteger(PG_RESTARTS) || PG_RESTARTS < 0) throw new Error('--kills and --postgres-restarts must be non-negative integers');
const benchDir = path.join(projectRoot, '.data', 'bench');
const resultsDir = path.join(projectRoot, 'bench-results');
const t0 = Date.now();
const log = (msg: string) => process.stdout.write(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(7)} s] ${msg}\n`);

// ---------------------------------------------------------------- guard: stop by ourselves, never hang
let stopReason: string | undefined;
const shouldStop = () => stopReason !== undefined;
const guard = setTimeout(() => {
  stopReason = `max time of ${args['max-minutes']} min reached`;
  log(`${stopReason}: stopping and reporting how far the season got`);
  // if the orderly stop itself hangs, give up after 3 minutes
  setTimeout(() => {
    log('orderly stop did not finish within 3 min; exiting');
    process.exit(2);
  }, 180_000).unref();
}, MAX_MS);
guard.unref();
let signals = 0;
for (const s of ['SIGINT', 'SIGTERM'] as const) {
  process.on(s, () => {
    signals += 1;
    stopReason ??= `${s} received`;
    log(`${s}: stopping (again to exit at once)`);
    if (signals > 1) process.exit(130);
  });
}

// ---------------------------------------------------------------- helpers
function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

const load: Record<string, number[]> = { season: [], baseline: [] };
let loadPhase: 'season' | 'baseline' | undefined;
const benchLoop = monitorEventLoopDelay({ resolution: 10 });
const loadTimer = setInterval(() => {
  if (loadPhase) load[loadPhase]!.push(os.loadavg()[0]!);
}, 2_000);
loadTimer.unref();
function loadSummary(samples: number[]) {
  return samples.length ? { mean: round(samples.reduce((a, b) => a + b, 0) / samples.length, 2), max: round(Math.max(...samples), 2), samples: samples.length } : null;
}

interface RssPeaks {
  /** the largest worker process */
  worker: number;
  /** all worker processes together */
  workersTotal: number;
  api: number;
  temporal: number;
  bench: number;
}
function pollRss(infra: Infra, peaks: RssPeaks): void {
  const ws = infra.workers.map((c) => readRss(c.process.pid));
  const a = readRss(infra.api.process.pid);
  const t = readRss(infra.temporal.pid);
  for (const w of ws) if (w) peaks.worker = Math.max(peaks.worker, w.hwmMb, w.rssMb);
  peaks.workersTotal = Math.max(peaks.workersTotal, ws.reduce((n, w) => n + (w?.rssMb ?? 0), 0));
  if (a) peaks.api = Math.max(peaks.api, a.hwmMb, a.rssMb);
  if (t) peaks.temporal = Math.max(peaks.temporal, t.hwmMb, t.rssMb);
  peaks.bench = Math.max(peaks.bench, process.memoryUsage().rss / 1024 ** 2);
}

/**
 * The API's own view of its requests (its Prometheus histogram, from the request's arrival to its answer): per route,
 * the share answered within 50 ms and within 1 s, beside the bench's client-side latencies (which also count the
 * bench's own waits on a busy machine), and the API's event-loop lag.
 */
async function serverSideLatency(apiUrl: string) {
  try {
    const text = await (await fetch(`${apiUrl}/metrics`)).text();
    const byRoute = new Map<string, { requests: number; within50ms: number; within1s: number }>();
    for (const m of text.matchAll(/^gecco_http_request_duration_seconds_bucket\{([^}]*)\} (\d+)/gm)) {
      const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      const key = `${labels.method} ${labels.route}`;
      const r = byRoute.get(key) ?? { requests: 0, within50ms: 0, within1s: 0 };
      const n = Number(m[2]);
      if (labels.le === '+Inf') r.requests += n;
      if (labels.le === '0.05') r.within50ms += n;
      if (labels.le === '1') r.within1s += n;
      byRoute.set(key, r);
    }
    const lag = (q: string) => Number(new RegExp(`^nodejs_eventloop_lag_${q}_seconds (\\S+)`, 'm').exec(text)?.[1] ?? NaN) * 1000;
    return {
      routes: [...byRoute.entries()]
        .map(([route, r]) => ({ route, requests: r.requests, within50ms: round(r.within50ms / r.requests, 3), within1s: round(r.within1s / r.requests, 3) }))
        .sort((a, b) => b.requests - a.requests),
      eventLoopLagMs: { p50: round(lag('p50')), p99: round(lag('p99')), max: round(lag('max')) },
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * Where the worker processes' tasks waited (the SDK's Prometheus histograms of the first worker process and of the
 * coordination one, over their lives): per task queue, workflow tasks' schedule-to-start (waiting for a poll: a starved sticky poller shows as ~10 s, the sticky
 * queue's timeout) and execution, activities' schedule-to-start; the sticky cache's hits and misses. Quantiles are
 * the upper bound of the bucket they fall in.
 */
async function workerTaskLatency(metricsUrls: string[]) {
  try {
    const text = (await Promise.all(metricsUrls.map(async (u) => (await fetch(u)).text()))).join('\n');
    const hist = new Map<string, Map<string, Map<number, number>>>(); // metric -> task queue -> le -> count
    for (const m of text.matchAll(/^temporal_(workflow_task_schedule_to_start_latency|workflow_task_execution_latency|activity_schedule_to_start_latency)(?:_seconds)?_bucket\{([^}]*)\} (\S+)/gm)) {
      const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
      const byQueue = hist.get(m[1]!) ?? new Map<string, Map<number, number>>();
      const buckets = byQueue.get(labels.task_queue ?? '?') ?? new Map<number, number>();
      buckets.set(le, (buckets.get(le) ?? 0) + Number(m[3])); // summed over the other labels (workflow type…)
      byQueue.set(labels.task_queue ?? '?', buckets);
      hist.set(m[1]!, byQueue);
    }
    const quantiles = (buckets: Map<number, number>) => {
      const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
      const total = sorted.at(-1)?.[1] ?? 0;
      const q = (f: number) => sorted.find(([, n]) => n >= f * total)?.[0] ?? NaN;
      const seconds = (le: number) => (Number.isFinite(le) ? le : `> ${sorted.at(-2)?.[0]}`);
      return { count: total, p50s: seconds(q(0.5)), p99s: seconds(q(0.99)), within1s: round((sorted.find(([le]) => le >= 1)?.[1] ?? total) / Math.max(1, total), 3) };
    };
    const counter = (name: string) => [...text.matchAll(new RegExp(`^temporal_${name}(?:_total)?(?:\\{[^}]*\\})? (\\S+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
    return {
      ...Object.fromEntries([...hist.entries()].map(([metric, byQueue]) => [metric, Object.fromEntries([...byQueue.entries()].map(([queue, b]) => [queue, quantiles(b)]))])),
      stickyCache: { hits: counter('sticky_cache_hit'), misses: counter('sticky_cache_miss') },
      workflowTaskFailures: counter('workflow_task_execution_failed'),
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function stats(values: number[]) {
  if (values.length === 0) return { sampled: 0, mean: NaN, max: NaN, min: NaN };
  return { sampled: values.length, mean: round(values.reduce((a, b) => a + b, 0) / values.length), max: Math.max(...values), min: Math.min(...values) };
}

async function historyLengths(client: Client, ids: string[], concurrency = 8): Promise<number[]> {
  const out: number[] = [];
  await pool(ids, concurrency, async (id) => {
    try {
      const d = await client.workflow.getHandle(id).describe();
      out.push(d.historyLength);
    } catch {
      // not found (never started): skipped
    }
  });
  return out;
}

/** What one bare baseline workflow does, as a season's cycle did (its history) or, without one, as the code says. */
function perWorkerCounts(perCycle: Partial<EventCounts> | undefined, measured: string) {
  const known = perCycle?.activities !== undefined;
  return {
    source: known ? measured : 'counted from workflows/worker-cycle.ts',
    activities: perCycle?.activities ?? 4,
    localActivities: perCycle?.localActivities ?? 12,
    // One deadline timer per awaited step plus the timers that fire (the season). Counting TimerStarted events instead
    // would vary from run to run: a deadline timer started and cancelled in the same workflow task (its step had
    // already arrived) never reaches the history.
    timers: known ? (perCycle.updatesAccepted ?? 0) + (perCycle.timersFired ?? 0) : 9,
    updates: perCycle?.updatesAccepted ?? 8,
  };
}

/** Copies the run's process logs (worker, API, Temporal server) into `into`. */
function keepLogs(from: string, into: string): void {
  try {
    const logs = fs.readdirSync(from, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.log'));
    if (!logs.length) return;
    fs.mkdirSync(into, { recursive: true });
    for (const f of logs) fs.copyFileSync(path.join(from, f), path.join(into, f.replace(/[\\/]/g, '_')));
    log(`logs kept in ${path.relative(projectRoot, into)}`);
  } catch (err) {
    log(`logs not kept: ${(err as Error).message}`);
  }
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const engine = args.engine ?? (config.TEMPORAL_ENGINE === 'server' || args.deployment ? 'server' : 'dev');
  if (engine !== 'dev' && engine !== 'server') throw new Error(`--engine must be dev or server, got ${engine}`);
  const resultFile = path.join(resultsDir, `${SEASON_MEASURED ? 'baseline' : 'season'}-${WORKERS}-${engine}-${stamp}.json`);
  const campaignId = `bench-${WORKERS}-${Date.now().toString(36)}`;
  const timings = {
    selectionDeadline: args.deadline,
    authorisationDeadline: args.deadline,
    visaFileDeadline: args.deadline,
    consularDecisionDeadline: args.deadline,
    consularEscalationGrace: args.deadline,
    predepartureDeadline: args.deadline,
    convocationDeadline: args.deadline,
    embarkationGrace: args['embarkation-grace'],
    seasonLength: args['season-length'],
    returnGrace: args.deadline,
    lateReturnWindow: args.deadline,
  };
  const result: Record<string, unknown> = {
    bench: 'season',
    startedAt: new Date(t0).toISOString(),
    completed: false,
    workers: WORKERS,
    reserves: RESERVES,
    engine,
    deployment: args.deployment,
    campaignId,
    machine: machine(),
    settings: {
      timings,
      reserveCheckInterval: args['reserve-check-interval'],
      visaWeeklyCapacity: 1500,
      maxFileRows: 5000,
      maxSeats: 2000,
      filesInFlight: Number(args['files-in-flight']),
      maxMinutes: Number(args['max-minutes']),
      temporal:
        engine === 'dev'
          ? 'dev server, SQLite WAL + synchronous=OFF, fresh db file'
          : 'production server v1.29.1 (config/temporal/server.yaml), fresh databases on the same PostgreSQL',
      workflowCache: WORKFLOW_CACHE,
      workerProcesses: WORKER_PROCESSES,
      workerPools: COORDINATION_PROCESS ? 'split: the worker processes run the cycles, one process more the coordination' : 'one: every worker process polls every task queue',
      workflowCachePerWorker: CACHE_PER_WORKER,
      workerHeapMb: WORKER_HEAP_MB,
      // the season's workers and the baseline's alike
      workflowStackTraces: config.WORKFLOW_STACK_TRACES,
    },
  };
  const writeResult = () => {
    fs.writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  };

  log(`season bench: ${WORKERS} workers + ${RESERVES} reserves; result -> ${path.relative(projectRoot, resultFile)}`);
  let infra: Infra | undefined;
  let sql: postgres.Sql | undefined;
  let connection: Connection | undefined;
  const peaks: RssPeaks = { worker: 0, workersTotal: 0, api: 0, temporal: 0, bench: 0 };
  let rssTimer: NodeJS.Timeout | undefined;
  let mailTimer: NodeJS.Timeout | undefined;
  let mails = 0;
  const mailIds = new Map<string, number>();
  let mailsWithoutId = 0;
  let drainMailNow = () => {};
  let injector: FaultInjector | undefined;
  let verdict: SeasonVerdict | undefined;
  let driver: SeasonDriver | undefined;
  const api = { current: undefined as Api | undefined };
  try {
    infra = await startInfra({
      config,
      benchDir,
      log,
      engine,
      deployment: args.deployment,
      ownPostgres: args.faults,
      reserveCheckInterval: args['reserve-check-interval'],
      workerProcesses: WORKER_PROCESSES,
      coordinationProcess: COORDINATION_PROCESS,
      workflowCacheSize: CACHE_PER_WORKER,
      workerHeapMb: WORKER_HEAP_MB,
      ...(args['cpu-prof'] ? { cpuProfileDir: path.resolve(args['cpu-prof']) } : {}),
    });
    result.postgres = infra.postgresLabel;
    if (args.faults && !infra.restartPostgres && PG_RESTARTS > 0) throw new Error('--faults restarts PostgreSQL: it needs the bench’s embedded one');
    const inf = infra;
    rssTimer = setInterval(() => {
      pollRss(inf, peaks);
      for (const c of [...inf.workers, inf.api]) {
        if (c.exited && !c.killed && !stopReason) {
          stopReason = `${c.name} exited unexpectedly (${c.exited})`;
          log(`${stopReason}; last lines of ${c.logFile}:\n${tail(c.logFile)}`);
        }
      }
    }, 2_000);
    // The catcher keeps every message with its PDFs in memory: count and drop them as they come.
    // By Message-ID too, for the fault run's duplicate count.
    const drainMail = () => {
      const caught = inf.mail.messages();
      inf.mail.clear();
      mails += caught.length;
      for (const m of caught) {
        if (m.messageId) mailIds.set(m.messageId, (mailIds.get(m.messageId) ?? 0) + 1);
        else mailsWithoutId += 1;
      }
    };
    drainMailNow = drainMail;
    mailTimer = setInterval(drainMail, 5_000);
    sql = postgres(infra.databaseUrl, { max: 2, onnotice: () => {} });
    const db = sql;
    connection = await Connection.connect({ address: infra.temporal.address });
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });

    /** The bare baseline on this run's Temporal server, the season's processes stopped. */
    const baselinePhase = async (perWorker: ReturnType<typeof perWorkerCounts>): Promise<BaselineResult | undefined> => {
      log(`baseline: ${WORKERS} bare workflows x (${perWorker.activities} activities, ${perWorker.localActivities} local activities, ${perWorker.timers} timers, ${perWorker.updates} updates), ${perWorker.source}`);
      loadPhase = 'baseline';
      try {
        return await runBaseline({
          address: inf.temporal.address,
          namespace: config.TEMPORAL_NAMESPACE,
          workers: WORKERS,
          activities: perWorker.activities,
          localActivities: perWorker.localActivities,
          timers: perWorker.timers,
          updates: perWorker.updates,
          firedTimerMs: msToNumber(args['season-length'] as '5s'),
          startConcurrency: 32,
          updateConcurrency: BASELINE_CONCURRENCY,
          runId: Date.now().toString(36),
          temporalWorkers: WORKER_PROCESSES,
          logDir: benchDir,
          workflowCacheSize: CACHE_PER_WORKER,
          workflowStackTraces: config.WORKFLOW_STACK_TRACES,
          log,
          shouldStop,
        });
      } catch (err) {
        result.baselineError = (err as Error).message;
        log(`baseline failed: ${(err as Error).message}`);
        return undefined;
      } finally {
        loadPhase = undefined;
      }
    };

    if (SEASON_MEASURED) {
      // the baseline alone: the season's worker and API are not needed
      clearInterval(rssTimer);
      await inf.stopChildren();
      result.bench = 'baseline';
      result.season = { result: args['baseline-for'], engine: SEASON_MEASURED.engine, completed: SEASON_MEASURED.completed, wallSeconds: SEASON_MEASURED.wallSeconds ?? null };
      const baseline = await baselinePhase(perWorkerCounts(SEASON_MEASURED.perWorkerCycle, `measured from the history of a returned cycle of the season (${args['baseline-for']})`));
      if (baseline) {
        result.completed = !stopReason;
        result.baseline = { ...baseline, measuredIn: `a run of its own, on a fresh ${engine} Temporal server, for the season of ${args['baseline-for']}` };
        if (SEASON_MEASURED.completed && SEASON_MEASURED.wallSeconds) result.overheadRatio = round(SEASON_MEASURED.wallSeconds / baseline.wallSeconds, 2);
      }
      result.loadAverage1m = { season: loadSummary([]), baseline: loadSummary(load.baseline!) };
      result.finishedAt = new Date().toISOString();
      writeResult();
      log(`baseline ${baseline ? `${baseline.wallSeconds.toFixed(1)} s; overhead ratio of the season ${String(result.overheadRatio ?? 'not measurable (season incomplete)')}` : 'failed'}; result: ${path.relative(projectRoot, resultFile)}`);
      if (!baseline) process.exitCode = 1;
      return;
    }

    // ------------------------------------------------------------ the season
    // each desk's script client (client credentials), as the people at the desks would call the API from their scripts
    const issuer = infra.oidc.issuer;
    const tokenOf = (login: DemoLogin) => {
      const { clientId, clientSecret } = demoIdentity(login);
      return clientCredentialsToken({ issuer, clientId, clientSecret });
    };
    api.current = new Api(infra.apiUrl, tokenOf('coordinator'));
    driver = new SeasonDriver({
      api: { coordinator: api.current, consular: api.current.as(tokenOf('consular')), port: api.current.as(tokenOf('port')) },
      workers: WORKERS,
      reserves: RESERVES,
      campaignId,
      timings,
      reserveCheckInterval: args['reserve-check-interval'],
      reserveCheckMs: msToNumber(args['reserve-check-interval'] as '2s'),
      visaWeeklyCapacity: 1500,
      log,
      shouldStop,
      filesInFlight: Number(args['files-in-flight']),
      ...(Number(args['stall-minutes']) > 0 ? { stallMs: Number(args['stall-minutes']) * 60_000 } : {}),
      ...(Number(args['frozen-minutes']) > 0 ? { frozenMs: Number(args['frozen-minutes']) * 60_000 } : {}),
      mapCandidates: async (nids) => {
        const rows = await db<{ national_id: string; id: number }[]>`select national_id, id from candidates where national_id in ${db(nids)}`;
        return new Map(rows.map((r) => [r.national_id, r.id]));
      },
    });
    const cpu = (i: Infra) => ({
      // every worker process, the coordination one included (also on its own)
      worker: i.workers.reduce((n, c) => n + (cpuSeconds(c.process.pid) ?? 0), 0),
      coordinationWorker: COORDINATION_PROCESS ? cpuSeconds(i.workers.at(-1)!.process.pid) : undefined,
      api: cpuSeconds(i.api.process.pid),
      temporalServer: cpuSeconds(i.temporal.pid),
      postgres: i.postgresLabel.startsWith('embedded') ? postgresCpuSeconds(path.join(benchDir, 'pg')) : undefined,
      bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    });
    const cpuAtStart = cpu(infra);
    const seasonStart = Date.now();
    loadPhase = 'season';
    // the bench's own event loop (it also runs the mail catcher, the SMSC and the identity provider): its lag is in
    // every latency it measures
    benchLoop.enable();
    let seasonSeconds: number | undefined;
    let seasonError: string | undefined;
    const drv = driver;
    if (args.faults) {
      injector = new FaultInjector({
        infra,
        kills: KILLS,
        postgresRestarts: PG_RESTARTS,
        progress: () => seasonProgress(drv.lastView?.stageCounts),
        log,
        elapsedSeconds: () => (Date.now() - seasonStart) / 1000,
      });
      log(`faults: ${KILLS} worker kills and ${PG_RESTARTS} PostgreSQL restart(s), spread over the season`);
      injector.start();
    }
    try {
      await driver.createCampaign();
      await driver.loadCandidates();
      await driver.loadSelection();
      await driver.drive();
      seasonSeconds = ((driver.stats.endedAt ?? Date.now()) - seasonStart) / 1000;
      log(`season completed in ${seasonSeconds.toFixed(1)} s`);
      if (injector && injector.events.length < injector.planned) {
        log(`the season ended before ${injector.planned - injector.events.length} of the faults: injecting them now, before the campaign is closed`);
      }
      const injectedInSeason = injector?.events.length;
      await injector?.finish();
      if (injector) result.faultsInjectedAfterSeason = injector.events.length - (injectedInSeason ?? 0);
      await driver.closeSeason(!args['no-release']);
    } catch (err) {
      seasonError = (err as Error).message;
      log(`season did not complete: ${seasonError}`);
      injector?.stop();
      // what the season measured so far is written first: the measurements below need PostgreSQL and Temporal
      result.error = seasonError;
      result.api = api.current.summary();
      result.driver = driver.stats;
      result.peakRssMb = { ...peaks }; // replaced by the rounded peaks below when the measurements finish
      writeResult();
      const unsettled = await driver.settle(120_000);
      if (unsettled > 0) {
        result.unsettledJobs = unsettled;
        log(`${unsettled} job(s) still in flight after 2 min: measuring without them`);
      }
    }
    if (injector) {
      // the checks: from PostgreSQL and Temporal, once the rows written last have had a moment (a few seconds at most)
      drainMailNow();
      const check = () => verifySeason({ db, client, campaignId, caught: mailIds, caughtWithoutMessageId: mailsWithoutId, smscParts: infra!.smsc.parts().length, releasedReserves: !args['no-release'] });
      verdict = await check();
      for (let i = 0; i < 12 && seasonError === undefined && (verdict.stranded.total > 0 || verdict.emails.sentButNotCaught > 0 || verdict.sms.undecided > 0); i++) {
        await new Promise((r) => setTimeout(r, 5_000));
        drainMailNow();
        verdict = await check();
      }
    }
    const wall = seasonSeconds ?? (Date.now() - seasonStart) / 1000;
    loadPhase = undefined;
    const cpuAtEnd = cpu(infra);
    const cpuSecondsUsed = Object.fromEntries(
      Object.entries(cpuAtEnd).map(([k, v]) => {
        const before = cpuAtStart[k as keyof typeof cpuAtStart];
        return [k, v !== undefined && before !== undefined ? round(v - before, 1) : null];
      }),
    );

    // ------------------------------------------------------------ measurements on the season
    pollRss(infra, peaks);
    const rssWorker = Math.max(...infra.workers.map((c) => readRss(c.process.pid)?.hwmMb ?? 0));
    const rssApi = readRss(infra.api.process.pid);
    const peakRssMb = {
      worker: round(Math.max(peaks.worker, rssWorker)),
      workerProcesses: infra.workers.length,
      workersTotal: round(peaks.workersTotal),
      api: round(Math.max(peaks.api, rssApi?.hwmMb ?? 0)),
      temporalServer: round(peaks.temporal),
      bench: round(peaks.bench),
    };
    const throughput = await updateThroughput(db, campaignId);
    const byStage = Object.fromEntries(
      (await db<{ stage: string; n: number }[]>`select stage, count(*)::int as n from worker_cycles where campaign_id = ${campaignId} group by stage order by stage`).map((r) => [r.stage, r.n]),
    );
    const byOutcome = Object.fromEntries(
      (await db<{ outcome: string; n: number }[]>`select coalesce(outcome, 'open') as outcome, count(*)::int as n from worker_cycles where campaign_id = ${campaignId} group by 1 order by 1`).map((r) => [r.outcome, r.n]),
    );
    const [cnt] = await db<{ started: number; closed_with_outcome: number; uncalled_reserves: number; open_other: number; reserves_called: number; selected: number }[]>`
      select count(*)::int as started,
             count(*) filter (where stage = 'closed' and outcome is not null)::int as closed_with_outcome,
             count(*) filter (where stage = 'preselected' and reserve_rank is not null)::int as uncalled_reserves,
             count(*) filter (where not (stage = 'closed' and outcome is not null) and not (stage = 'preselected' and reserve_rank is not null))::int as open_other,
             count(*) filter (where reserve_rank is not null and offer_id is not null)::int as reserves_called,
             count(*) filter (where offer_id is not null)::int as selected
      from worker_cycles where campaign_id = ${campaignId}`;
    const expectedCycles = WORKERS + RESERVES;
    const lost = (cnt?.open_other ?? 0) + Math.max(0, expectedCycles - (cnt?.started ?? 0));
    const [docs] = await db<{ n: number; bytes: number }[]>`
      select count(*)::int as n, coalesce(sum(d.size_bytes), 0)::bigint as bytes from documents d join worker_cycles c on c.id = d.cycle_id where c.campaign_id = ${campaignId}`;
    const docsByKind = Object.fromEntries(
      (await db<{ kind: string; n: number }[]>`select d.kind, count(*)::int as n from documents d join worker_cycles c on c.id = d.cycle_id where c.campaign_id = ${campaignId} group by d.kind order by 1`).map((r) => [r.kind, r.n]),
    );
    const [outbox] = await db<{ n: number; sent: number }[]>`
      select count(*)::int as n, count(*) filter (where o.sent_at is not null)::int as sent from email_outbox o join worker_cycles c on c.id = o.cycle_id where c.campaign_id = ${campaignId} and o.channel = 'email'`;
    const [sms] = await db<{ n: number; sent: number; delivered: number; parts: number; arabic: number; calls: number }[]>`
      select count(*)::int as n, count(*) filter (where o.sent_at is not null)::int as sent, count(*) filter (where o.delivery = 'delivered')::int as delivered,
             coalesce(sum(cardinality(o.smsc_message_ids)), 0)::int as parts, count(*) filter (where o.body ~ '[\u0600-\u06FF]')::int as arabic,
             (select count(*)::int from call_list_entries e where e.campaign_id = ${campaignId}) as calls
      from email_outbox o join worker_cycles c on c.id = o.cycle_id where c.campaign_id = ${campaignId} and o.channel = 'sms'`;
    drainMailNow();

    // histories
    const campaignDescription = await client.workflow.getHandle(`campaign-${campaignId}`).describe().catch(() => undefined);
    const allCycles = (await db<{ id: string }[]>`select id from worker_cycles where campaign_id = ${campaignId} order by id`).map((r) => r.id);
    const sample: string[] = [];
    const step = Math.max(1, Math.floor(allCycles.length / 50));
    for (let i = 0; i < allCycles.length && sample.length < 50; i += step) sample.push(allCycles[i]!);
    const cycleLengths = await historyLengths(client, sample);
    const bulkIds = (await db<{ id: string; kind: string }[]>`select id, kind from bulk_operations where campaign_id = ${campaignId}`).map((r) => r.id);
    const bulkLengths = await historyLengths(client, bulkIds);
    const batchIds = (await db<{ id: string }[]>`select id from visa_batches where campaign_id = ${campaignId}`).map((r) => r.id);
    const batchLengths = await historyLengths(client, batchIds);
    const departureIds = (await db<{ id: string }[]>`select id from departures where campaign_id = ${campaignId}`).map((r) => r.id);
    const departureLengths = await historyLengths(client, departureIds);

    // what one worker cycle really does: a returned cycle with a single visa submission
    const [reference] = await db<{ id: string }[]>`
      select c.id from worker_cycles c where c.campaign_id = ${campaignId} and c.outcome = 'returned'
        and not exists (select 1 from visa_batch_members m where m.cycle_id = c.id and m.attempt > 1)
      order by c.candidate_id limit 1`;
    let perCycle: EventCounts | undefined;
    let referenceHistoryBytes: number | undefined;
    if (reference) {
      const history = await client.workflow.getHandle(reference.id).fetchHistory();
      perCycle = countEvents(history);
      referenceHistoryBytes = historyBytes(history);
    }
    // what a season leaves in PostgreSQL (sizing: docs/scale-out.md): the app's database is the run's own; the
    // production server's two databases too (the dev server keeps its state in SQLite)
    const databaseBytes = Object.fromEntries(
      (await db<{ name: string; bytes: string }[]>`
        select datname as name, pg_database_size(datname)::bigint as bytes from pg_database
        where datname = current_database() or datname like 'temporal_bench%' order by 1`).map((r) => [r.name, Number(r.bytes)]),
    );
    const perWorker = perWorkerCounts(perCycle, 'measured from the history of a returned cycle in this run');

    benchLoop.disable();
    const apiSummary = {
      ...api.current.summary(),
      serverSide: await serverSideLatency(infra.apiUrl),
      benchEventLoopLagMs: { p50: round(benchLoop.percentile(50) / 1e6), p99: round(benchLoop.percentile(99) / 1e6), max: round(benchLoop.max / 1e6) },
    };
    Object.assign(result, {
      completed: seasonError === undefined && !stopReason,
      ...(seasonError ? { error: seasonError } : {}),
      ...(stopReason ? { stopReason } : {}),
      phaseReached: driver.stats.phase,
      wallSeconds: round(wall, 1),
      workersPerSecond: seasonSeconds !== undefined ? round(WORKERS / wall, 2) : null,
      returnedPerSecond: seasonSeconds !== undefined ? round(((byOutcome.returned as number | undefined) ?? 0) / wall, 2) : null,
      api: apiSummary,
      updateThroughput: throughput,
      workerTaskLatency: await workerTaskLatency(infra.workerMetricsUrls),
      documents: docs?.n ?? 0,
      documentsByKind: docsByKind,
      documentBytes: Number(docs?.bytes ?? 0),
      mails: { outboxRows: outbox?.n ?? 0, sent: outbox?.sent ?? 0, caughtBySmtpCatcher: mails },
      sms: { outboxRows: sms?.n ?? 0, sent: sms?.sent ?? 0, delivered: sms?.delivered ?? 0, parts: sms?.parts ?? 0, inArabic: sms?.arabic ?? 0, partsAtSmsc: infra.smsc.parts().length, callListEntries: sms?.calls ?? 0 },
      peakRssMb,
      cpuSecondsDuringSeason: { ...cpuSecondsUsed, note: 'user + system CPU seconds from /proc, from the campaign creation to the end of the season (closing included)' },
      campaignHistoryLength: campaignDescription?.historyLength ?? null,
      workerCycleHistoryLength: stats(cycleLengths),
      bulkOperationHistoryLength: { operations: bulkIds.length, ...stats(bulkLengths) },
      visaBatchHistoryLength: { batches: batchIds.length, ...stats(batchLengths) },
      departureHistoryLength: { departures: departureIds.length, ...stats(departureLengths) },
      perWorkerCycle: { source: perWorker.source, cycleId: reference?.id ?? null, ...(perCycle ?? {}), ...(referenceHistoryBytes !== undefined ? { historyBytes: referenceHistoryBytes } : {}) },
      databaseBytes,
      counts: {
        started: cnt?.started ?? 0,
        expected: expectedCycles,
        selected: cnt?.selected ?? 0,
        reservesCalled: cnt?.reserves_called ?? 0,
        closedWithOutcome: cnt?.closed_with_outcome ?? 0,
        uncalledReserves: driver.stats.uncalledReserves ?? cnt?.uncalled_reserves ?? 0,
        uncalledReservesReleased: driver.stats.reservesReleased ?? 0,
        // meaningful once the season completed; at an early stop these cycles were simply still running
        ...(seasonSeconds !== undefined ? { lost } : { lost: null, openAtStop: lost }),
        byOutcome,
        byStage,
      },
      driver: driver.stats,
    });
    if (injector) {
      const v = verdict!;
      const failures = [
        ...(v.stranded.total > 0 ? [`${v.stranded.total} stranded (${v.stranded.examples.slice(0, 5).join('; ')})`] : []),
        ...(v.duplicateDocuments > 0 ? [`${v.duplicateDocuments} duplicate documents`] : []),
        ...(v.duplicateAuditSteps > 0 ? [`${v.duplicateAuditSteps} duplicate audit steps (${v.duplicateAuditExamples.join('; ')})`] : []),
        ...(v.auditGaps > 0 ? [`${v.auditGaps} cycles with a gap in their audit trail`] : []),
        ...(v.unexplained > 0 ? [`${v.unexplained} e-mail duplicates not explained by a retried send`] : []),
        ...(v.sms.undecided > 0 ? [`${v.sms.undecided} SMS sent and never decided by a stored receipt`] : []),
        ...(v.emails.unsent + v.emails.sentButNotCaught > 0 ? [`${v.emails.unsent} e-mails never sent, ${v.emails.sentButNotCaught} recorded sent but never caught`] : []),
        ...(injector.events.length < injector.planned ? [`only ${injector.events.length} of ${injector.planned} faults injected${injector.error ? ` (${injector.error})` : ''}`] : []),
        ...(seasonError !== undefined || stopReason ? ['the season did not complete'] : []),
      ];
      result.faults = {
        kills: injector.events.filter((e) => e.kind === 'worker_kill').length,
        pgRestarts: injector.events.filter((e) => e.kind === 'postgres_restart').length,
        events: injector.events,
        cycles: v.cycles,
        outcomes: v.outcomes,
        stranded: v.stranded.total,
        strandedDetail: v.stranded,
        duplicateDocuments: v.duplicateDocuments,
        duplicateAuditSteps: v.duplicateAuditSteps,
        duplicateAuditExamples: v.duplicateAuditExamples,
        auditGaps: v.auditGaps,
        emailDuplicates: v.emailDuplicates,
        explained: v.explained,
        unexplained: v.unexplained,
        emails: v.emails,
        sms: v.sms,
        openContexts: v.openContexts,
        apiOutage: apiSummary.outage,
        apiStatuses: apiSummary.statuses,
        passed: failures.length === 0,
        failures,
      };
      if (failures.length > 0) process.exitCode = 1;
    }
    writeResult();

    // ------------------------------------------------------------ stop the season's processes, then the baseline
    clearInterval(rssTimer);
    await infra.stopChildren();
    if (!args['no-baseline'] && !stopReason) {
      const baseline = await baselinePhase(perWorker);
      if (baseline) {
        result.baseline = { ...baseline, measuredIn: 'the same run, on the same Temporal server, after the season (worker and API stopped)' };
        result.overheadRatio = round(wall / baseline.wallSeconds, 2);
      }
    }
    result.loadAverage1m = { note: 'os.loadavg()[0] sampled every 2 s on this 2-core machine: anything above 2 means other processes competed for the CPU', season: loadSummary(load.season!), baseline: loadSummary(load.baseline!) };
    result.finishedAt = new Date().toISOString();
    writeResult();
  } catch (err) {
    result.error = (err as Error).stack ?? String(err);
    log(`bench failed: ${(err as Error).message}`);
    if (api.current) result.api = api.current.summary();
    if (driver) result.driver = driver.stats;
    result.loadAverage1m = { season: loadSummary(load.season!), baseline: loadSummary(load.baseline!) };
    writeResult();
    process.exitCode = 1;
  } finally {
    if (rssTimer) clearInterval(rssTimer);
    if (mailTimer) clearInterval(mailTimer);
    await connection?.close().catch(() => {});
    await sql?.end({ timeout: 5 }).catch(() => {});
    if (infra) {
      log('stopping worker, API, OpenID provider, SMSC, mail catcher, Temporal, PostgreSQL');
      await infra.stop();
      // A season that failed keeps its processes' logs beside its result (the run's folder goes): a 500 whose cause
      // was only in the API's log was lost that way once.
      if (!result.completed) keepLogs(benchDir, resultFile.replace(/\.json$/, '-logs'));
      if (!args.keep) fs.rmSync(benchDir, { recursive: true, force: true });
    }
    clearTimeout(guard);
  }

  // a summary of the JSON just written
  const r = result as Record<string, any>;
  const lines = [
    `season bench, ${WORKERS} workers (+${RESERVES} reserves): ${r.completed ? 'completed' : `NOT completed (${r.stopReason ?? r.error ?? 'see JSON'})`}`,
    `  wall ${r.wallSeconds} s, ${r.workersPerSecond} workers/s; API ${r.api?.requests} requests, p50 ${r.api?.p50Ms} ms, p99 ${r.api?.p99Ms} ms`,
    `  Updates/s by bulk operation: peak ${r.updateThroughput?.peak}, min ${r.updateThroughput?.min} (${r.updateThroughput?.slowest}), min/peak ${r.updateThroughput?.minOverPeak}; steps per 10 s under way: peak ${r.updateThroughput?.stepsPer10sUnderWay?.peak}, min ${r.updateThroughput?.stepsPer10sUnderWay?.min} (${r.updateThroughput?.stepsPer10sUnderWay?.minOverPeak})`,
    `  workflow tasks' schedule-to-start p99 by task queue: ${Object.entries(r.workerTaskLatency?.workflow_task_schedule_to_start_latency ?? {}).map(([q, l]) => `${q} ${(l as any).p99s} s`).join(', ') || 'n/a'}`,
    `  documents ${r.documents}; peak RSS worker ${r.peakRssMb?.worker} MB, API ${r.peakRssMb?.api} MB; campaign history ${r.campaignHistoryLength} events; cycle history mean ${r.workerCycleHistoryLength?.mean}, max ${r.workerCycleHistoryLength?.max}`,
    `  outcomes ${JSON.stringify(r.counts?.byOutcome)}; uncalled reserves ${r.counts?.uncalledReserves}; lost ${r.counts?.lost}`,
    r.baseline ? `  baseline ${r.baseline.wallSeconds.toFixed(1)} s (${r.baseline.activitiesPerWorker} activities, ${r.baseline.localActivitiesPerWorker} local, ${r.baseline.timersPerWorker} timers, ${r.baseline.updatesPerWorker} updates per worker); overhead ratio ${r.overheadRatio}` : '  baseline: not run',
    ...(r.faults
      ? [
          `  faults: ${r.faults.kills} worker kills, ${r.faults.pgRestarts} PostgreSQL restart(s); ${r.faults.cycles} cycles, stranded ${r.faults.stranded}, duplicate documents ${r.faults.duplicateDocuments}, duplicate audit steps ${r.faults.duplicateAuditSteps}, e-mail duplicates ${r.faults.emailDuplicates} (explained ${r.faults.explained}): ${r.faults.passed ? 'PASSED' : `FAILED (${r.faults.failures.join('; ')})`}`,
        ]
      : args.faults
        ? ['  faults: NOT checked (the bench failed before the checks)']
        : []),
    `  result: ${path.relative(projectRoot, resultFile)}`,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
  process.exit(process.exitCode ?? 0);
}

// a --baseline-for run returns from main() (the season's summary is not its own)
void main().then(() => process.exit(process.exitCode ?? 0));
