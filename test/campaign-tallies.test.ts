// Counts the database keeps as rows change, checked against a scan of the rows they count. The campaign view's
// (migration 0015) after every kind of change: cycles written, moved, closed, embarked, put on the reserve list,
// seats taken, moved and freed, a person's record corrected, many of them at once and while a fold runs. A bulk
// operation's applied and refused rows (migration 0017), however their statuses are written.
import { describe, expect, it } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { bulkItems, bulkOperations, candidates, offerSeats, workerCycles } from '../db/schema';
import { foldCampaignTallies, readCampaignTallies, type CampaignTally } from '../db/queries/campaign-tallies';
import { requestsTo, sampleCampaign, sampleCandidate, uniqueSuffix, withTestStack, type TestStack } from './support';

let stack: TestStack;
withTestStack((s) => (stack = s));
const { post, get } = requestsTo(() => stack);

/** What the tallies must say: the campaign's rows counted now, by the same facts. */
async function scanned(campaignId: string): Promise<CampaignTally[]> {
  const rows = await stack.db.execute<{ province: string; stage: string; outcome: string; seat_offer_id: string; woman: boolean; selected: boolean; embarked: boolean; on_reserve_list: boolean; cycles: number }>(sql`
    select w.province, w.stage, coalesce(w.outcome, '') as outcome, coalesce(s.offer_id, '') as seat_offer_id, coalesce(p.sex = 'F', false) as woman,
           w.offer_id is not null as selected, w.embarked_at is not null as embarked, w.reserve_rank is not null as on_reserve_list, count(*)::int as cycles
    from worker_cycles w left join offer_seats s on s.cycle_id = w.id left join candidates p on p.id = w.candidate_id
    where w.campaign_id = ${campaignId} group by 1, 2, 3, 4, 5, 6, 7, 8`);
  return rows.map((r) => ({ province: r.province, stage: r.stage, outcome: r.outcome, seatOfferId: r.seat_offer_id, woman: r.woman, selected: r.selected, embarked: r.embarked, onReserveList: r.on_reserve_list, cycles: r.cycles }));
}
const sorted = (t: CampaignTally[]) => [...t].map((x) => JSON.stringify(x)).sort();
async function expectTalliesRight(campaignId: string) {
  expect(sorted(await readCampaignTallies(stack.db, campaignId))).toEqual(sorted(await scanned(campaignId)));
}

describe('campaign tallies', () => {
  it('count what a scan of the cycles counts, through every change, concurrent ones and folds included', async () => {
    const campaignId = `tally-${uniqueSuffix()}`;
    const base = sampleCampaign(campaignId, 'B21777777');
    const created = await post('/campaigns', { ...base, offers: [base.offers[0], { ...base.offers[0], posts: 20 }] });
    expect(created.statusCode, created.body).toBe(201);
    const [offerA, offerB] = (created.json().offers as { id: string }[]).map((o) => o.id) as [string, string];

    const people = await stack.db
      .insert(candidates)
      .values(Array.from({ length: 60 }, (_, i) => ({ ...sampleCandidate({ province: ['Kénitra', 'Larache', 'Taounate'][i % 3] }), sex: i % 3 === 0 ? ('M' as const) : ('F' as const) })))
      .returning({ id: candidates.id, province: candidates.province });
    const ids = people.map((_, i) => `${campaignId}-${i}`);
    await stack.db.insert(workerCycles).values(people.map((p, i) => ({ id: ids[i]!, campaignId, candidateId: p.id, province: p.province, stage: 'preselected' })));
    await expectTalliesRight(campaignId);
    // each row carries its person's place in registration order (migration 0016), which lists page through
    const misplaced = await stack.db.execute<{ n: number }>(sql`
      select count(*)::int as n from worker_cycles w join candidates c on c.id = w.candidate_id
      where w.campaign_id = ${campaignId} and w.registration_seq <> c.registration_seq`);
    expect(misplaced[0]!.n).toBe(0);

    // 40 selected while their seats are written, each on its own connection: the two changes of one cycle race
    const selected = ids.slice(0, 40);
    await Promise.all(
      selected.flatMap((id, i) => [
        stack.db.update(workerCycles).set({ stage: 'selected', offerId: i % 2 ? offerA : offerB }).where(eq(workerCycles.id, id)),
        stack.db.insert(offerSeats).values({ cycleId: id, offerId: i % 2 ? offerA : offerB, via: 'selection_file' }),
      ]),
    );
    await expectTalliesRight(campaignId);

    // the rest on the reserve list; a fold runs while cycles are embarked, closed and their seats freed or moved
    await stack.db.update(workerCycles).set({ reserveRank: sql`1 + (random() * 100)::int` }).where(inArray(workerCycles.id, ids.slice(40)));
    await Promise.all([
      foldCampaignTallies(stack.db, campaignId),
      ...selected.slice(0, 20).map((id) => stack.db.update(workerCycles).set({ stage: 'in_season', embarkedAt: new Date() }).where(eq(workerCycles.id, id))),
      ...selected.slice(20, 30).map((id) => stack.db.update(workerCycles).set({ stage: 'closed', outcome: 'withdrawn' }).where(eq(workerCycles.id, id))),
      ...selected.slice(30, 35).map((id) => stack.db.delete(offerSeats).where(eq(offerSeats.cycleId, id))),
      ...selected.slice(35, 40).map((id) => stack.db.update(offerSeats).set({ offerId: offerA, via: 'employer_change' }).where(eq(offerSeats.cycleId, id))),
      foldCampaignTallies(stack.db, campaignId),
    ]);
    await expectTalliesRight(campaignId);

    // a person's record corrected; a printed document changes nothing counted (no delta written)
    await stack.db.update(candidates).set({ sex: 'F' }).where(eq(candidates.id, people[0]!.id));
    const before = await stack.db.execute<{ n: number }>(sql`select count(*)::int as n from campaign_tally_deltas where campaign_id = ${campaignId}`);
    await stack.db.update(workerCycles).set({ visaNumber: 'V-1', lastSeq: 7 }).where(eq(workerCycles.id, ids[0]!));
    const after = await stack.db.execute<{ n: number }>(sql`select count(*)::int as n from campaign_tally_deltas where campaign_id = ${campaignId}`);
    expect(after[0]!.n).toBe(before[0]!.n);
    await expectTalliesRight(campaignId);

    // folded: no delta left, the same counts, and combinations no cycle has any more are gone
    expect(await foldCampaignTallies(stack.db, campaignId)).toBe(true);
    const left = await stack.db.execute<{ n: number }>(sql`select count(*)::int as n from campaign_tally_deltas where campaign_id = ${campaignId}`);
    expect(left[0]!.n).toBe(0);
    const zero = await stack.db.execute<{ n: number }>(sql`select count(*)::int as n from campaign_tallies where campaign_id = ${campaignId} and cycles = 0`);
    expect(zero[0]!.n).toBe(0);
    await expectTalliesRight(campaignId);

    // and the view shows them: 20 embarked, 10 withdrawn, seats held (a withdrawal frees its post)
    const view = (await get(`/campaigns/${campaignId}`)).json();
    expect(view.stageCounts).toEqual({ preselected: 20, in_season: 20, closed: 10, selected: 10 });
    expect(view.outcomeCounts).toEqual({ withdrawn: 10 });
    expect(view.reserve.onList).toBe(20);
    expect(view.provinces.reduce((n: number, p: { embarked: number }) => n + p.embarked, 0)).toBe(20);
    expect(view.provinces.reduce((n: number, p: { women: number }) => n + p.women, 0)).toBe(41);
    // 40 seats, 5 freed by deletion, 10 by withdrawal (on offer A: odd indexes 21..29 and B: even), 5 moved to A
    const seats = await stack.db.execute<{ offer_id: string; n: number }>(sql`
      select s.offer_id, count(*)::int as n from offer_seats s join worker_cycles w on w.id = s.cycle_id
      where w.campaign_id = ${campaignId} and (w.outcome is null or w.outcome <> 'withdrawn') group by 1`);
    const filled = Object.fromEntries(seats.map((s) => [s.offer_id, s.n]));
    expect(view.offers.map((o: { id: string; filled: number }) => o.filled)).toEqual([filled[offerA] ?? 0, filled[offerB] ?? 0]);
    expect(view.offers[0].filled + view.offers[1].filled).toBe(25);
  });
});

