// `npm run stuck`: the running workflows stuck on a failing workflow task or an activity retrying beyond a threshold,
// on the Temporal server of TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (the one `npm start` runs by default).
//   npm run stuck -- [--min-attempts 3] [--max 5000] [--campaign huelva-2027] [--type workerCycleWorkflow] [--json]
// Exit code 0 when none is stuck, 1 when some are (for a cron or a CI check), 2 on a usage error.
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { temporalConnectionOptions } from '../worker/temporal-connection';
import { DEFAULT_MIN_ATTEMPTS } from '../api/stuck-workflows';
import { formatStuckListing, listStuckWorkflows } from './lib/stuck-listing';

const { values: args } = parseArgs({
  options: {
    'min-attempts': { type: 'string', default: String(DEFAULT_MIN_ATTEMPTS) },
    max: { type: 'string', default: '5000' },
    campaign: { type: 'string' },
    type: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const minAttempts = Number(args['min-attempts']);
const max = Number(args.max);
if (!Number.isInteger(minAttempts) || minAttempts < 2 || !Number.isInteger(max) || max < 1) {
  console.error('--min-attempts must be an integer ≥ 2 and --max an integer ≥ 1');
  process.exit(2);
}

const config = loadConfig();
const connection = await Connection.connect(temporalConnectionOptions(config));
try {
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const listing = await listStuckWorkflows(client, { minAttempts, max, campaignId: args.campaign, workflowType: args.type });
  console.log(args.json ? JSON.stringify(listing, null, 2) : formatStuckListing(listing, minAttempts));
  process.exitCode = listing.workflows.length > 0 ? 1 : 0;
} finally {
  await connection.close();
}
