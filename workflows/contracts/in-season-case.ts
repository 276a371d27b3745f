// Contract of in-season cases (issue 13, item 6): one small workflow per report made during the season by a mediator,
// an agency or an employer — an employer change, a sickness, an accident, a housing, wage or rest-day complaint, an
// early return. The case's row (in_season_cases) is written by the API before the start; the workflow waits for its
// resolution until the deadline, then escalates to the worker's agency and the consulate's labour office and waits
// once more. Imported by the workflow, the activities and the API, so it stays free of I/O.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';

export { COORDINATION_TASK_QUEUE as IN_SEASON_CASE_TASK_QUEUE } from './bulk';

export const IN_SEASON_CASE_WORKFLOW_TYPE = 'inSeasonCaseWorkflow';

/** Business ID of a case (= its workflow ID; the number is its in_season_cases row id), e.g. case-17. */
export const inSeasonCaseWorkflowId = (caseId: number) => `case-${caseId}`;

export const IN_SEASON_CASE_KINDS = ['employer_change', 'sickness', 'accident', 'housing_problem', 'wage_complaint', 'rest_day_complaint', 'early_return'] as const;
export type InSeasonCaseKind = (typeof IN_SEASON_CASE_KINDS)[number];

/** The kinds that are complaints about the employer: the season report counts them per 100 workers. */
export const COMPLAINT_KINDS: readonly InSeasonCaseKind[] = ['housing_problem', 'wage_complaint', 'rest_day_complaint'];

/** How long a case waits for its resolution, then for a resolution after its escalation. Injectable (tests, simulations). */
export interface InSeasonCaseTimings {
  /** From the report until the case must be resolved; past it, escalated. */
  responseDeadline: Duration;
  /** After the escalation, how long the case keeps waiting before its workflow ends unresolved. */
  escalationGrace: Duration;
}

/** Health and safety first: an accident is escalated after two days, a wage complaint after two weeks. */
export const DEFAULT_CASE_TIMINGS: Record<InSeasonCaseKind, InSeasonCaseTimings> = {
  accident: { responseDeadline: '2 days', escalationGrace: '14 days' },
  sickness: { responseDeadline: '3 days', escalationGrace: '14 days' },
  early_return: { responseDeadline: '3 days', escalationGrace: '14 days' },
  housing_problem: { responseDeadline: '7 days', escalationGrace: '21 days' },
  rest_day_complaint: { responseDeadline: '7 days', escalationGrace: '21 days' },
  employer_change: { responseDeadline: '7 days', escalationGrace: '21 days' },
  wage_complaint: { responseDeadline: '14 days', escalationGrace: '30 days' },
};

export interface InSeasonCaseInput {
  caseId: number;
  cycleId: string;
  campaignId: string;
  kind: InSeasonCaseKind;
  /** ISO instant: the row's deadline, so the row and the workflow agree on it */
  deadlineAt: string;
  escalationGrace: Duration;
}

export type InSeasonCaseStatus = 'open' | 'escalated' | 'resolved';

export interface ResolveCaseRequest {
  /** what was done, free text (bounded by the API) */
  resolution: string;
  /** the authenticated caller, set by the API */
  resolvedBy: string;
}

export interface InSeasonCaseState {
  caseId: number;
  cycleId: string;
  kind: InSeasonCaseKind;
  status: InSeasonCaseStatus;
  deadlineAt: string;
  escalatedAt?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  /** what the workflow waits for now, until when */
  waitingFor?: string;
  waitingUntil?: string;
}

/** How a case's workflow ended: resolved, or still unresolved when its escalation's grace ran out. */
export type InSeasonCaseOutcome = 'resolved' | 'unresolved';

export interface InSeasonCaseSummary {
  caseId: number;
  outcome: InSeasonCaseOutcome;
  escalated: boolean;
}

/** Refused (409) once the case is resolved or while a resolution is being recorded; 422 without a resolution. */
export const resolveCaseUpdate = defineUpdate<InSeasonCaseState, [ResolveCaseRequest]>('resolveCase');
export const caseStateQuery = defineQuery<InSeasonCaseState>('caseState');
