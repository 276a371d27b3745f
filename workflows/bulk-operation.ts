// Applies a bulk operation page by page. The rows live in PostgreSQL, so the history holds one activity per
// page, never one event per row. Once done, it tells the workflow waiting for it (a visa batch, a departure),
// so nobody polls for its end.
import { getExternalWorkflowHandle, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CoordinationActivities } from '../activities/coordination';
import { bulkOperationDoneSignal, bulkProgressQuery, type BulkOperationInput, type BulkProgress } from './contracts/bulk';

const { applyBulkPage, finishBulkOperation } = proxyActivities<CoordinationActivities>({
  startToCloseTimeout: '10 minutes',
  // a page heartbeats per row and the worker heartbeats besides: a killed worker's page is retried within seconds
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function bulkOperationWorkflow(input: BulkOperationInput): Promise<BulkProgress> {
  const progress: BulkProgress = { operationId: input.operationId, pages: 0, applied: 0, refused: 0, done: false };
  setHandler(bulkProgressQuery, () => progress);
  let afterLine = 0;
  for (;;) {
    const page = await applyBulkPage({ operationId: input.operationId, afterLine, limit: input.pageSize });
    progress.pages += 1;
    progress.applied += page.applied;
    progress.refused += page.refused;
    afterLine = page.lastLine;
    if (page.done) break;
  }
  await finishBulkOperation({ operationId: input.operationId });
  progress.done = true;
  if (input.notify && patched('bulk-done-signal')) {
    try {
      await getExternalWorkflowHandle(input.notify).signal(bulkOperationDoneSignal, { operationId: input.operationId, applied: progress.applied, refused: progress.refused });
    } catch {
      // The waiting workflow has closed: its rows are applied all the same, nobody waits any more.
    }
  }
  return progress;
}
