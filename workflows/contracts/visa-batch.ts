// Contract of the consular visa-batch context: one workflow per batch of visa files lodged together.
// Imported by the workflow, the activities and the API, so it must stay free of I/O.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { COORDINATION_TASK_QUEUE, bulkOperationId } from './bulk';

/** Visa batches are campaign-level coordination: they run on the coordination queue. */
export const VISA_BATCH_TASK_QUEUE = COORDINATION_TASK_QUEUE;

/** Business ID of a batch (= its workflow ID and its visa_batches row), e.g. visa-huelva-2027-3. */
export function visaBatchId(campaignId: string, seq: number): string {
  return `visa-${campaignId}-${seq}`;
}

/** Source key of the batch's own bulk operations (its lodgement): one per batch. */
export function visaBatchSourceKey(seq: number): string {
  return `batch-${seq}`;
}

/** The 'visa_lodge' bulk operation that submits every member's visa file when the batch is lodged. */
export function visaBatchLodgeOperationId(campaignId: string, seq: number): string {
  return bulkOperationId(campaignId, 'visa_lodge', visaBatchSourceKey(seq));
}

/** Waits of a batch on people (liaison team, consulate); injectable so tests run a batch in seconds. */
export interface VisaBatchTimings {
  /** From assembly until the batch must be lodged with the consulate. */
  lodgeDeadline: Duration;
  /** From lodgement until every member should have the consulate's decision. */
  decisionDeadline: Duration;
  /** After an escalation (not lodged, or no decision), how long the batch keeps waiting before it ends. */
  escalationGrace: Duration;
}

export const DEFAULT_VISA_BATCH_TIMINGS: VisaBatchTimings = {
  lodgeDeadline: '14 days',
  decisionDeadline: '21 days',
  escalationGrace: '14 days',
};

export interface VisaBatchInput extends VisaBatchTimings {
  batchId: string;
  campaignId: string;
}

/** Where the batch is in its life (the workflow's view; the visa_batches.status column mirrors it). */
export type VisaBatchStage = 'assembled' | 'lodged' | 'decided' | 'closed';

/**
 * How a batch ended: every member decided (or no longer waiting); never lodged even after escalation; or
 * lodged, escalated for consular silence, and still without every decision at the end of the grace period.
 */
export type VisaBatchOutcome = 'decided' | 'not_lodged' | 'undecided';

export interface LodgeBatchRequest {
  /** yyyy-mm-dd: the day the batch was lodged with the consulate. */
  lodgedOn: string;
  lodgedBy: string;
}

export interface DecisionsRecorded {
  /** The 'visa_decision' bulk operation that applies one decisions file to the members' cycles. */
  operationId: string;
}

export interface VisaBatchCounts {
  members: number;
  issued: number;
  refused: number;
  incomplete: number;
  /** members without a decision */
  undecided: number;
  /** members without a decision whose worker cycle is still open (the batch waits for these) */
  awaiting: number;
}

export interface VisaBatchState {
  batchId: string;
  campaignId: string;
  stage: VisaBatchStage;
  outcome?: VisaBatchOutcome;
  waitingFor?: string;
  deadlineAt?: string;
  members: number;
  manifestSha256?: string;
  lodgedOn?: string;
  lodgedBy?: string;
  lodgeOperationId?: string;
  decisionDeadlineAt?: string;
  /** escalations sent to the consular liaison team, in order */
  escalations: { phase: 'lodgement' | 'decision'; at: string }[];
  /** decision files (bulk operations) the batch was told about, in order */
  decisionOperations: string[];
  counts?: VisaBatchCounts;
}

/** The final summary returned by the workflow. */
export interface VisaBatchSummary {
  batchId: string;
  campaignId: string;
  outcome: VisaBatchOutcome;
  members: number;
  lodgedOn?: string;
  lodgeOperationId?: string;
  escalated: boolean;
  decisionOperations: string[];
  counts?: VisaBatchCounts;
}

/** Lodging is refused (409) unless the batch is still 'assembled'. */
export const lodgeBatchUpdate = defineUpdate<VisaBatchState, [LodgeBatchRequest]>('lodgeBatch');
/** One signal per decisions file (a handful per batch), never one per worker. */
export const decisionsRecordedSignal = defineSignal<[DecisionsRecorded]>('decisionsRecorded');
export const batchStateQuery = defineQuery<VisaBatchState>('batchState');

/** The Monday (yyyy-mm-dd) of the ISO week of a date: a consulate's capacity is counted by calendar week. */
export function isoWeekMonday(date: string): string {
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10);
}

/** The Monday `weeks` weeks after a week's Monday. */
export const weeksAfter = (monday: string, weeks: number): string => new Date(Date.parse(`${monday}T00:00:00Z`) + weeks * 7 * 86_400_000).toISOString().slice(0, 10);
