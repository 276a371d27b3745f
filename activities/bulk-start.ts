// Starting a bulk operation: used by the API (intake files) and by coordination activities (visa batches,
// departures). Idempotent: the operation ID is a business key and its rows are written once.
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { bulkItems, bulkOperations } from '../db/schema';
import type { bulkOperationWorkflow } from '../workflows/bulk-operation';
import { COORDINATION_TASK_QUEUE, bulkOperationId, type BulkKind } from '../workflows/contracts/bulk';
import type { BulkItemPayload } from './coordination';
import { startContextWorkflow } from './start-workflow';

export interface BulkStart {
  campaignId: string;
  kind: BulkKind;
  /** the source's own key (file hash, batch ID, departure ID): makes the operation ID a business key */
  sourceKey: string;
  source: string;
  createdBy: string;
  items: { line: number; cycleId: string; payload: BulkItemPayload }[];
  pageSize?: number;
  /** the workflow to signal (bulkOperationDoneSignal) once every row is applied */
  notify?: string;
}

/**
 * Commits the operation and its rows once, then starts (or finds) its workflow: the one "rows, then workflow"
 * pattern (activities/start-workflow.ts). A finished operation is not re-run: its rows are done.
 */
export async function startBulkOperation(db: Db, temporal: Client, b: BulkStart): Promise<string> {
  const id = bulkOperationId(b.campaignId, b.kind, b.sourceKey);
  await db.transaction(async (tx) => {
    const created = await tx
      .insert(bulkOperations)
      .values({ id, campaignId: b.campaignId, kind: b.kind, source: b.source, total: b.items.length, createdBy: b.createdBy })
      .onConflictDoNothing()
      .returning({ id: bulkOperations.id });
    if (created.length === 0) return;
    for (let i = 0; i < b.items.length; i += 1000) {
      await tx.insert(bulkItems).values(b.items.slice(i, i + 1000).map((it) => ({ operationId: id, line: it.line, cycleId: it.cycleId, payload: it.payload as unknown as Record<string, unknown> })));
    }
  });
  await startContextWorkflow<typeof bulkOperationWorkflow>(temporal, {
    workflowType: 'bulkOperationWorkflow',
    workflowId: id,
    taskQueue: COORDINATION_TASK_QUEUE,
    args: [{ operationId: id, pageSize: b.pageSize ?? 500, ...(b.notify ? { notify: b.notify } : {}) }],
  });
  return id;
}
