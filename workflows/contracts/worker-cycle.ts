// Contract of the worker-cycle context: one workflow per worker per campaign.
// Imported by the workflow, the worker and the API, so it must stay free of I/O.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';

export const WORKER_CYCLE_TASK_QUEUE = 'gecco-worker-cycle';

/** Business workflow ID: one cycle per candidate per campaign, e.g. worker-huelva-2026-42. */
export function workerCycleWorkflowId(campaignId: string, candidateId: number): string {
  return `worker-${campaignId}-${candidateId}`;
}

export const CYCLE_STAGES = [
  'preselected', // on the candidate list, waiting for the employer's selection
  'selected', // selected by an employer, waiting for the work authorisation
  'authorised', // authorisation recorded in SI GECCO, waiting for the visa file
  'visa_submitted', // file lodged with the consulate, waiting for its decision
  'visa_incomplete', // consulate asked for missing documents, waiting for resubmission
  'visa_issued', // waiting for the pre-departure session and the signatures
  'ready_to_depart', // contract and return commitment signed, waiting for a convocation
  'convoked', // convoked to a sailing, waiting for embarkation
  'in_season', // working in Spain until the contract end date
  'awaiting_return', // contract ended, waiting for proof of return
  'closed',
] as const;
export type CycleStage = (typeof CYCLE_STAGES)[number];

export const CYCLE_OUTCOMES = [
  'returned', // season done and return verified: eligible for re-hire
  'returned_late', // proof of return arrived after the grace period
  'not_selected',
  'withdrawn',
  'selection_expired',
  'authorisation_expired',
  'visa_file_expired',
  'visa_refused',
  'consular_silence', // no consular decision even after escalation
  'predeparture_expired',
  'convocation_expired',
  'no_show', // convoked but did not embark
  'non_return', // no proof of return by the end of the grace period
  'stable_hire', // legally hired in Spain on a stable contract (allowed by the GECCO rules): not a non-return, no block
  'early_return', // came back before the contract end, with the reason and the proof of return
] as const;
export type CycleOutcome = (typeof CYCLE_OUTCOMES)[number];

/** Outcomes of a selected worker that leave the post empty: the agency is told and the reserve list refills it.
 * The one list: the workflow's notice, the reserve call and the offer's seat count all read it. */
export const DROP_OUT_OUTCOMES = [
  'withdrawn',
  'authorisation_expired',
  'visa_file_expired',
  'visa_refused',
  'consular_silence',
  'predeparture_expired',
  'convocation_expired',
  'no_show',
] as const satisfies readonly CycleOutcome[];
export const isDropOut = (o: string | null | undefined): boolean => (DROP_OUT_OUTCOMES as readonly string[]).includes(o ?? '');

/** Every human-paced wait of the cycle has a deadline; all of them are injectable so tests run a season in seconds. */
export interface CycleTimings {
  selectionDeadline: Duration;
  authorisationDeadline: Duration;
  visaFileDeadline: Duration;
  consularDecisionDeadline: Duration;
  /** After escalating consular silence, how long to wait before the file lapses. */
  consularEscalationGrace: Duration;
  predepartureDeadline: Duration;
  convocationDeadline: Duration;
  /** After the convoked departure time, how long before the worker counts as a no-show. */
  embarkationGrace: Duration;
  /** Overrides the contract's own length (tests, simulations); otherwise the season lasts until the contract end date. */
  seasonLength?: Duration;
  /** After the contract end, how long to wait for proof of return before flagging a non-return. */
  returnGrace: Duration;
  /** A late but proven return is still accepted for this long after a non-return was flagged. */
  lateReturnWindow: Duration;
}

export const DEFAULT_CYCLE_TIMINGS: CycleTimings = {
  selectionDeadline: '30 days',
  authorisationDeadline: '45 days',
  visaFileDeadline: '21 days',
  consularDecisionDeadline: '21 days',
  consularEscalationGrace: '14 days',
  predepartureDeadline: '21 days',
  convocationDeadline: '60 days',
  embarkationGrace: '1 day',
  returnGrace: '15 days',
  lateReturnWindow: '90 days',
};

