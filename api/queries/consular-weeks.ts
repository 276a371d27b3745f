// A consulate's week (SQL only): how many visa files its calendar week holds and has taken. The capacity is the
// consulate's, shared by every campaign lodging there, by their batches and by single lodgings; a campaign may set a
// lower weekly ceiling of its own (campaigns.visa_weekly_capacity). A batch assembled but never lodged holds its
// places only until the end of its week.
import { and, eq, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { consulates, singleVisaLodgings } from '../../db/schema';
import { weeksAfter } from '../../workflows/contracts/visa-batch';
import { conflict, notFound, unprocessable } from '../errors';
import type { CampaignRow } from './campaigns';

export type ConsulateRow = typeof consulates.$inferSelect;

/** Serialises every assembly and single lodging of one consulate: two of them never share a week's places twice. */
export async function lockConsulate(tx: Tx, consulateId: string): Promise<ConsulateRow> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`consulate-week:${consulateId}`}))`);
  const [c] = await tx.select().from(consulates).where(eq(consulates.id, consulateId));
  if (!c) throw unprocessable(`consulate ${consulateId} is not known`, [{ field: 'consulateId', reason: 'unknown consulate' }]);
  return c;
}

/** Places taken in a week: at the consulate (every campaign) and by this campaign. */
async function taken(tx: Db | Tx, consulateId: string, campaignId: string, weekStart: string): Promise<{ consulate: number; campaign: number }> {
  const [row] = await tx.execute<{ consulate: number; campaign: number }>(sql`
    with used as (
      select b.campaign_id, b.members as n from visa_batches b
      where b.consulate_id = ${consulateId} and b.week_start = ${weekStart}
        and (b.lodged_on is not null or (b.status = 'assembled' and b.week_start + 7 > current_date))
      union all
      select w.campaign_id, 1 from single_visa_lodgings s join worker_cycles w on w.id = s.cycle_id
      where s.consulate_id = ${consulateId} and s.week_start = ${weekStart})
    select coalesce(sum(n), 0)::int as consulate, coalesce(sum(n) filter (where campaign_id = ${campaignId}), 0)::int as campaign from used`);
  return { consulate: row?.consulate ?? 0, campaign: row?.campaign ?? 0 };
}

/** Places left for the campaign in a week: the consulate's and its own ceiling's, whichever is fewer. */
export async function placesLeft(tx: Db | Tx, consulate: ConsulateRow, campaign: CampaignRow, weekStart: string): Promise<{ left: number; used: number; capacity: number }> {
  const t = await taken(tx, consulate.id, campaign.id, weekStart);
  const byConsulate = consulate.weeklyCapacity - t.consulate;
  const byCampaign = campaign.visaWeeklyCapacity - t.campaign;
  return byConsulate <= byCampaign
    ? { left: Math.max(0, byConsulate), used: t.consulate, capacity: consulate.weeklyCapacity }
    : { left: Math.max(0, byCampaign), used: t.campaign, capacity: campaign.visaWeeklyCapacity };
}

/** Where the files a week could not take would go: the following weeks' places, up to 12 weeks ahead. */
export async function proposeNextWeeks(tx: Db | Tx, consulate: ConsulateRow, campaign: CampaignRow, weekStart: string, files: number): Promise<{ weekStart: string; files: number }[]> {
  const out: { weekStart: string; files: number }[] = [];
  for (let w = 1; w <= 12 && files > 0; w++) {
    const week = weeksAfter(weekStart, w);
    const { left } = await placesLeft(tx, consulate, campaign, week);
    if (left <= 0) continue;
    out.push({ weekStart: week, files: Math.min(left, files) });
    files -= Math.min(left, files);
  }
  return out;
}

/**
 * A visa file lodged on its own takes a place in its consulate's week (the week of `submittedOn`), or is refused
 * with 409 naming the week when it is full. Returns the undo for a lodging the cycle then refuses.
 */
export async function reserveSingleLodging(db: Db, campaign: CampaignRow, cycleId: string, fileReference: string, weekStart: string): Promise<() => Promise<void>> {
  await db.transaction(async (tx) => {
    const consulate = await lockConsulate(tx, campaign.consulateId);
    const [same] = await tx.select().from(singleVisaLodgings).where(and(eq(singleVisaLodgings.cycleId, cycleId), eq(singleVisaLodgings.fileReference, fileReference)));
    if (same) return;
    const { left, used, capacity } = await placesLeft(tx, consulate, campaign, weekStart);
    if (left <= 0) {
      throw conflict(`the consulate's capacity for the week of ${weekStart} is used up: ${used} of ${capacity} visa files`, [{ field: 'body.submittedOn', reason: 'that week is full' }]);
    }
    await tx.insert(singleVisaLodgings).values({ cycleId, fileReference, consulateId: consulate.id, weekStart });
  });
  return async () => {
    await db.delete(singleVisaLodgings).where(and(eq(singleVisaLodgings.cycleId, cycleId), eq(singleVisaLodgings.fileReference, fileReference)));
  };
}

