// Stuck cases, found: running workflows whose workflow task keeps failing (a bug or a non-determinism the worker
// cannot get past) or whose activity keeps retrying (a relay that refuses, data a table refuses, a service down).
// Such a cycle looks like any other running one in the list; this names it, with the activity, the attempt, the last
// error and since when. Used by GET /operations/stuck-workflows (api/routes/operations.ts) and `npm run stuck`.
//
// How: the visibility list of running workflows (a bounded page from a cursor, optionally one campaign or type), then
// DescribeWorkflowExecution for each (pending activities with their attempt and last failure; the pending workflow
// task with its attempt), a few at a time; for the workflows found stuck only, a short reverse read of the history
// gives since when (the activity's scheduled event, the first failed workflow task) and a workflow task's error.
// Temporal server 1.30 adds the TemporalReportedProblems search attribute for failing workflow tasks; the servers
// this project runs (dev server CLI 1.5.1 and server 1.29.1) do not have it, so every page is described.
//
// No personal data in the answer: workflow IDs, types and activity names are business keys; failure messages come
// from the activity interceptors, which strip values from database errors (worker/activity-interceptors.ts), and
// are masked once more here (e-mail addresses, phone numbers, ID and passport numbers) in case another library put
// one in its message.
import type { Client } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time';
// the default import: a CommonJS package whose named exports Node's ESM loader cannot see (as in worker/payload-codec.ts)
import proto, { type temporal } from '@temporalio/proto';

const { EventType, PendingActivityState, PendingWorkflowTaskState, WorkflowTaskFailedCause } = proto.temporal.api.enums.v1;

/** The default threshold: an activity on its third attempt, a workflow task failed twice in a row. */
export const DEFAULT_MIN_ATTEMPTS = 3;
/** Workflows looked at in one call, and the most one call may look at (each is one describe on the server). */
export const DEFAULT_SCAN = 500;
export const MAX_SCAN = 5_000;
/** Describes in flight at once: a few, so a scan never crowds the frontend's rate limit (namespace RPS). */
const DESCRIBE_CONCURRENCY = 8;
/** Events read back from a stuck workflow's history to find since when: the retrying activity is near its end. */
const HISTORY_EVENTS_READ = 200;
const MESSAGE_CHARS = 300;

export interface StuckSearch {
  /** an activity at this attempt or beyond, or a workflow task at this attempt or beyond, is stuck */
  minAttempts?: number;
  /** running workflows to look at in this call, from `cursor` */
  scan?: number;
  /** where the previous call stopped (its nextCursor) */
  cursor?: string;
  campaignId?: string;
  workflowType?: string;
}

export interface StuckProblem {
  kind: 'activity' | 'workflow_task';
  /** the activity's type (its function), for kind activity */
  activity?: string;
  activityId?: string;
  /** PENDING_ACTIVITY_STATE_* or PENDING_WORKFLOW_TASK_STATE_* without the prefix: scheduled, started, paused… */
  state: string;
  attempt: number;
  /** 0: retried until it succeeds (the project's policies set no maximum) */
  maximumAttempts?: number;
  lastFailure?: string;
  lastFailureType?: string;
  /** when the failing activity was first scheduled, or the first failing workflow task; absent if beyond the part of the history read */
  since?: string;
  lastAttemptAt?: string;
  nextAttemptAt?: string;
}

export interface StuckWorkflow {
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue?: string;
  startedAt?: string;
  problems: StuckProblem[];
}

export interface StuckReport {
  minAttempts: number;
  /** running workflows looked at by this call */
  scanned: number;
  workflows: StuckWorkflow[];
  /** more running workflows to look at: pass it as cursor */
  nextCursor?: string;
  query: string;
}

/** Keeps an error message short and free of what could name a person. */
export function safeFailureMessage(message: string | null | undefined): string | undefined {
  if (!message) return undefined;
  const masked = message
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[e-mail]')
    // nine digits or more, one separator at most between two: a phone number (not a status code, date or version)
    .replace(/\+?\d(?:[ ().-]?\d){8,}/g, '[number]')
    .replace(/\b[A-Z]{1,2}\d{5,9}\b/g, '[id]');
  const line = masked.split('\n')[0]!;
  return line.length > MESSAGE_CHARS ? `${line.slice(0, MESSAGE_CHARS - 1)}…` : line;
}

const iso = (ts: Parameters<typeof optionalTsToDate>[0]) => optionalTsToDate(ts)?.toISOString();
/** An enum value as a word: PENDING_ACTIVITY_STATE_SCHEDULED → scheduled. */
const enumWord = (names: Record<number, string>, value: number | null | undefined, prefix: string) =>
  (value === null || value === undefined ? 'unknown' : (names[value] ?? String(value))).replace(prefix, '').toLowerCase();

