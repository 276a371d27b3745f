// Starting a context's workflow (campaign, worker cycle, visa batch, departure, bulk operation, in-season case): one ID policy,
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
import type { BulkOperationInput } from '../workflows/contracts/bulk';
import type { CampaignInput } from '../workflows/contracts/campaign';
import type { DepartureInput } from '../workflows/contracts/departure';
import type { InSeasonCaseInput } from '../workflows/contracts/in-season-case';
import {
  bulkDetails,
  bulkSummary,
  campaignDetails,
  campaignSummary,
  cycleDetails,
  cycleSummary,
  departureDetails,
  departureSummary,
  inSeasonCaseDetails,
  inSeasonCaseSummary,
  visaBatchDetails,
  visaBatchSummary,
} from '../workflows/contracts/explain';
import { CampaignIdKey, SeasonKey } from '../workflows/contracts/search-attributes';
import type { VisaBatchInput } from '../workflows/contracts/visa-batch';
import type { WorkerCycleInput } from '../workflows/contracts/worker-cycle';

export interface ContextWorkflowStart<W extends Workflow> {
  /** the workflow function's name */
  workflowType: string;
  /** the business key (campaign, batch, departure, cycle or operation ID) */
  workflowId: string;
  taskQueue: string;
  args: Parameters<W>;
  /** IDs, stage and province only: never personal data */
  searchAttributes?: SearchAttributePair[];
  /** What the Temporal UI shows in the workflow list and on its page: a one-line summary and markdown details.
   * Campaign, season, employer, offer, sailing, batch: never personal data. By default from the workflow's type and
   * input (explainStart). */
  summary?: string;
  details?: string;
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
    ...explainStart(s),
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

type Explained = { summary: string; details: string };
/** Each context's workflow type, explained from its input (and the season it runs in). */
const EXPLAINED: Record<string, ((input: never, season: number | undefined) => Explained) | undefined> = {
  workerCycleWorkflow: (c: WorkerCycleInput) => ({ summary: cycleSummary(c), details: cycleDetails(c) }),
  campaignWorkflow: (c: CampaignInput) => {
    const facts = { campaignId: c.campaignId, season: c.season, reserveCheckInterval: String(c.reserveCheckInterval) };
    return { summary: campaignSummary(facts), details: campaignDetails(facts) };
  },
  visaBatchWorkflow: (b: VisaBatchInput, season) => ({ summary: visaBatchSummary({ ...b, season }), details: visaBatchDetails(b) }),
  departureWorkflow: (d: DepartureInput) => ({ summary: departureSummary(d), details: departureDetails(d) }),
  inSeasonCaseWorkflow: (c: InSeasonCaseInput) => ({ summary: inSeasonCaseSummary(c), details: inSeasonCaseDetails(c) }),
  bulkOperationWorkflow: (b: BulkOperationInput) => ({ summary: bulkSummary(b.operationId, b.notify), details: bulkDetails(b.operationId, b.pageSize, b.notify) }),
};

/**
 * The static summary and details of a context's workflow, from its type and input (workflows/contracts/explain.ts):
 * every start through startContextWorkflow explains itself in the Temporal UI without each caller composing it.
 */
export function explainStart(s: Pick<ContextWorkflowStart<Workflow>, 'workflowType' | 'workflowId' | 'args' | 'searchAttributes' | 'summary' | 'details'>): {
  staticSummary?: string;
  staticDetails?: string;
} {
  const input = (s.args as unknown[])[0];
  const season = s.searchAttributes?.find((a) => a.key.name === SeasonKey.name)?.value as number | undefined;
  const made = EXPLAINED[s.workflowType]?.(input as never, season);
  const summary = s.summary ?? made?.summary;
  const details = s.details ?? made?.details;
  return { ...(summary ? { staticSummary: summary } : {}), ...(details ? { staticDetails: details } : {}) };
}
