// Starting one worker's cycle: used by the API (single start, re-hire) and by bulk intake activities.
import type { Client } from '@temporalio/client';
import type { workerCycleWorkflow } from '../workflows/worker-cycle';
import { WORKER_CYCLE_TASK_QUEUE, workerCycleWorkflowId, type WorkerCycleInput } from '../workflows/contracts/worker-cycle';
import { EmployerIdKey, ProvinceKey, StageKey } from '../workflows/contracts/search-attributes';
import { campaignAttributes, startContextWorkflow } from './start-workflow';

/** Starts the cycle or finds it running; one cycle per candidate per campaign, ever ('already_ran'). */
export function startWorkerCycle(temporal: Client, input: WorkerCycleInput): Promise<'started' | 'already_ran'> {
  return startContextWorkflow<typeof workerCycleWorkflow>(temporal, {
    workflowType: 'workerCycleWorkflow',
    workflowId: workerCycleWorkflowId(input.campaignId, input.candidateId),
    taskQueue: WORKER_CYCLE_TASK_QUEUE,
    args: [input],
    searchAttributes: [
      ...campaignAttributes(input.campaignId, input.season),
      { key: ProvinceKey, value: input.province },
      { key: StageKey, value: 'preselected' },
      ...(input.rehire ? [{ key: EmployerIdKey, value: input.rehire.employerId }] : []),
    ],
  });
}
