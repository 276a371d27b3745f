// Contract of bulk operations: one step applied to many worker cycles, in pages, by one small workflow.
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Campaign-level coordination (campaigns, bulk operations, visa batches, departures) runs on its own queue. */
export const COORDINATION_TASK_QUEUE = 'gecco-coordination';
/**
 * The pages of bulk operations (applyBulkPage): a page holds its activity slot while its rows' Updates are applied,
 * so pages have slots of their own and the coordination queue's short control steps (a lodgement, a stage move)
 * never wait behind them. Bulk operations started before 'bulk-pages-own-queue' keep their pages on the
 * coordination queue.
 */
export const BULK_PAGES_TASK_QUEUE = 'gecco-bulk-pages';

export const BULK_KINDS = [
  'start_cycles',
  'selection',
  'authorisation',
  'visa_lodge',
  'visa_decision',
  'predeparture',
  'convocation',
  'embarkation',
  'no_show',
  'return',
  'season_outcome',
  'trial_period',
] as const;
export type BulkKind = (typeof BULK_KINDS)[number];

/** Business ID of a bulk operation (= its workflow ID): campaign, kind and the source's own key. */
export function bulkOperationId(campaignId: string, kind: BulkKind, sourceKey: string): string {
  return `bulk-${campaignId}-${kind}-${sourceKey}`;
}

export interface BulkOperationInput {
  operationId: string;
  /** Rows per activity call; each call is one history event group, so 20,000 rows stay ~40 activities. */
  pageSize: number;
  /** The workflow told when the operation has finished (a visa batch, a departure): it waits for that signal. */
  notify?: string;
}

export interface BulkPageResult {
  lastLine: number;
  applied: number;
  refused: number;
  done: boolean;
}

export interface BulkProgress {
  operationId: string;
  pages: number;
  applied: number;
  refused: number;
  done: boolean;
}

export const bulkProgressQuery = defineQuery<BulkProgress>('progress');

export interface BulkOperationDone {
  operationId: string;
  applied: number;
  refused: number;
}

/** Sent by a bulk operation, once finished, to the workflow named in its input's `notify`. */
export const bulkOperationDoneSignal = defineSignal<[BulkOperationDone]>('bulkOperationDone');
