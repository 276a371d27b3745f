// The table of worker steps, workflow half: for each step its Update, the cycle stages it is allowed from, the
// campaign stages it may be taken in, the content check shared by the workflow's validator and the API edge, and
// the bulk kind that applies it to many cycles. The API half (api/steps.ts: body schema, path, summary, file row)
// is keyed by the same steps; zod stays out of the workflow sandbox, hence two halves. A step missing from
// either table fails to compile.
import type { UpdateDefinition } from '@temporalio/common';
import type { BulkKind } from './bulk';
import type { CampaignStage } from './campaign';
import {
  convokeUpdate,
  recordAuthorisationUpdate,
  recordConsularDecisionUpdate,
  recordEmbarkationUpdate,
  recordNoShowUpdate,
  recordPredepartureUpdate,
  recordReturnUpdate,
  recordSeasonOutcomeUpdate,
  recordSelectionUpdate,
  recordTrialPeriodUpdate,
  submitVisaFileUpdate,
  type CycleStage,
  type CycleStep,
  type StepAck,
  type StepPayloads,
} from './worker-cycle';

/** A step's content refused: the field and the reason (422). */
export interface StepProblem {
  field: string;
  reason: string;
}

export interface StepDefinition<P> {
  update: UpdateDefinition<StepAck, [P]>;
  /** cycle stages the step may be taken from (409 otherwise) */
  allowedFrom: readonly CycleStage[];
  /** campaign stages the step may be taken in (409 otherwise): no convocation while the campaign is in draft */
  campaignStages: readonly CampaignStage[];
  /** content check, pure; `now` is the caller's clock (the workflow's deterministic one inside the workflow) */
  check?: (payload: P, now: number) => StepProblem | undefined;
  bulkKind: BulkKind;
  /** in the domain's words, for messages and operators */
  label: string;
}

const isoDate = (s: string | undefined): boolean => !!s && /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s));

const FROM_SELECTION: readonly CampaignStage[] = ['selection', 'authorisation', 'visa_processing', 'departures', 'in_season'];
const FROM_AUTHORISATION: readonly CampaignStage[] = ['selection', 'authorisation', 'visa_processing', 'departures', 'in_season'];
const FROM_VISAS: readonly CampaignStage[] = ['authorisation', 'visa_processing', 'departures', 'in_season'];
const FROM_DEPARTURES: readonly CampaignStage[] = ['visa_processing', 'departures', 'in_season'];
const FROM_SEASON: readonly CampaignStage[] = ['departures', 'in_season', 'returns'];

