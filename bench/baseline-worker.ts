// One more baseline Worker replica, in its own process (the SDK allows one Worker per task queue per process), so the
// baseline runs on as many worker processes, each with the same cache, as the season did.
// Usage: node --import tsx bench/baseline-worker.ts <address> <namespace> [maxCachedWorkflows] [workflowStackTraces: true|false]
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createBaselineWorker } from './lib/baseline';

const [address, namespace, cache, stackTraces] = process.argv.slice(2);
if (!address || !namespace) throw new Error('usage: baseline-worker.ts <address> <namespace> [maxCachedWorkflows]');
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address });
const worker = await createBaselineWorker(connection, namespace, cache ? Number(cache) : undefined, stackTraces ? stackTraces === 'true' : undefined);
process.stdout.write('baseline worker ready\n');
// SIGTERM/SIGINT shut the Worker down (the SDK's Runtime handles them)
await worker.run();
await connection.close();
