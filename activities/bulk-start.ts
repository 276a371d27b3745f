// Starting a bulk operation: the one pattern "write rows, then start the workflow". The operation and its rows
// are committed first (in the caller's transaction when it has one: a file's record goes in the same one), then
// the workflow is started with the operation's business ID: a retried start finds it running (USE_EXISTING) and a
// finished one is not re-run (REJECT_DUPLICATE), so a crash between the commit and the start is repaired by retrying.
import type { Client } from '@temporalio/client';
import type { Db, Tx } from '../db/client';
import { bulkItems, bulkOperations } from '../db/schema';
import type { bulkOperationWorkflow } from '../workflows/bulk-operation';
import { COORDINATION_TASK_QUEUE, bulkOperationId, type BulkKind } from '../workflows/contracts/bulk';
import type { BulkItemPayload } from './coordination';
import { startContextWorkflow } from './start-workflow';

export interface BulkStart {
  campaignId: string;
  /** a step's kind, or a session's invitations (activities/selection-sessions.ts: no cycle step, no workflow change) */
  kind: BulkKind | 'session_invitation';
  /** the source's own key (file hash, batch ID, departure ID): makes the operation ID a business key */
  sourceKey: string;
  source: string;
  createdBy: string;
  items: { line: number; cycleId: string; payload: BulkItemPayload }[];
  pageSize?: number;
  /** the workflow to signal (bulkOperationDoneSignal) once every row is applied */
  notify?: string;
}


/** Writes the operation and its rows once (its ID is a business key), in the caller's transaction. */
export async function writeBulkOperation(tx: Tx | Db, b: BulkStart): Promise<string> {
  const id = bulkOperationId(b.campaignId, b.kind as BulkKind, b.sourceKey);
  const created = await tx
    .insert(bulkOperations)
    .values({ id, campaignId: b.campaignId, kind: b.kind, source: b.source, total: b.items.length, createdBy: b.createdBy })
    .onConflictDoNothing()
    .returning({ id: bulkOperations.id });
  if (created.length === 0) return id;
  for (let i = 0; i < b.items.length; i += 1000) {
    await tx.insert(bulkItems).values(b.items.slice(i, i + 1000).map((it) => ({ operationId: id, line: it.line, cycleId: it.cycleId, payload: it.payload as unknown as Record<string, unknown> })));
  }
  return id;
}

/** Starts (or finds) the workflow of an operation already committed; a finished one is not re-run. */
export async function startBulkWorkflow(temporal: Client, operationId: string, opts: { pageSize?: number; notify?: string } = {}): Promise<void> {
  await startContextWorkflow<typeof bulkOperationWorkflow>(temporal, {
    workflowType: 'bulkOperationWorkflow',
    workflowId: operationId,
    taskQueue: COORDINATION_TASK_QUEUE,
    args: [{ operationId, pageSize: opts.pageSize ?? 500, ...(opts.notify ? { notify: opts.notify } : {}) }],
  });
}

/** Writes the operation and its rows in their own transaction, then starts its workflow. Returns the operation ID. */
export async function startBulkOperation(db: Db, temporal: Client, b: BulkStart): Promise<string> {
  const id = await db.transaction((tx) => writeBulkOperation(tx, b));
  await startBulkWorkflow(temporal, id, { pageSize: b.pageSize, notify: b.notify });
  return id;
}