export const listConsulates = (db: Db) => db.select().from(consulates).orderBy(consulates.id);

export async function consulateOr404(db: Db, consulateId: string): Promise<ConsulateRow> {
  const [c] = await db.select().from(consulates).where(eq(consulates.id, consulateId));
  if (!c) throw notFound(`consulate ${consulateId}`);
  return c;
}

export async function upsertConsulate(db: Db, c: { id: string; name: string; city: string; role: 'lodging' | 'issuing'; weeklyCapacity: number }): Promise<ConsulateRow> {
  const [row] = await db.insert(consulates).values(c).onConflictDoUpdate({ target: consulates.id, set: { name: c.name, city: c.city, role: c.role, weeklyCapacity: c.weeklyCapacity } }).returning();
  return row!;
}

/** A consulate's weeks from `from` (any day: its ISO week): places held by batches lodged, batches assembled, single lodgings, and left. */
export async function consulateWeeks(db: Db, consulate: ConsulateRow, from: string, weeks: number) {
  const last = weeksAfter(from, weeks - 1);
  const rows = await db.execute<{ week_start: string; lodged: number; assembled: number; single: number; campaigns: number }>(sql`
    with used as (
      select b.week_start, b.campaign_id, case when b.lodged_on is not null then b.members else 0 end as lodged,
             case when b.lodged_on is null and b.status = 'assembled' and b.week_start + 7 > current_date then b.members else 0 end as assembled, 0 as single
      from visa_batches b where b.consulate_id = ${consulate.id} and b.week_start between ${from} and ${last}
      union all
      select s.week_start, w.campaign_id, 0, 0, 1 from single_visa_lodgings s join worker_cycles w on w.id = s.cycle_id
      where s.consulate_id = ${consulate.id} and s.week_start between ${from} and ${last})
    select to_char(week_start, 'YYYY-MM-DD') as week_start, sum(lodged)::int as lodged, sum(assembled)::int as assembled, sum(single)::int as single,
           count(distinct campaign_id) filter (where lodged + assembled + single > 0)::int as campaigns
    from used group by week_start`);
  const byWeek = new Map(rows.map((r) => [r.week_start, r]));
  return Array.from({ length: weeks }, (_, i) => {
    const weekStart = weeksAfter(from, i);
    const r = byWeek.get(weekStart);
    const used = (r?.lodged ?? 0) + (r?.assembled ?? 0) + (r?.single ?? 0);
    return { weekStart, capacity: consulate.weeklyCapacity, lodged: r?.lodged ?? 0, assembled: r?.assembled ?? 0, single: r?.single ?? 0, campaigns: r?.campaigns ?? 0, left: Math.max(0, consulate.weeklyCapacity - used) };
  });
}
