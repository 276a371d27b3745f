// Contract of bulk operations: one step applied to many worker cycles, in pages, by one small workflow.
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Campaign-level coordination (campaigns, bulk operations, visa batches, departures) runs on its own queue. */
export const COORDINATION_TASK_QUEUE = 'gecco-coordination';

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
