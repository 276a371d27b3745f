// One operator repair that needs the worker's dependencies: a message sent again under a new outbox key, or a
// document printed again as its next version (workflows/contracts/repair.ts). Bounded retries: a relay that keeps
// refusing fails the repair, which its audit record says, instead of retrying for ever.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { RepairActivities } from '../activities/repairs';
import type { RepairInput, RepairResult } from './contracts/repair';
import { RETRY_SHORT } from './activity-options';

const { resendMessage, regenerateDocument } = proxyActivities<RepairActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { ...RETRY_SHORT, maximumAttempts: 5 },
});
const { finishRepair } = proxyActivities<RepairActivities>({
  startToCloseTimeout: '30 seconds',
  retry: RETRY_SHORT,
});

export async function repairWorkflow(input: RepairInput): Promise<RepairResult> {
  let result: RepairResult;
  try {
    const details =
      input.kind === 'resend_message'
        ? await resendMessage.executeWithOptions({ summary: `message sent again (${input.resendKey})` }, [input])
        : await regenerateDocument.executeWithOptions({ summary: `document printed again (version ${input.version})` }, [input]);
    result = { repairId: input.repairId, status: 'done', details };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause : err;
    result = { repairId: input.repairId, status: 'failed', details: { error: cause instanceof Error ? cause.message : String(cause) } };
  }
  await finishRepair.executeWithOptions({ summary: `repair ${result.status}` }, [result]);
  return result;
}
