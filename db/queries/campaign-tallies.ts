// The campaign view's counts, read from what the triggers of migration 0015 keep as cycles move (db/schema.ts,
// campaignTallies): the folded rows plus the deltas appended since, summed in one statement (one snapshot).
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { campaignTallies, campaignTallyDeltas } from '../schema';

export interface CampaignTally {
  province: string;
  stage: string;
  /** '' when the cycle has none */
  outcome: string;
  /** the offer whose seat the cycles hold, '' when none */
  seatOfferId: string;
  woman: boolean;
  selected: boolean;
  embarked: boolean;
  onReserveList: boolean;
  cycles: number;
}

/** Deltas a read leaves unfolded at most: beyond, it folds them (a few ms) so reads stay short. */
const FOLD_AFTER_DELTAS = 500;

const FACTS = ['province', 'stage', 'outcome', 'seat_offer_id', 'woman', 'selected', 'embarked', 'on_reserve_list'] as const;

/** The cycles of a campaign counted by their facts (combinations with no cycle left out). */
export async function readCampaignTallies(db: Db, campaignId: string): Promise<CampaignTally[]> {
  const facts = sql.raw(FACTS.join(', '));
  const rows = await db.execute<{ province: string; stage: string; outcome: string; seat_offer_id: string; woman: boolean; selected: boolean; embarked: boolean; on_reserve_list: boolean; cycles: string; deltas: string }>(sql`
    select ${facts}, sum(cycles) as cycles, sum(delta) as deltas from (
      select ${facts}, cycles, 0 as delta from ${campaignTallies} where campaign_id = ${campaignId}
      union all
      select ${facts}, cycles, 1 as delta from ${campaignTallyDeltas} where campaign_id = ${campaignId}
    ) t group by ${facts}`);
  let deltas = 0;
  const tallies: CampaignTally[] = [];
  for (const r of rows) {
    deltas += Number(r.deltas);
    const cycles = Number(r.cycles);
    if (cycles !== 0) {
      tallies.push({ province: r.province, stage: r.stage, outcome: r.outcome, seatOfferId: r.seat_offer_id, woman: r.woman, selected: r.selected, embarked: r.embarked, onReserveList: r.on_reserve_list, cycles });
    }
  }
  if (deltas > FOLD_AFTER_DELTAS) await foldCampaignTallies(db, campaignId);
  return tallies;
}

/**
 * Moves a campaign's deltas into its tallies, in one transaction (a concurrent read sees them on one side or the
 * other, never both). One fold per campaign at a time: another caller finds the lock taken and leaves it.
 */
export async function foldCampaignTallies(db: Db, campaignId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.execute<{ got: boolean }>(sql`select pg_try_advisory_xact_lock(hashtext(${`campaign_tallies:${campaignId}`})) as got`);
    if (!lock?.got) return false;
    const facts = sql.raw(FACTS.join(', '));
    await tx.execute(sql`
      with folded as (delete from ${campaignTallyDeltas} where campaign_id = ${campaignId} returning ${facts}, cycles)
      insert into ${campaignTallies} (campaign_id, ${facts}, cycles)
      select ${campaignId}, ${facts}, sum(cycles)::int from folded group by ${facts}
      on conflict on constraint campaign_tallies_pk do update set cycles = ${campaignTallies.cycles} + excluded.cycles`);
    // combinations no cycle has any more
    await tx.delete(campaignTallies).where(sql`${campaignTallies.campaignId} = ${campaignId} and ${campaignTallies.cycles} = 0`);
    return true;
  });
}
