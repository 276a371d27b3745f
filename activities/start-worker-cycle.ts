// Starting one worker's cycle: used by the API (single start, re-hire) and by bulk intake activities.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { workerCycleWorkflow } from '../workflows/worker-cycle';
import { WORKER_CYCLE_TASK_QUEUE, workerCycleWorkflowId, type WorkerCycleInput } from '../workflows/contracts/worker-cycle';
import { CampaignIdKey, EmployerIdKey, ProvinceKey, SeasonKey, StageKey } from '../workflows/contracts/search-attributes';

/**
 * Starts the cycle, or finds it running (USE_EXISTING). One cycle per candidate per campaign, ever
 * (REJECT_DUPLICATE): returns 'already_ran' rather than restarting a closed one.
 */
export async function startWorkerCycle(temporal: Client, input: WorkerCycleInput): Promise<'started' | 'already_ran'> {
  try {
    await temporal.workflow.start<typeof workerCycleWorkflow>('workerCycleWorkflow', {
      workflowId: workerCycleWorkflowId(input.campaignId, input.candidateId),
      taskQueue: WORKER_CYCLE_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: CampaignIdKey, value: input.campaignId },
        { key: SeasonKey, value: input.season },
        { key: ProvinceKey, value: input.province },
        { key: StageKey, value: 'preselected' },
        ...(input.rehire ? [{ key: EmployerIdKey, value: input.rehire.employerId }] : []),
      ],
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already_ran';
    throw err;
  }
}
