// Campaigns, offers and candidates as the routes that take steps look them up.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { campaigns, candidates, offers } from '../../db/schema';

export async function findCampaign(db: Db, campaignId: string) {
  const [c] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  return c;
}

export async function findCandidate(db: Db, candidateId: number) {
  const [c] = await db.select().from(candidates).where(eq(candidates.id, candidateId));
  return c;
}

export async function offersOf(db: Db, campaignId: string) {
  return db.select().from(offers).where(eq(offers.campaignId, campaignId));
}
