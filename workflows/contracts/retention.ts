// Contract of the retention rule: candidates never selected are anonymised once their data is no longer needed
// (config RETENTION_UNSELECTED). A Temporal Schedule starts the workflow every night; it runs on the coordination queue.
export { COORDINATION_TASK_QUEUE as RETENTION_TASK_QUEUE } from './bulk';

export const RETENTION_SCHEDULE_ID = 'retention-unselected';
/** The schedule adds the start time to it, so each night's run has its own ID. */
export const RETENTION_WORKFLOW_ID = 'retention-unselected';
export const RETENTION_WORKFLOW_TYPE = 'retentionWorkflow';

/** One activity call: at most one batch of candidates (500). */
export interface RetentionBatch {
  erased: number;
  /** a full batch was found: more may wait */
  more: boolean;
}

export interface RetentionResult {
  erased: number;
  batches: number;
}
