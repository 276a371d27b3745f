// Custom search attributes registered on the Temporal server (test/global-setup.ts and scripts/lib/temporal-dev-server.ts).
// No personal data here: IDs, stage and province only, so operators can find cases in the Web UI.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CampaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const SeasonKey = defineSearchAttributeKey('Season', SearchAttributeType.INT);
export const StageKey = defineSearchAttributeKey('Stage', SearchAttributeType.KEYWORD);
export const ProvinceKey = defineSearchAttributeKey('Province', SearchAttributeType.KEYWORD);
export const EmployerIdKey = defineSearchAttributeKey('EmployerId', SearchAttributeType.KEYWORD);

/** `--search-attribute Name=Type` pairs for `temporal server start-dev`. */
export const SEARCH_ATTRIBUTE_DECLARATIONS: Record<string, string> = {
  CampaignId: 'Keyword',
  Season: 'Int',
  Stage: 'Keyword',
  Province: 'Keyword',
  EmployerId: 'Keyword',
};
