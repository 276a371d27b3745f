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

/** Why a stage cannot be entered yet, or undefined when its preconditions hold. */
export function stagePreconditionFailure(to: CampaignStage, c: CampaignCounts): string | undefined {
  switch (to) {
    case 'registration':
      return c.offers > 0 ? undefined : 'the campaign has no offer';
    case 'preselection':
    case 'selection':
      return c.cycles > 0 ? undefined : 'no candidate has been loaded';
    case 'authorisation':
      return c.selected > 0 ? undefined : 'no worker has been selected by an employer';
    case 'visa_processing':
      return c.authorised > 0 ? undefined : 'no work authorisation has been recorded';
    case 'departures':
      return c.visasIssued > 0 ? undefined : 'no visa has been issued';
    case 'in_season':
    case 'returns':
      return c.embarked > 0 ? undefined : 'no worker has embarked';
    case 'closed':
      return c.open === 0 ? undefined : `${c.open} worker cycles are still open`;
    default:
      return undefined;
  }
}
