import { fileURLToPath } from 'node:url';
import type { PayloadCodec } from '@temporalio/common';
import { DefaultLogger, Worker, bundleWorkflowCode, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import nodemailer, { type Transporter } from 'nodemailer';
import { createActivities, type ActivityDeps } from '../activities';
import { createSmsDelivery } from '../activities/sms';
import type { Config } from '../config';
import { BULK_PAGES_TASK_QUEUE, COORDINATION_TASK_QUEUE } from '../workflows/contracts/bulk';
import { WORKER_CYCLE_TASK_QUEUE } from '../workflows/contracts/worker-cycle';
import { activityInterceptors } from './activity-interceptors';
import { requestIdActivityInterceptors } from './request-ids';
import { droppedWorkflowSpans, tracingActivityInterceptors, type Tracing } from './tracing';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * The workflow interceptors bundled with the workflows (request IDs; OpenTelemetry once a traced caller reaches a
 * workflow): in every bundle of the real workflows, the worker's, the image's (scripts/build.ts) and the replay test's.
 */
export const workflowInterceptorModules = [fileURLToPath(new URL('../worker/workflow-interceptors.ts', import.meta.url))];

/** The workflow bundle: workflows/ with the project's workflow interceptors. */
export function bundleWorkflows(): ReturnType<typeof bundleWorkflowCode> {
  return bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: new DefaultLogger('WARN') });
}

/**
 * The activities' interceptors, outermost first: the request ID current; the activity's span (it records the error
 * the activity ends with, so it sits outside CrashAwareActivity, which strips values from database errors first);
 * heartbeats, poison data and safe errors (worker/activity-interceptors.ts).
 */
export function workerActivityInterceptors(tracing?: Tracing) {
  return [requestIdActivityInterceptors, ...tracingActivityInterceptors(tracing), activityInterceptors];
}

export function createMailer(config: Pick<Config, 'SMTP_HOST' | 'SMTP_PORT'>): Transporter {
  // Development and tests talk to a local catcher without TLS; production relays set their own transport.
  // Pooled: a season sends tens of thousands of notifications, and a connection (and SMTP handshake) per message
  // cost more CPU, in the worker and at the relay, than writing the message.
  return nodemailer.createTransport({ host: config.SMTP_HOST, port: config.SMTP_PORT, secure: false, ignoreTLS: true, pool: true, maxConnections: 4, maxMessages: 1000 });
}

/**
 * The worker process's Temporal workers: one per task queue of its pools (worker cycles; coordination and its bulk pages), sharing
 * one workflow bundle and one set of activities built from their dependencies.
 */
export async function createWorkers(opts: {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  /** the payload codec (worker/payload-codec.ts: dataConverterFrom), the same as deps.temporal's */
  dataConverter: { payloadCodecs: PayloadCodec[] };
  /** a bundle built earlier (tests, or dist/workflow-bundle.js in the image); unset: bundled from workflows/ now */
  workflowBundle?: WorkflowBundleOption;
  /** which pools this process runs (config WORKER_TASK_QUEUES); unset: all */
  taskQueues?: 'all' | 'cycles' | 'coordination';
  /** worker cycles kept in the sticky cache; unset: the SDK's default from the heap size */
  workflowCacheSize?: number;
  /** OpenTelemetry (worker/tracing.ts): activity spans, and the workflows' spans exported; unset, none */
  tracing?: Tracing;
  /** answer the stack trace query (config WORKFLOW_STACK_TRACES); unset: off */
  workflowStackTraces?: boolean;
}): Promise<Worker[]> {
  const workflowBundle = opts.workflowBundle ?? (await bundleWorkflows());
  const workflowStackTraces = opts.workflowStackTraces ?? false;
  const activities = createActivities(opts.deps);
  // request IDs and tracing; heartbeats while running, poison data non-retryable, failed queries without their values
  const interceptors = { activity: workerActivityInterceptors(opts.tracing) };
  // the workflows' spans (only workflows a traced caller reached make any): exported, or dropped without tracing
  const sinks = opts.tracing?.workflowSinks ?? droppedWorkflowSpans;
  // delivery receipts arrive on the worker's SMPP session: one handler per process stores them and retries or escalates
  if (opts.deps.sms) {
    const delivery = createSmsDelivery(opts.deps);
    opts.deps.sms.onReceipt((r) =>
      delivery.store(r).catch((err: unknown) => {
        console.error('SMS receipt not recorded; the SMSC will deliver it again', err instanceof Error ? err.message : err);
        throw err;
      }),
    );
    await delivery.resumeRetries();
  }
  // what every Worker of the process shares; `workflows` for those that run workflows too
  const shared = {
    connection: opts.connection,
    namespace: opts.namespace,
    dataConverter: opts.dataConverter,
    activities,
    interceptors,
    // activities are idempotent: on shutdown, give them a moment, then let Temporal retry them elsewhere
    shutdownForceTime: '15s',
  } as const;
  const workflows = { workflowBundle, workflowStackTraces, sinks };
  const pools = opts.taskQueues ?? 'all';
  const created: Promise<Worker>[] = [];
  if (pools !== 'coordination') {
    created.push(
      Worker.create({
        ...shared,
        ...workflows,
        taskQueue: WORKER_CYCLE_TASK_QUEUE,
        maxConcurrentActivityTaskExecutions: 100,
        maxConcurrentWorkflowTaskExecutions: 100,
        ...(opts.workflowCacheSize !== undefined ? { maxCachedWorkflows: opts.workflowCacheSize } : {}),
      }),
    );
  }
  if (pools !== 'cycles') {
    created.push(
      // control steps (write rows, start a workflow, count, escalate), and the pages of operations started before
      // their own queue
      Worker.create({ ...shared, ...workflows, taskQueue: COORDINATION_TASK_QUEUE, maxConcurrentActivityTaskExecutions: 8 }),
      // bulk pages (activities only): each fans out to many workflows, few at a time, on slots of their own
      Worker.create({ ...shared, taskQueue: BULK_PAGES_TASK_QUEUE, maxConcurrentActivityTaskExecutions: 8 }),
    );
  }
  return Promise.all(created);
}