export const CYCLE_STEPS: { [S in CycleStep]: StepDefinition<StepPayloads[S]> } = {
  recordSelection: {
    update: recordSelectionUpdate,
    allowedFrom: ['preselected'],
    // at returns too: the reserves never called are released (rejected) when the season ends
    campaignStages: [...FROM_SELECTION, 'returns'],
    bulkKind: 'selection',
    label: "employer's selection",
    check: (s) => {
      if (s.decision !== 'selected') return undefined;
      if (!s.employerId) return { field: 'employerId', reason: 'a selection needs the employer' };
      if (!s.offerId) return { field: 'offerId', reason: 'a selection needs the offer' };
      if (!isoDate(s.contractStart)) return { field: 'contractStart', reason: 'contract start date missing' };
      if (!isoDate(s.contractEnd)) return { field: 'contractEnd', reason: 'contract end date missing' };
      return undefined;
    },
  },
  recordAuthorisation: { update: recordAuthorisationUpdate, allowedFrom: ['selected'], campaignStages: FROM_AUTHORISATION, bulkKind: 'authorisation', label: 'work authorisation' },
  submitVisaFile: { update: submitVisaFileUpdate, allowedFrom: ['authorised', 'visa_incomplete'], campaignStages: FROM_VISAS, bulkKind: 'visa_lodge', label: 'visa file lodged' },
  recordConsularDecision: {
    update: recordConsularDecisionUpdate,
    allowedFrom: ['visa_submitted'],
    campaignStages: FROM_VISAS,
    bulkKind: 'visa_decision',
    label: 'consular decision',
    check: (d) => {
      if (d.decision === 'issued' && !d.visaNumber) return { field: 'visaNumber', reason: 'an issued visa needs its number' };
      if (d.decision !== 'issued' && !d.reason) return { field: 'reason', reason: `a ${d.decision} decision needs the consulate's reason` };
      return undefined;
    },
  },
  recordPredeparture: {
    update: recordPredepartureUpdate,
    allowedFrom: ['visa_issued'],
    campaignStages: FROM_DEPARTURES,
    bulkKind: 'predeparture',
    label: 'pre-departure session and signatures',
    check: (r) => {
      if (!r.contractSigned) return { field: 'contractSigned', reason: 'the employment contract must be signed before departure' };
      if (!r.returnCommitmentSigned) return { field: 'returnCommitmentSigned', reason: 'the return commitment must be signed before departure' };
      return undefined;
    },
  },
  convoke: {
    update: convokeUpdate,
    allowedFrom: ['ready_to_depart'],
    campaignStages: FROM_DEPARTURES,
    bulkKind: 'convocation',
    label: 'convocation to a sailing',
    check: (c, now) => {
      const at = Date.parse(c.departureAt);
      if (Number.isNaN(at)) return { field: 'departureAt', reason: 'departure time is not a date-time' };
      if (at <= now) return { field: 'departureAt', reason: 'the departure must be in the future' };
      return undefined;
    },
  },
  recordEmbarkation: { update: recordEmbarkationUpdate, allowedFrom: ['convoked'], campaignStages: FROM_SEASON, bulkKind: 'embarkation', label: 'embarkation at the port' },
  recordNoShow: { update: recordNoShowUpdate, allowedFrom: ['convoked'], campaignStages: FROM_SEASON, bulkKind: 'no_show', label: 'no-show at boarding' },
  recordReturn: { update: recordReturnUpdate, allowedFrom: ['awaiting_return', 'in_season'], campaignStages: [...FROM_SEASON, 'closed'], bulkKind: 'return', label: 'verified return' },
  recordSeasonOutcome: {
    update: recordSeasonOutcomeUpdate,
    // in the season, and after the contract end: a stable hire proven after a non-return was flagged still counts
    allowedFrom: ['in_season', 'awaiting_return'],
    campaignStages: [...FROM_SEASON, 'closed'],
    bulkKind: 'season_outcome',
    label: 'stable hire or early return',
    check: (o) => {
      if (!isoDate(o.occurredOn)) return { field: 'occurredOn', reason: 'the date is missing or not a date' };
      if (o.outcome === 'stable_hire') {
        if (!o.employmentReference) return { field: 'employmentReference', reason: 'a stable hire needs the Spanish contract or authorisation that proves it' };
        return undefined;
      }
      if (!o.reason) return { field: 'reason', reason: 'an early return needs its reason' };
      if (!o.returnProof) return { field: 'returnProof', reason: 'an early return needs the proof that the worker is back' };
      if (o.reason === 'trial_ended' && !o.endedBy) return { field: 'endedBy', reason: 'say who ended the trial period: worker or employer' };
      return undefined;
    },
  },
  recordTrialPeriod: {
    update: recordTrialPeriodUpdate,
    allowedFrom: ['in_season'],
    campaignStages: FROM_SEASON,
    bulkKind: 'trial_period',
    label: 'trial period outcome',
    check: (r) => {
      if (!isoDate(r.decidedOn)) return { field: 'decidedOn', reason: 'the date is missing or not a date' };
      if (r.outcome === 'ended' && !r.endedBy) return { field: 'endedBy', reason: 'say who ended the trial period: worker or employer' };
      return undefined;
    },
  },
};

/** Which stage each step may be taken from: the validators and the API's messages read it. */
export const STEP_ALLOWED_FROM = Object.fromEntries(Object.entries(CYCLE_STEPS).map(([k, v]) => [k, v.allowedFrom])) as { [S in CycleStep]: readonly CycleStage[] };

/** The step a bulk kind applies (start_cycles applies none). */
export const STEP_BY_BULK_KIND = Object.fromEntries(Object.entries(CYCLE_STEPS).map(([k, v]) => [v.bulkKind, k])) as Partial<Record<BulkKind, CycleStep>>;

export const CYCLE_STEP_NAMES = Object.keys(CYCLE_STEPS) as CycleStep[];
