// Campaign reads and writes (SQL only; the routes map and answer).
import { readCampaignTallies } from '../../db/queries/campaign-tallies';
import { SEAT_FREED_BY } from '../../db/queries/contracting';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '../../db/client';
import { campaigns, consulates, employers, offers, reserveCalls } from '../../db/schema';
import { conflict, notFound, unprocessable } from '../errors';
import type { Page } from '../paging';
import type { campaignInput, campaignView } from '../schemas';

/** The outcomes a province's report counts as returned (an early return with its proof is one). */
const RETURNED_OUTCOMES = new Set(['returned', 'returned_late', 'early_return']);

export type CampaignRow = typeof campaigns.$inferSelect;

/** The campaign, or 404 naming it. */
export async function campaignOr404(db: Db, campaignId: string): Promise<CampaignRow> {
  const [c] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  if (!c) throw notFound(`campaign ${campaignId}`);
  return c;
}

export async function listCampaigns(db: Db, page: Page) {
  const total = await db.$count(campaigns);
  const rows = await db.select().from(campaigns).orderBy(asc(campaigns.season), asc(campaigns.id)).limit(page.limit).offset(page.offset);
  return { total, rows };
}

/**
 * Writes the campaign, its employers and offers in one transaction. 'created' the first time; 'exists' when a
 * campaign with this ID is already there (a retried request: its workflow is then started or found by the caller).
 */
export async function insertCampaign(db: Db, body: z.infer<typeof campaignInput>, offerIds: string[], createdBy: string): Promise<'created' | 'exists'> {
  return db.transaction(async (tx) => {
    const [consulate] = await tx.select({ id: consulates.id }).from(consulates).where(eq(consulates.id, body.consulateId));
    if (!consulate) throw unprocessable(`consulate ${body.consulateId} is not known`, [{ field: 'body.consulateId', reason: 'unknown consulate (GET /consulates)' }]);
    const created = await tx
      .insert(campaigns)
      .values({
        id: body.id,
        name: body.name,
        season: body.season,
        destinationProvince: body.destinationProvince,
        sector: body.sector,
        framework: body.framework,
        reserveCutoff: body.reserveCutoff,
        visaWeeklyCapacity: body.visaWeeklyCapacity,
        consulateId: body.consulateId,
        createdBy,
      })
      .onConflictDoNothing()
      .returning({ id: campaigns.id });
    if (created.length === 0) return 'exists';
    const clash = await tx.select({ id: offers.id }).from(offers).where(inArray(offers.id, offerIds));
    if (clash.length) throw conflict(`offer ${clash[0]!.id} already exists`, [{ field: 'body.offers', reason: `offer ${clash[0]!.id} exists` }]);
    for (const o of body.offers) {
      // An employer is one farm across campaigns: keep its latest contact details.
      await tx
        .insert(employers)
        .values(o.employer)
        .onConflictDoUpdate({
          target: employers.id,
          set: { name: o.employer.name, province: o.employer.province, municipality: o.employer.municipality, email: o.employer.email, phone: o.employer.phone },
        });
    }
    await tx.insert(offers).values(
      body.offers.map((o, i) => ({
        id: offerIds[i]!,
        campaignId: body.id,
        employerId: o.employer.id,
        kind: o.kind,
        posts: o.posts,
        post: o.post,
        tasks: o.tasks,
        contractMonths: o.contractMonths,
        contractStart: o.contractStart,
        contractEnd: o.contractEnd,
        trialDays: o.trialDays,
        dailyWageEur: o.dailyWageEur.toFixed(2),
        hoursPerDay: o.hoursPerDay.toFixed(2),
        breakMinutes: o.breakMinutes,
        daysOffPerWeek: o.daysOffPerWeek,
        overtimePaid: o.overtimePaid,
        housingProvided: o.housingProvided,
        transportPaid: o.transportPaid,
        medicalCover: o.medicalCover,
      })),
    );
    return 'created';
  });
}

