// Contract of operator repairs (issue 17): the repairs that need the worker's dependencies (mail relay, SMSC, document
// renderer) run as one small workflow each, `repair-<repair id>`, on the coordination queue: a message sent again, a
// document printed again. The audit record (operator_repairs) is written by the API before the start; the workflow
// records how it ended. Imported by the workflow, the activities and the API, so it stays free of I/O.
import { defineSignal } from '@temporalio/workflow';
import type { DocumentKind } from '../../templates/types';

export { COORDINATION_TASK_QUEUE as REPAIR_TASK_QUEUE } from './bulk';

export const repairWorkflowId = (repairId: number) => `repair-${repairId}`;

/** The suffix a deliberate resend adds to a notification's outbox key: the send-once key of the original stays spent. */
export const resendKey = (notificationKey: string, n: number) => `${notificationKey}:resend:${n}`;

export type RepairInput =
  | { repairId: number; kind: 'resend_message'; cycleId: string; notificationKey: string; resendKey: string; channels: ('email' | 'sms')[] }
  | { repairId: number; kind: 'regenerate_document'; cycleId: string; documentId: number; documentKind: DocumentKind; version: number };

export interface RepairResult {
  repairId: number;
  status: 'done' | 'failed';
  details: Record<string, unknown>;
}

/** A member taken out of a visa batch or a sailing by an operator: the batch or sailing counts again (its members are rows). */
export const membersChangedSignal = defineSignal<[{ repairId: number; members: number }]>('membersChanged');
