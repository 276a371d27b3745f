// Resetting workflows to their last good step (issue 17, docs/runbook.md). A reset starts a new run of the same workflow
// ID from a completed workflow task of the old run: the new run replays the old history up to that point with today's
// code, then goes on from there. Signals and Updates the old run received after the reset point are applied again to
// the new run (the server's default, nothing excluded); activities after that point run again — which is why every
// activity writes under a business key (audit seq, outbox key, document version): a transition recorded twice is
// one row, a message already sent is not sent again. The old run ends as terminated ("reset").
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
// the default import: a CommonJS package whose named exports Node's ESM loader cannot see (as in api/stuck-workflows.ts)
import proto, { type temporal } from '@temporalio/proto';
import { unprocessable } from './errors';

const { EventType, BatchOperationState } = proto.temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface ResetPoint {
  /** the WorkflowTaskCompleted event the new run starts after */
  eventId: number;
  why: 'given' | 'before_first_failed_workflow_task' | 'last_completed_workflow_task';
}

const id = (e: HistoryEvent) => Number(e.eventId ?? 0);

/**
 * The last good step: the last completed workflow task before the first failed one (a bug or a non-determinism the
 * new code fixes), else the last completed workflow task (an activity retrying: reset schedules it afresh, attempt 1).
 * A given event must be a completed workflow task of the run (422 naming body.eventId otherwise).
 */
export function resetPointOf(events: HistoryEvent[], eventId?: number): ResetPoint {
  const completed = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  if (eventId !== undefined) {
    if (!completed.some((e) => id(e) === eventId)) {
      throw unprocessable(`event ${eventId} is not a completed workflow task of this run`, [{ field: 'body.eventId', reason: 'not a WorkflowTaskCompleted event of the run' }]);
    }
    return { eventId, why: 'given' };
  }
  const firstFailed = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
  const before = firstFailed ? completed.filter((e) => id(e) < id(firstFailed)) : completed;
  const last = before.at(-1);
  if (!last) throw unprocessable('this run has no completed workflow task to reset to', [{ field: 'params.workflowId', reason: 'no completed workflow task' }]);
  return { eventId: id(last), why: firstFailed ? 'before_first_failed_workflow_task' : 'last_completed_workflow_task' };
}

/** Resets one workflow (its current run, or `runId`) to its last good step or the given event; answers the new run. */
export async function resetWorkflow(client: Client, r: { workflowId: string; runId?: string; eventId?: number; reason: string; identity: string }) {
  const handle = client.workflow.getHandle(r.workflowId, r.runId);
  const runId = r.runId ?? (await handle.describe()).runId;
  const history = await client.workflow.getHandle(r.workflowId, runId).fetchHistory();
  const point = resetPointOf(history.events ?? [], r.eventId);
  const res: temporal.api.workflowservice.v1.IResetWorkflowExecutionResponse = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId: r.workflowId, runId },
    reason: r.reason,
    // protobufjs encodes a number for an int64 field; its type names only Long
    workflowTaskFinishEventId: point.eventId as unknown as NonNullable<temporal.api.workflowservice.v1.IResetWorkflowExecutionRequest['workflowTaskFinishEventId']>,
    requestId: randomUUID(),
    identity: r.identity,
  });
  return { workflowId: r.workflowId, fromRunId: runId, newRunId: res.runId ?? '', resetEventId: point.eventId, resetPoint: point.why };
}

/**
 * Resets every workflow a visibility query names to its last completed workflow task, as one batch operation on the
 * server (what `temporal workflow reset --query … --type LastWorkflowTask` starts): after a bad deploy, once the fix is
 * deployed. Answers the job ID to follow and how many workflows the query named.
 */
export async function startBatchReset(client: Client, b: { query: string; reason: string; identity: string; jobId: string }) {
  // the batch operation takes any query and fails later on a bad one: count first, so a bad query is refused now
  const { count } = await client.workflowService.countWorkflowExecutions({ namespace: client.options.namespace, query: b.query });
  await client.workflowService.startBatchOperation({
    namespace: client.options.namespace,
    jobId: b.jobId,
    visibilityQuery: b.query,
    reason: b.reason,
    resetOperation: { identity: b.identity, options: { lastWorkflowTask: {} } },
  });
  return { jobId: b.jobId, workflows: Number(count ?? 0) };
}

/** Where a batch operation stands. */
export async function describeBatchReset(client: Client, jobId: string) {
  const d = await client.workflowService.describeBatchOperation({ namespace: client.options.namespace, jobId });
  const state = (BatchOperationState[d.state ?? 0] ?? 'BATCH_OPERATION_STATE_UNSPECIFIED').replace('BATCH_OPERATION_STATE_', '').toLowerCase();
  return {
    jobId,
    state,
    totalOperations: Number(d.totalOperationCount ?? 0),
    completedOperations: Number(d.completeOperationCount ?? 0),
    failedOperations: Number(d.failureOperationCount ?? 0),
    reason: d.reason ?? '',
  };
}
