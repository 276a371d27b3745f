// Campaign reads and writes (SQL only; the routes map and answer).
import { seatsHeldByOffer } from '../../db/queries/contracting';
import { and, asc, desc, count, eq, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '../../db/client';
import { campaigns, candidates, consulates, employers, offers, reserveCalls, workerCycles } from '../../db/schema';
import { conflict, notFound, unprocessable } from '../errors';
import type { Page } from '../paging';
import type { campaignInput, campaignView } from '../schemas';

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
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  if (!campaign) return undefined;
  const offerRows = await db
    .select({ offer: offers, employerName: employers.name })
    .from(offers)
    .innerJoin(employers, eq(employers.id, offers.employerId))
    .where(eq(offers.campaignId, campaignId))
    .orderBy(asc(offers.id));
  // the seats the eligibility gate counts (an employer change moves one to the new employer's offer)
  const filled = await seatsHeldByOffer(db, offerRows.map((r) => r.offer.id));
  const stageRows = await db
    .select({ stage: workerCycles.stage, n: count() })
    .from(workerCycles)
    .where(eq(workerCycles.campaignId, campaignId))
    .groupBy(workerCycles.stage);
  const outcomeRows = await db
    .select({ outcome: workerCycles.outcome, n: count() })
    .from(workerCycles)
    .where(and(eq(workerCycles.campaignId, campaignId), sql`${workerCycles.outcome} is not null`))
    .groupBy(workerCycles.outcome);
  const provinceRows = await db
    .select({
      province: workerCycles.province,
      cycles: count(),
      women: sql<number>`count(*) filter (where ${candidates.sex} = 'F')`.mapWith(Number),
      selected: sql<number>`count(*) filter (where ${workerCycles.offerId} is not null)`.mapWith(Number),
      embarked: sql<number>`count(*) filter (where ${workerCycles.embarkedAt} is not null)`.mapWith(Number),
      returned: sql<number>`count(*) filter (where ${workerCycles.outcome} in ('returned', 'returned_late', 'early_return'))`.mapWith(Number),
      nonReturn: sql<number>`count(*) filter (where ${workerCycles.outcome} = 'non_return')`.mapWith(Number),
    })
    .from(workerCycles)
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .where(eq(workerCycles.campaignId, campaignId))
    .groupBy(workerCycles.province)
    .orderBy(asc(workerCycles.province));
  const [reserve] = await db
    .select({ onList: sql<number>`count(*) filter (where ${workerCycles.reserveRank} is not null)`.mapWith(Number) })
    .from(workerCycles)
    .where(eq(workerCycles.campaignId, campaignId));
  const called = await db.$count(reserveCalls, and(eq(reserveCalls.campaignId, campaignId), eq(reserveCalls.status, 'selected')));
  // Reserves the eligibility gate or their own cycle refused, with why (the 50 latest; the count is exact).
  const refusedWhere = and(eq(reserveCalls.campaignId, campaignId), eq(reserveCalls.status, 'refused'));
  const refused = await db.$count(reserveCalls, refusedWhere);
  const refusals = refused
    ? await db.select({ reserveCycleId: reserveCalls.reserveCycleId, offerId: reserveCalls.offerId, reason: reserveCalls.reason, calledAt: reserveCalls.calledAt }).from(reserveCalls).where(refusedWhere).orderBy(desc(reserveCalls.calledAt)).limit(50)
    : [];
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
    stageCounts: Object.fromEntries(stageRows.map((r) => [r.stage, r.n])),
    outcomeCounts: Object.fromEntries(outcomeRows.map((r) => [r.outcome ?? 'none', r.n])),
    employers: [...byEmployer.values()],
    provinces: provinceRows,
    reserve: { onList: reserve?.onList ?? 0, called, refused, refusals: refusals.map((r) => ({ ...r, reason: r.reason ?? '', calledAt: r.calledAt.toISOString() })) },
  };
}