/** A worker re-hired by name under the multi-year framework: no new selection, the authorisation is reused. */
export interface RehireTerms {
  employerId: string;
  offerId: string;
  contractStart: string;
  contractEnd: string;
  authorisationNumber: string;
  requestedBy: string;
}

export interface WorkerCycleInput {
  campaignId: string;
  season: number;
  candidateId: number;
  province: string;
  startedBy: string;
  timings: CycleTimings;
  rehire?: RehireTerms;
}

export type ReturnProof = 'port_exit_record' | 'passport_stamp' | 'consular_certificate';

export interface SelectionDecision {
  decision: 'selected' | 'rejected';
  employerId?: string;
  offerId?: string;
  /** The offer's contract dates, ISO yyyy-mm-dd; the API copies them from the offer. */
  contractStart?: string;
  contractEnd?: string;
  reason?: string;
  decidedBy: string;
}
export interface AuthorisationRecord {
  authorisationNumber: string;
  issuedOn: string;
  recordedBy: string;
}
export interface VisaFileSubmission {
  fileReference: string;
  submittedOn: string;
  submittedBy: string;
}
export interface ConsularDecision {
  decision: 'issued' | 'refused' | 'incomplete';
  visaNumber?: string;
  reason?: string;
  recordedBy: string;
}
export interface PredepartureRecord {
  sessionAttendedOn: string;
  contractSigned: boolean;
  returnCommitmentSigned: boolean;
  recordedBy: string;
}
export interface Convocation {
  /** ISO date-time of the sailing. */
  departureAt: string;
  port: string;
  sailing?: string;
  recordedBy: string;
}
export interface EmbarkationRecord {
  embarkedAt: string;
  recordedBy: string;
}
/** The port closed boarding of the worker's sailing and the worker was not aboard. */
export interface NoShowRecord {
  departureId: string;
  recordedBy: string;
}
export interface ReturnRecord {
  returnedOn: string;
  proof: ReturnProof;
  recordedBy: string;
}
/** Why a worker came back before the contract end (reported by season and employer). */
export const EARLY_RETURN_REASONS = ['sickness', 'family', 'trial_ended', 'employer_ended', 'other'] as const;
export type EarlyReturnReason = (typeof EARLY_RETURN_REASONS)[number];

/** How a season ends other than by the return at the contract end: a stable hire in Spain, or an early return. */
export interface SeasonOutcomeRecord {
  outcome: 'stable_hire' | 'early_return';
  /** the day she was hired in Spain, or came back */
  occurredOn: string;
  /** early return: why */
  reason?: EarlyReturnReason;
  /** early return after the trial period ended: who ended it */
  endedBy?: 'worker' | 'employer';
  /** early return: the proof she is back, as for a return */
  returnProof?: ReturnProof;
  /** stable hire: the Spanish contract or residence authorisation that proves it */
  employmentReference?: string;
  recordedBy: string;
}
/**
 * The trial period's outcome, reported in the season: passed (the season goes on), or ended by the worker or the
 * employer, which starts the early-return path (the cycle then waits for the proof that she is back).
 */
export interface TrialPeriodRecord {
  outcome: 'passed' | 'ended';
  /** the day the trial period was passed or ended */
  decidedOn: string;
  /** ended: who ended it */
  endedBy?: 'worker' | 'employer';
  recordedBy: string;
}
export interface Withdrawal {
  reason: string;
  recordedBy: string;
}

export interface CycleStepRecord {
  seq: number;
  step: string;
  stage: CycleStage;
  at: string;
  actor: string;
}

