// One more baseline Worker replica, in its own process (the SDK allows one Worker per task queue per process), so the
// baseline runs on as many worker processes, each with the same cache, as the season did.
// Usage: node --import tsx bench/baseline-worker.ts <address> <namespace> <maxCachedWorkflows>
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { BASELINE_TASK_QUEUE, type BaselineActivities } from './baseline-workflow';
import { baselineWorkflowsPath } from './lib/baseline';

const [address, namespace, cache] = process.argv.slice(2);
if (!address || !namespace) throw new Error('usage: baseline-worker.ts <address> <namespace> [maxCachedWorkflows]');
Runtime.install({ logger: new DefaultLogger('WARN') });
const workflowBundle = await bundleWorkflowCode({ workflowsPath: baselineWorkflowsPath, logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address });
const activities: BaselineActivities = { noop: async () => {} };
const worker = await Worker.create({
  connection,
  namespace,
  taskQueue: BASELINE_TASK_QUEUE,
  workflowBundle,
  activities,
  maxConcurrentActivityTaskExecutions: 100,
  maxConcurrentWorkflowTaskExecutions: 100,
  ...(cache ? { maxCachedWorkflows: Number(cache) } : {}),
});
process.stdout.write('baseline worker ready\n');
// SIGTERM/SIGINT shut the Worker down (the SDK's Runtime handles them)
await worker.run();
await connection.close();
