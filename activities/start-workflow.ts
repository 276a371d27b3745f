// Starting a context's workflow (campaign, worker cycle, visa batch, departure, bulk operation): one ID policy,
// one conflict policy, search attributes given by the caller. Used by the API and by activities.
//
// "Write rows, then start the workflow" — the one pattern every context follows:
//   1. the context's rows are committed first, in one transaction, under a business key;
//   2. then its workflow is started with that business key as workflow ID (this helper).
// The guarantee: a workflow never runs without its rows (its activities read them and need not wait for a
// commit), and rows are never without their workflow for longer than it takes a retry: a request that fails
// between 1 and 2 is answered with an error, and its retry (or the context's next write) finds the rows and
// starts the missing workflow, or finds it running. A closed workflow is never started again.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowStartOptions } from '@temporalio/client';
import type { SearchAttributePair, Workflow } from '@temporalio/common';
import { CampaignIdKey, SeasonKey } from '../workflows/contracts/search-attributes';

export interface ContextWorkflowStart<W extends Workflow> {
  /** the workflow function's name */
  workflowType: string;
  /** the business key (campaign, batch, departure, cycle or operation ID) */
  workflowId: string;
  taskQueue: string;
  args: Parameters<W>;
  /** IDs, stage and province only: never personal data */
  searchAttributes?: SearchAttributePair[];
}

/**
 * Starts the workflow, or finds it running (USE_EXISTING), so a retried request is harmless. One execution per
 * business ID, ever (REJECT_DUPLICATE): returns 'already_ran' rather than restarting a closed one.
 */
export async function startContextWorkflow<W extends Workflow>(temporal: Client, s: ContextWorkflowStart<W>): Promise<'started' | 'already_ran'> {
  const options = {
    workflowId: s.workflowId,
    taskQueue: s.taskQueue,
    args: s.args,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    ...(s.searchAttributes?.length ? { typedSearchAttributes: s.searchAttributes } : {}),
  } as unknown as WorkflowStartOptions<W>; // args: the generic Parameters<W> does not narrow to the SDK's tuple type
  try {
    await temporal.workflow.start<W>(s.workflowType, options);
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already_ran';
    throw err;
  }
}

/** The search attributes every workflow of a campaign carries (IDs only), so operators find it in the UI. */
export function campaignAttributes(campaignId: string, season: number): SearchAttributePair[] {
  return [
    { key: CampaignIdKey, value: campaignId },
    { key: SeasonKey, value: season },
  ];
}