export interface WorkerCycleState {
  cycleId: string;
  campaignId: string;
  candidateId: number;
  stage: CycleStage;
  outcome?: CycleOutcome;
  /** What the cycle is waiting for now, and until when. */
  waitingFor?: string;
  deadlineAt?: string;
  employerId?: string;
  offerId?: string;
  contractStart?: string;
  contractEnd?: string;
  authorisationNumber?: string;
  visaFileReference?: string;
  visaSubmissions: number;
  visaNumber?: string;
  consularEscalated: boolean;
  departureAt?: string;
  port?: string;
  /** the sailing (departure ID) the worker is convoked to */
  sailing?: string;
  embarkedAt?: string;
  returnedOn?: string;
  returnProof?: ReturnProof;
  nextSeasonEligible?: boolean;
  /** the trial period's outcome, once recorded */
  trialPeriod?: 'passed' | 'ended';
  steps: CycleStepRecord[];
}

/**
 * What a step Update answers: the stage the step led to. Kept small on purpose: every answer is stored in the
 * cycle's history (8 per worker, 160,000 in a 20,000-worker season); the full state is a query away.
 */
export interface StepAck {
  cycleId: string;
  stage: CycleStage;
  outcome?: CycleOutcome;
  /** sequence number of the transition the step made */
  seq: number;
}

// API-driven decisions that can be refused are Updates; their validators refuse out-of-order steps.
export const recordSelectionUpdate = defineUpdate<StepAck, [SelectionDecision]>('recordSelection');
export const recordAuthorisationUpdate = defineUpdate<StepAck, [AuthorisationRecord]>('recordAuthorisation');
export const submitVisaFileUpdate = defineUpdate<StepAck, [VisaFileSubmission]>('submitVisaFile');
export const recordConsularDecisionUpdate = defineUpdate<StepAck, [ConsularDecision]>('recordConsularDecision');
export const recordPredepartureUpdate = defineUpdate<StepAck, [PredepartureRecord]>('recordPredeparture');
export const convokeUpdate = defineUpdate<StepAck, [Convocation]>('convoke');
export const recordEmbarkationUpdate = defineUpdate<StepAck, [EmbarkationRecord]>('recordEmbarkation');
export const recordReturnUpdate = defineUpdate<StepAck, [ReturnRecord]>('recordReturn');
export const recordSeasonOutcomeUpdate = defineUpdate<StepAck, [SeasonOutcomeRecord]>('recordSeasonOutcome');
export const recordTrialPeriodUpdate = defineUpdate<StepAck, [TrialPeriodRecord]>('recordTrialPeriod');
/** Sent by a departure whose boarding was closed, to each passenger not aboard: the cycle closes as no_show at once. */
export const recordNoShowUpdate = defineUpdate<StepAck, [NoShowRecord]>('recordNoShow');

/** An operator takes a convoked worker off her sailing (docs/runbook.md): she is ready to depart again. */
export interface SailingRelease {
  departureId: string;
  reason: string;
  releasedBy: string;
}
/**
 * Not a step of the table (no route, file or bulk kind of its own): the operators' repair route sends it. A new Update
 * needs no patch: code without its handler rejects it, which leaves no event in the history.
 */
export const releaseFromSailingUpdate = defineUpdate<StepAck, [SailingRelease]>('releaseFromSailing');

// A withdrawal is an event the workflow cannot refuse: a Signal.
export const withdrawSignal = defineSignal<[Withdrawal]>('withdraw');

export const cycleStateQuery = defineQuery<WorkerCycleState>('state');

/** Each step's payload: the keys are the steps, so the step table below must have an entry for each. */
export interface StepPayloads {
  recordSelection: SelectionDecision;
  recordAuthorisation: AuthorisationRecord;
  submitVisaFile: VisaFileSubmission;
  recordConsularDecision: ConsularDecision;
  recordPredeparture: PredepartureRecord;
  convoke: Convocation;
  recordEmbarkation: EmbarkationRecord;
  recordNoShow: NoShowRecord;
  recordReturn: ReturnRecord;
  recordSeasonOutcome: SeasonOutcomeRecord;
  recordTrialPeriod: TrialPeriodRecord;
}
export type CycleStep = keyof StepPayloads;
