// The retention rule, started every night by a Temporal Schedule (worker/retention-schedule.ts): anonymises the
// candidates never selected, one batch of 500 per activity, until none is left.
import { continueAsNew, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { RetentionActivities } from '../activities/retention';
import type { RetentionResult } from './contracts/retention';

const { anonymiseExpiredCandidates } = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '30 minutes',
  // the activity interceptor heartbeats while a batch runs: a killed worker's batch is retried within seconds
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Batches before the run continues as new (50,000 people), so a first run on a large register keeps a short history. */
const BATCHES_PER_RUN = 100;

export async function retentionWorkflow(): Promise<RetentionResult> {
  const result: RetentionResult = { erased: 0, batches: 0 };
  for (;;) {
    setCurrentDetails(`Anonymising batch ${result.batches + 1} of candidates never selected · ${result.erased} anonymised in this run so far`);
    const batch = await anonymiseExpiredCandidates.executeWithOptions({ summary: `batch ${result.batches + 1} anonymised` }, []);
    result.batches += 1;
    result.erased += batch.erased;
    if (!batch.more) return result;
    if (result.batches >= BATCHES_PER_RUN) await continueAsNew<typeof retentionWorkflow>();
  }
}