/** The visibility query: running workflows, of one campaign or type when asked. Values are checked by the caller. */
export function stuckQuery(s: Pick<StuckSearch, 'campaignId' | 'workflowType'>): string {
  const parts = ['ExecutionStatus="Running"'];
  if (s.campaignId) parts.push(`CampaignId="${s.campaignId.replace(/["\\]/g, '')}"`);
  if (s.workflowType) parts.push(`WorkflowType="${s.workflowType.replace(/["\\]/g, '')}"`);
  return parts.join(' AND ');
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

function problemsOf(d: temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse, minAttempts: number): StuckProblem[] {
  const problems: StuckProblem[] = [];
  const wt = d.pendingWorkflowTask;
  if (wt && (wt.attempt ?? 1) >= minAttempts) {
    problems.push({
      kind: 'workflow_task',
      state: enumWord(PendingWorkflowTaskState, wt.state, 'PENDING_WORKFLOW_TASK_STATE_'),
      attempt: wt.attempt ?? 1,
      since: iso(wt.originalScheduledTime),
      lastAttemptAt: iso(wt.startedTime ?? wt.scheduledTime),
    });
  }
  for (const a of d.pendingActivities ?? []) {
    if ((a.attempt ?? 1) < minAttempts) continue;
    problems.push({
      kind: 'activity',
      activity: a.activityType?.name ?? undefined,
      activityId: a.activityId ?? undefined,
      state: enumWord(PendingActivityState, a.state, 'PENDING_ACTIVITY_STATE_'),
      attempt: a.attempt ?? 1,
      maximumAttempts: a.maximumAttempts ?? 0,
      lastFailure: safeFailureMessage(a.lastFailure?.message),
      lastFailureType: a.lastFailure?.applicationFailureInfo?.type ?? undefined,
      lastAttemptAt: iso(a.lastAttemptCompleteTime),
      nextAttemptAt: iso(a.nextAttemptScheduleTime),
    });
  }
  return problems;
}

/** Since when, and a workflow task's error: from the last events of the history (one short reverse read). */
async function completeFromHistory(client: Client, namespace: string, w: StuckWorkflow): Promise<void> {
  const res = await client.workflowService.getWorkflowExecutionHistoryReverse({
    namespace,
    execution: { workflowId: w.workflowId, runId: w.runId },
    maximumPageSize: HISTORY_EVENTS_READ,
  });
  const events = res.history?.events ?? [];
  for (const p of w.problems) {
    if (p.kind === 'activity') {
      const scheduled = events.find((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityId === p.activityId);
      p.since ??= iso(scheduled?.eventTime);
    } else {
      // the server writes the first failure of a run of failing workflow tasks; the later attempts are transient
      const failed = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      const attrs = failed?.workflowTaskFailedEventAttributes;
      if (attrs) {
        p.lastFailure = safeFailureMessage(attrs.failure?.message);
        p.lastFailureType = enumWord(WorkflowTaskFailedCause, attrs.cause, 'WORKFLOW_TASK_FAILED_CAUSE_');
      }
    }
  }
}

/** Running workflows stuck on a failing workflow task or an activity retrying beyond `minAttempts`, one bounded page. */
export async function findStuckWorkflows(client: Client, search: StuckSearch = {}): Promise<StuckReport> {
  const namespace = client.options.namespace;
  const minAttempts = Math.max(2, search.minAttempts ?? DEFAULT_MIN_ATTEMPTS);
  const scan = Math.min(Math.max(1, search.scan ?? DEFAULT_SCAN), MAX_SCAN);
  const query = stuckQuery(search);
  let nextPageToken: Uint8Array | undefined = search.cursor ? Buffer.from(search.cursor, 'base64url') : undefined;
  const executions: temporal.api.workflow.v1.IWorkflowExecutionInfo[] = [];
  // visibility pages of at most 1,000 (the server's own maximum), until `scan` workflows or the end of the list
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace,
      query,
      pageSize: Math.min(1_000, scan - executions.length),
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    executions.push(...(page.executions ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken && executions.length < scan);

  const described = await mapLimited(executions, DESCRIBE_CONCURRENCY, async (e): Promise<StuckWorkflow | undefined> => {
    const execution = { workflowId: e.execution?.workflowId ?? '', runId: e.execution?.runId ?? '' };
    let d: temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse;
    try {
      d = await client.workflowService.describeWorkflowExecution({ namespace, execution });
    } catch (err) {
      // closed or deleted between the list and the describe: not stuck
      if ((err as { code?: number }).code === 5) return undefined;
      throw err;
    }
    const problems = problemsOf(d, minAttempts);
    if (problems.length === 0) return undefined;
    return {
      workflowId: execution.workflowId,
      runId: execution.runId,
      workflowType: e.type?.name ?? 'unknown',
      taskQueue: e.taskQueue ?? undefined,
      startedAt: iso(e.startTime),
      problems,
    };
  });
  const workflows = described.filter((w): w is StuckWorkflow => w !== undefined);
  await mapLimited(workflows, DESCRIBE_CONCURRENCY, (w) => completeFromHistory(client, namespace, w));
  return {
    minAttempts,
    scanned: executions.length,
    workflows,
    ...(nextPageToken ? { nextCursor: Buffer.from(nextPageToken).toString('base64url') } : {}),
    query,
  };
}
