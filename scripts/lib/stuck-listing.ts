// `npm run stuck`'s work, importable by the tests: pages through the running workflows (api/stuck-workflows.ts, the
// same finder as GET /operations/stuck-workflows) up to a bound, and prints the stuck ones for an operator.
import type { Client } from '@temporalio/client';
import { findStuckWorkflows, type StuckSearch, type StuckWorkflow } from '../../api/stuck-workflows';

export interface StuckListingOptions extends Omit<StuckSearch, 'cursor' | 'scan'> {
  /** running workflows to look at in all (pages of 500): the listing stops there and says so */
  max?: number;
}

export interface StuckListing {
  scanned: number;
  workflows: StuckWorkflow[];
  /** the bound stopped the listing before the end of the running workflows */
  truncated: boolean;
}

const PAGE = 500;

export async function listStuckWorkflows(client: Client, opts: StuckListingOptions = {}): Promise<StuckListing> {
  const max = opts.max ?? 5_000;
  const workflows: StuckWorkflow[] = [];
  let scanned = 0;
  let cursor: string | undefined;
  do {
    const page = await findStuckWorkflows(client, { ...opts, scan: Math.min(PAGE, max - scanned), cursor });
    scanned += page.scanned;
    workflows.push(...page.workflows);
    cursor = page.nextCursor;
  } while (cursor && scanned < max);
  return { scanned, workflows, truncated: cursor !== undefined };
}

/** One block per stuck workflow, one line per problem: what an operator reads in a terminal. */
export function formatStuckListing(l: StuckListing, minAttempts: number): string {
  const head = `${l.workflows.length} stuck of ${l.scanned} running workflows looked at (threshold: attempt ${minAttempts})${l.truncated ? '; more running workflows were not looked at: raise --max or narrow with --campaign/--type' : ''}`;
  const blocks = l.workflows.map((w) => {
    const lines = w.problems.map((p) => {
      const what = p.kind === 'activity' ? `activity ${p.activity ?? '?'} (id ${p.activityId ?? '?'})` : 'workflow task';
      const since = p.since ? ` since ${p.since}` : '';
      const next = p.nextAttemptAt ? `, next attempt ${p.nextAttemptAt}` : '';
      return `    ${what}: attempt ${p.attempt}${p.maximumAttempts ? ` of ${p.maximumAttempts}` : ''} (${p.state})${since}${next}\n      last error${p.lastFailureType ? ` (${p.lastFailureType})` : ''}: ${p.lastFailure ?? '(none recorded)'}`;
    });
    return `  ${w.workflowId}  ${w.workflowType}  run ${w.runId}\n${lines.join('\n')}`;
  });
  return [head, ...blocks].join('\n');
}
