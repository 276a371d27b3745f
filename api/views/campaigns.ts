// Campaign parameters and list items shared by the routes of every context under /campaigns/:campaignId.
import { z } from 'zod';
import type { CampaignRow } from '../queries/campaigns';

export const campaignParams = z.object({ campaignId: z.string() });

export const campaignListItem = z.object({ id: z.string(), name: z.string(), season: z.number(), createdAt: z.string() });

export const listItem = (c: CampaignRow): z.infer<typeof campaignListItem> => ({ id: c.id, name: c.name, season: c.season, createdAt: c.createdAt.toISOString() });
