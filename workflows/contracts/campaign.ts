// Contract of the campaign context: one workflow per season, moved stage by stage by coordinators.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';

export { COORDINATION_TASK_QUEUE as CAMPAIGN_TASK_QUEUE } from './bulk';

export function campaignWorkflowId(campaignId: string): string {
  return `campaign-${campaignId}`;
}

export const CAMPAIGN_STAGES = [
  'draft',
  'registration',
  'preselection',
  'selection',
  'authorisation',
  'visa_processing',
  'departures',
  'in_season',
  'returns',
  'closed',
] as const;
export type CampaignStage = (typeof CAMPAIGN_STAGES)[number];

/** Stages during which a drop-out's post is offered to the reserve list (until the campaign's cut-off date);
 * in season too, since no-shows of the first sailings are replaced on later ones. */
export const RESERVE_STAGES: readonly CampaignStage[] = ['selection', 'authorisation', 'visa_processing', 'departures', 'in_season'];

export interface CampaignInput {
  campaignId: string;
  season: number;
  /** How often the reserve list is checked for vacated posts. */
  reserveCheckInterval: Duration;
  /** Carried across continue-as-new. */
  carried?: CampaignState;
}

/** Counts read from PostgreSQL that the stage preconditions are judged on. */
export interface CampaignCounts {
  offers: number;
  cycles: number;
  selected: number;
  authorised: number;
  visasIssued: number;
  embarked: number;
  open: number;
}

export interface StageMove {
  to: CampaignStage;
  by: string;
}

export interface CampaignState {
  campaignId: string;
  stage: CampaignStage;
  stages: { stage: CampaignStage; at: string; by: string }[];
  reserveChecks: number;
  reserveCalled: number;
  lastReserveCheckAt?: string;
}

export const advanceStageUpdate = defineUpdate<CampaignState, [StageMove]>('advanceStage');
export const campaignStateQuery = defineQuery<CampaignState>('campaignState');

/** What entering a stage needs: a count that must be above zero, and what is missing when it is not. */
const STAGE_NEEDS: Partial<Record<CampaignStage, { count: keyof CampaignCounts; missing: string }>> = {
  registration: { count: 'offers', missing: 'the campaign has no offer' },
  preselection: { count: 'cycles', missing: 'no candidate has been loaded' },
  selection: { count: 'cycles', missing: 'no candidate has been loaded' },
  authorisation: { count: 'selected', missing: 'no worker has been selected by an employer' },
  visa_processing: { count: 'authorised', missing: 'no work authorisation has been recorded' },
  departures: { count: 'visasIssued', missing: 'no visa has been issued' },
  in_season: { count: 'embarked', missing: 'no worker has embarked' },
  returns: { count: 'embarked', missing: 'no worker has embarked' },
};

/** Why a stage cannot be entered yet, or undefined when its preconditions hold. */
export function stagePreconditionFailure(to: CampaignStage, c: CampaignCounts): string | undefined {
  // closing is the one move that waits for a count to reach zero: every cycle closed
  if (to === 'closed') return c.open === 0 ? undefined : `${c.open} worker cycles are still open`;
  const need = STAGE_NEEDS[to];
  return need && !(c[need.count] > 0) ? need.missing : undefined;
}
