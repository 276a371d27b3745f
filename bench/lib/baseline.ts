// Runs the baseline on the bench's Temporal server: N bare workflows (bench/baseline-workflow.ts) on their own
// task queue and Worker in this process, started with bounded concurrency, driven by their Updates in waves
// (every workflow's step 1, then every workflow's step 2, ...: the season's files move a stage at a time), and
// timed from the first start to the last completion.
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { BASELINE_TASK_QUEUE, baselineStepUpdate, type BaselineActivities, type BaselineInput } from '../baseline-workflow';
import { countEvents, type EventCounts } from './history';
import { startChild, stopChild, waitForLine, type Child } from './infra';

export const baselineWorkflowsPath = fileURLToPath(new URL('../baseline-workflow.ts', import.meta.url));

/**
 * One baseline Worker (in this process or a replica's), configured as the project's worker-cycle worker: the same
 * sticky cache and the same workflow stack traces setting (WORKFLOW_STACK_TRACES; unset: the SDK's default).
 */
export async function createBaselineWorker(connection: NativeConnection, namespace: string, workflowCacheSize?: number, workflowStackTraces?: boolean): Promise<Worker> {
  const activities: BaselineActivities = { noop: async () => {} };
  return Worker.create({
    connection,
    namespace,
    taskQueue: BASELINE_TASK_QUEUE,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: baselineWorkflowsPath, logger: new DefaultLogger('WARN') }),
    activities,
    maxConcurrentActivityTaskExecutions: 100,
    maxConcurrentWorkflowTaskExecutions: 100,
    ...(workflowCacheSize !== undefined ? { maxCachedWorkflows: workflowCacheSize } : {}),
    ...(workflowStackTraces !== undefined ? { workflowStackTraces } : {}),
  });
}

export async function pool<T>(items: T[], size: number, fn: (item: T, index: number) => Promise<void>, shouldStop?: () => boolean): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      if (shouldStop?.()) return;
      const i = next++;
      await fn(items[i]!, i);
    }
  });
  await Promise.all(runners);
}

export interface BaselineResult {
  workflows: number;
  wallSeconds: number;
  startSeconds: number;
  activitiesPerWorker: number;
  localActivitiesPerWorker: number;
  timersPerWorker: number;
  updatesPerWorker: number;
  firedTimerMs: number;
  concurrency: { starts: number; updates: number };
  /** events of one baseline workflow's history, counted from the server */
  measuredPerWorkflow?: EventCounts;
  completed: number;
  failed: number;
}

export async function runBaseline(opts: {
  address: string;
  namespace: string;
  workers: number;
  activities: number;
  localActivities: number;
  timers: number;
  updates: number;
  firedTimerMs: number;
  startConcurrency: number;
  updateConcurrency: number;
  runId: string;
  /** as the season's worker processes: this many Workers on the baseline's task queue, each with this cache */
  temporalWorkers?: number;
  /** where the replicas' logs go */
  logDir: string;
  workflowCacheSize?: number;
  workflowStackTraces?: boolean;
  log: (msg: string) => void;
  shouldStop: () => boolean;
}): Promise<BaselineResult> {
  const { log } = opts;
  const nativeConnection = await NativeConnection.connect({ address: opts.address });
  const connection = await Connection.connect({ address: opts.address });
  const client = new Client({ connection, namespace: opts.namespace });
  const worker = await createBaselineWorker(nativeConnection, opts.namespace, opts.workflowCacheSize, opts.workflowStackTraces);
  // the other replicas in their own processes (one Worker per task queue per process)
  const replicas: Child[] = [];
  for (let i = 1; i < (opts.temporalWorkers ?? 1); i++) {
    const args = [opts.address, opts.namespace, String(opts.workflowCacheSize ?? ''), String(opts.workflowStackTraces ?? '')];
    replicas.push(startChild(`baseline-worker-${i + 1}`, 'bench/baseline-worker.ts', process.env, opts.logDir, args));
  }
  for (const r of replicas) await waitForLine(r.logFile, 'baseline worker ready', 60_000);
  const running = worker.run();
  const input: BaselineInput = {
    activities: opts.activities,
    localActivities: opts.localActivities,
    timers: opts.timers,
    updates: opts.updates,
    firedTimerMs: opts.firedTimerMs,
    deadlineMs: 2 * 3600_000,
  };
  const ids = Array.from({ length: opts.workers }, (_, i) => `baseline-${opts.runId}-${i + 1}`);
  let failed = 0;
  let completed = 0;
  try {
    const t0 = Date.now();
    await pool(
      ids,
      opts.startConcurrency,
      async (workflowId) => {
        await client.workflow.start('baselineWorkflow', { workflowId, taskQueue: BASELINE_TASK_QUEUE, args: [input] });
      },
      opts.shouldStop,
    );
    const startSeconds = (Date.now() - t0) / 1000;
    log(`baseline: ${ids.length} workflows started in ${startSeconds.toFixed(1)} s`);
    // The last step (the return) is sent, as in the season, once the timers before it have fired for that workflow.
    const firedTimers = Math.max(0, opts.timers - opts.updates);
    const doneAt = new Array<number>(ids.length).fill(0);
    for (let step = 1; step <= opts.updates; step++) {
      const ts = Date.now();
      await pool(
        ids,
        opts.updateConcurrency,
        async (workflowId, i) => {
          if (step === opts.updates && firedTimers > 0) {
            const wait = doneAt[i]! + firedTimers * opts.firedTimerMs + 250 - Date.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          }
          await client.workflow.getHandle(workflowId).executeUpdate(baselineStepUpdate, { args: [step], updateId: `step-${step}` });
          doneAt[i] = Date.now();
        },
        opts.shouldStop,
      );
      log(`baseline: update ${step}/${opts.updates} sent to every workflow in ${((Date.now() - ts) / 1000).toFixed(1)} s`);
      if (opts.shouldStop()) throw new Error('stopped by the bench guard');
    }
    await pool(
      ids,
      opts.updateConcurrency,
      async (workflowId) => {
        try {
          await client.workflow.getHandle(workflowId).result();
          completed += 1;
        } catch {
          failed += 1;
        }
      },
      opts.shouldStop,
    );
    const wallSeconds = (Date.now() - t0) / 1000;
    log(`baseline: ${completed} completed, ${failed} failed, wall ${wallSeconds.toFixed(1)} s`);
    let measured: EventCounts | undefined;
    try {
      measured = countEvents(await client.workflow.getHandle(ids[0]!).fetchHistory());
    } catch (err) {
      log(`baseline: could not read a history: ${(err as Error).message}`);
    }
    return {
      workflows: ids.length,
      wallSeconds,
      startSeconds,
      activitiesPerWorker: opts.activities,
      localActivitiesPerWorker: opts.localActivities,
      timersPerWorker: opts.timers,
      updatesPerWorker: opts.updates,
      firedTimerMs: opts.firedTimerMs,
      concurrency: { starts: opts.startConcurrency, updates: opts.updateConcurrency },
      measuredPerWorkflow: measured,
      completed,
      failed,
    };
  } finally {
    worker.shutdown();
    await running.catch(() => {});
    await Promise.all(replicas.map((r) => stopChild(r)));
    await nativeConnection.close();
    await connection.close();
  }
}