describe('bulk operation counts', () => {
  it('follow its rows as pages flush their statuses, a refusal is written alone, and a flush is retried', async () => {
    const campaignId = `tally-bulk-${uniqueSuffix()}`;
    expect((await post('/campaigns', sampleCampaign(campaignId, 'B21777777'))).statusCode).toBe(201);
    const operationId = `bulk-${campaignId}-authorisation-counts`;
    await stack.db.insert(bulkOperations).values({ id: operationId, campaignId, kind: 'authorisation', source: 'test', total: 6, createdBy: 'test' });
    await stack.db.insert(bulkItems).values(Array.from({ length: 6 }, (_, i) => ({ operationId, line: i + 1, cycleId: `${campaignId}-${i}`, payload: {} })));
    const progress = async () => (await get(`/bulk-operations/${operationId}`)).json();
    expect(await progress()).toMatchObject({ total: 6, applied: 0, refused: 0, pending: 6, refusals: [] });

    // a page's flush (several rows in one statement), as applyBulkPage writes them
    const flush = (rows: [number, 'applied' | 'refused', string | null][]) =>
      stack.db.execute(sql`update bulk_items set status = v.status, error = v.error, applied_at = now()
        from (values ${sql.join(rows.map(([l, st, e]) => sql`(${l}::int, ${st}::text, ${e}::text)`), sql`, `)}) as v(line, status, error)
        where bulk_items.operation_id = ${operationId} and bulk_items.line = v.line`);
    await Promise.all([
      flush([[1, 'applied', null], [2, 'applied', null], [3, 'refused', 'not selected']]),
      // a refusal written alone, with what it releases
      stack.db.update(bulkItems).set({ status: 'refused', error: 'no longer on the sailing' }).where(and(eq(bulkItems.operationId, operationId), eq(bulkItems.line, 5))),
    ]);
    // a retried page writes the same statuses again: nothing counted twice
    await flush([[1, 'applied', null], [2, 'applied', null], [3, 'refused', 'not selected']]);
    expect(await progress()).toMatchObject({
      applied: 2, refused: 2, pending: 2,
      refusals: [{ line: 3, reason: 'not selected' }, { line: 5, reason: 'no longer on the sailing' }],
    });
    await flush([[4, 'applied', null], [6, 'applied', null]]);
    const [op] = await stack.db.select().from(bulkOperations).where(eq(bulkOperations.id, operationId));
    const [counted] = await stack.db.execute<{ applied: number; refused: number }>(sql`
      select (count(*) filter (where status = 'applied'))::int as applied, (count(*) filter (where status = 'refused'))::int as refused
      from bulk_items where operation_id = ${operationId}`);
    expect({ applied: op!.applied, refused: op!.refused }).toEqual(counted);
    expect(await progress()).toMatchObject({ applied: 4, refused: 2, pending: 0 });
  });
});
