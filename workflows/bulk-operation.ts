// Applies a bulk operation page by page. The rows live in PostgreSQL, so the history holds one activity per
// page, never one event per row. Once done, it tells the workflow waiting for it (a visa batch, a departure),
// so nobody polls for its end.
import { getExternalWorkflowHandle, patched, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { heartbeating } from './activity-options';
import type { CoordinationActivities } from '../activities/coordination';
import { BULK_PAGES_TASK_QUEUE, bulkOperationDoneSignal, bulkProgressQuery, type BulkOperationInput, type BulkProgress } from './contracts/bulk';

// a page heartbeats per row and the worker heartbeats besides: a killed worker's page is retried within seconds
const { applyBulkPage: applyBulkPageOnCoordination, finishBulkOperation } = proxyActivities<CoordinationActivities>(heartbeating('10 minutes', '10 seconds'));
// pages on their own queue's slots (contracts/bulk.ts BULK_PAGES_TASK_QUEUE)
const { applyBulkPage: applyBulkPageOnOwnQueue } = proxyActivities<CoordinationActivities>({ ...heartbeating('10 minutes', '10 seconds'), taskQueue: BULK_PAGES_TASK_QUEUE });

export async function bulkOperationWorkflow(input: BulkOperationInput): Promise<BulkProgress> {
  // decided once, at the start: an operation started before the patch keeps all its pages where they were
  const applyBulkPage = patched('bulk-pages-own-queue') ? applyBulkPageOnOwnQueue : applyBulkPageOnCoordination;
  const progress: BulkProgress = { operationId: input.operationId, pages: 0, applied: 0, refused: 0, done: false };
  setHandler(bulkProgressQuery, () => progress);
  let afterLine = 0;
  for (;;) {
    setCurrentDetails(`Applying page ${progress.pages + 1} (rows after line ${afterLine}, ${input.pageSize} a page) · applied ${progress.applied}, refused ${progress.refused} so far`);
    const page = await applyBulkPage.executeWithOptions({ summary: `page ${progress.pages + 1}: rows after line ${afterLine}` }, [{ operationId: input.operationId, afterLine, limit: input.pageSize }]);
    progress.pages += 1;
    progress.applied += page.applied;
    progress.refused += page.refused;
    afterLine = page.lastLine;
    if (page.done) break;
  }
  await finishBulkOperation.executeWithOptions({ summary: 'operation marked done' }, [{ operationId: input.operationId }]);
  progress.done = true;
  setCurrentDetails(`**Done**: ${progress.pages} pages, applied ${progress.applied}, refused ${progress.refused}${input.notify ? `; telling ${input.notify}` : ''}.`);
  if (input.notify && patched('bulk-done-signal')) {
    try {
      await getExternalWorkflowHandle(input.notify).signal(bulkOperationDoneSignal, { operationId: input.operationId, applied: progress.applied, refused: progress.refused });
    } catch {
      // The waiting workflow has closed: its rows are applied all the same, nobody waits any more.
    }
  }
  return progress;
}
