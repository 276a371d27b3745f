import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import nodemailer, { type Transporter } from 'nodemailer';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from '../config';
import { WORKER_CYCLE_TASK_QUEUE } from '../workflows/contracts/worker-cycle';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export function createMailer(config: Pick<Config, 'SMTP_HOST' | 'SMTP_PORT'>): Transporter {
  // Development and tests talk to a local catcher without TLS; production relays set their own transport.
  return nodemailer.createTransport({ host: config.SMTP_HOST, port: config.SMTP_PORT, secure: false, ignoreTLS: true });
}

/** Builds the one worker of the worker-cycle task queue; activities are created once from their dependencies. */
export async function createCycleWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  taskQueue?: string;
  workflowBundle?: WorkerOptions['workflowBundle'];
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? WORKER_CYCLE_TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: 50,
  });
}
