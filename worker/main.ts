// The worker process: polls the task queues, runs workflows and activities; stops gracefully on SIGINT/SIGTERM.
import fs from 'node:fs';
import os from 'node:os';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { loadConfig } from '../config';
import { connectDb } from '../db/client';
import { createDocumentRenderer, defaultRenderThreads } from '../templates/render-pool';
import { Client, Connection } from '@temporalio/client';
import { clientInterceptorsWith } from '../api/outage';
import { safeErrSerializer } from '../db/errors';
import { createMailer, createWorkers } from './create-worker';
import { dataConverterFrom } from './payload-codec';
import { ensureRetentionSchedule } from './retention-schedule';
import { createSmsGateway } from './sms';
import { temporalConnectionOptions } from './temporal-connection';
import { startTracing } from './tracing';

/**
 * The process's threads take the worker's CPU priority: Linux keeps a nice value per thread, and those Node started
 * before this (V8's GC and compiler helpers, libuv's pool) would keep theirs; the SDK's runtime and the render threads,
 * started next, inherit the main thread's.
 */
function lowerCpuPriority(nice: number): void {
  const threads = process.platform === 'linux' ? fs.readdirSync('/proc/self/task').map(Number) : [0];
  for (const tid of threads) {
    try {
      os.setPriority(tid, Math.max(os.getPriority(tid), nice));
    } catch {
      // a thread that ended meanwhile
    }
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const nice = config.WORKER_CPU_NICE ?? (config.WORKER_TASK_QUEUES === 'coordination' ? 0 : 5);
  if (nice > 0) lowerCpuPriority(nice);
  // before connecting anything: bad payload keys stop the worker at once, naming the setting
  const dataConverter = dataConverterFrom(config);
  const logger = pino({ level: config.LOG_LEVEL, name: 'worker', serializers: { err: safeErrSerializer(pino.stdSerializers.err) } });
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set (`npm start` provides one)');
  // off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: activity and workflow spans, trace context on the worker's own starts
  const tracing = startTracing(config, 'gecco-flow-worker');
  // Worker.run() resolves after these signals: in-flight activities finish, then we close resources.
  Runtime.install({
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    // the SDK's info logs (webpack stats, poller states) drown ours; debug/trace brings them back
    logger: new DefaultLogger(config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? 'DEBUG' : 'WARN'),
    ...(config.WORKER_METRICS_PORT
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `${config.METRICS_HOST}:${config.WORKER_METRICS_PORT}`, useSecondsForDurations: true } } } }
      : {}),
  });
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const { db, close } = connectDb(config.DATABASE_URL);
  const mailer = createMailer(config);
  const sms = createSmsGateway(config);
  const documents = createDocumentRenderer(config.DOCUMENT_RENDER_THREADS ?? defaultRenderThreads());
  const clientConnection = await Connection.connect(temporalConnectionOptions(config));
  // coordination activities send Updates: one the server dropped unprocessed is sent again
  const temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE, interceptors: clientInterceptorsWith(tracing), dataConverter });
  const workers = await createWorkers({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    deps: { db, mailer, sms, documents, temporal, config },
    dataConverter,
    taskQueues: config.WORKER_TASK_QUEUES,
    workflowCacheSize: config.WORKFLOW_CACHE_SIZE,
    workflowStackTraces: config.WORKFLOW_STACK_TRACES,
    ...(tracing ? { tracing } : {}),
    ...(config.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } } : {}),
  });
  // idempotent: every worker process ensures the nightly retention schedule exists
  const retention = await ensureRetentionSchedule(temporal);
  logger.info({ address: config.TEMPORAL_ADDRESS, taskQueues: workers.map((w) => w.options.taskQueue), retentionSchedule: retention, documentRenderThreads: documents.threads, cpuNice: os.getPriority() }, 'worker started');
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    await clientConnection.close();
    mailer.close();
    await sms.close();
    await documents.close();
    await close();
    await connection.close();
    await tracing?.shutdown();
    logger.info('worker stopped');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