export async function loadCampaignView(db: Db, campaignId: string): Promise<z.infer<typeof campaignView> | undefined> {
  // Coordinators poll this view through the season: its counts come from the tallies the database keeps as cycles
  // move (db/queries/campaign-tallies.ts), a few hundred rows whatever the campaign's size, and its statements run
  // side by side on the pool.
  const [[campaign], offerRows, tallies, [calls], refusals] = await Promise.all([
    db.select().from(campaigns).where(eq(campaigns.id, campaignId)),
    db
      .select({ offer: offers, employerName: employers.name })
      .from(offers)
      .innerJoin(employers, eq(employers.id, offers.employerId))
      .where(eq(offers.campaignId, campaignId))
      .orderBy(asc(offers.id)),
    readCampaignTallies(db, campaignId),
    db
      .select({
        called: sql<number>`count(*) filter (where ${reserveCalls.status} = 'selected')`.mapWith(Number),
        refused: sql<number>`count(*) filter (where ${reserveCalls.status} = 'refused')`.mapWith(Number),
      })
      .from(reserveCalls)
      .where(eq(reserveCalls.campaignId, campaignId)),
    // Reserves the eligibility gate or their own cycle refused, with why (the 50 latest; the count is exact).
    db
      .select({ reserveCycleId: reserveCalls.reserveCycleId, offerId: reserveCalls.offerId, reason: reserveCalls.reason, calledAt: reserveCalls.calledAt })
      .from(reserveCalls)
      .where(and(eq(reserveCalls.campaignId, campaignId), eq(reserveCalls.status, 'refused')))
      .orderBy(desc(reserveCalls.calledAt))
      .limit(50),
  ]);
  if (!campaign) return undefined;
  const stageCounts: Record<string, number> = {};
  const outcomeCounts: Record<string, number> = {};
  const byProvince = new Map<string, { province: string; cycles: number; women: number; selected: number; embarked: number; returned: number; nonReturn: number }>();
  // the seats the eligibility gate counts (an employer change moves one to the new employer's offer)
  const filled = new Map<string, number>();
  let onList = 0;
  for (const t of tallies) {
    stageCounts[t.stage] = (stageCounts[t.stage] ?? 0) + t.cycles;
    if (t.outcome) outcomeCounts[t.outcome] = (outcomeCounts[t.outcome] ?? 0) + t.cycles;
    if (t.onReserveList) onList += t.cycles;
    if (t.seatOfferId && !SEAT_FREED_BY.includes(t.outcome)) filled.set(t.seatOfferId, (filled.get(t.seatOfferId) ?? 0) + t.cycles);
    const p = byProvince.get(t.province) ?? { province: t.province, cycles: 0, women: 0, selected: 0, embarked: 0, returned: 0, nonReturn: 0 };
    p.cycles += t.cycles;
    if (t.woman) p.women += t.cycles;
    if (t.selected) p.selected += t.cycles;
    if (t.embarked) p.embarked += t.cycles;
    if (RETURNED_OUTCOMES.has(t.outcome)) p.returned += t.cycles;
    if (t.outcome === 'non_return') p.nonReturn += t.cycles;
    byProvince.set(t.province, p);
  }
  const provinceRows = [...byProvince.values()].sort((a, b) => (a.province < b.province ? -1 : a.province > b.province ? 1 : 0));
  const called = calls?.called ?? 0;
  const refused = calls?.refused ?? 0;
  const offerViews = offerRows.map(({ offer, employerName }) => ({ ...offer, employerName, filled: filled.get(offer.id) ?? 0 }));
  const byEmployer = new Map<string, { employerId: string; name: string; posts: number; filled: number }>();
  for (const o of offerViews) {
    const e = byEmployer.get(o.employerId) ?? { employerId: o.employerId, name: o.employerName, posts: 0, filled: 0 };
    e.posts += o.posts;
    e.filled += o.filled;
    byEmployer.set(o.employerId, e);
  }
  return {
    ...campaign,
    createdAt: campaign.createdAt.toISOString(),
    offers: offerViews,
    stageCounts,
    outcomeCounts,
    employers: [...byEmployer.values()],
    provinces: provinceRows,
    reserve: { onList, called, refused, refusals: refusals.map((r) => ({ ...r, reason: r.reason ?? '', calledAt: r.calledAt.toISOString() })) },
  };
}

