import { and, asc, count, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { campaigns, employers, offers, workerCycles } from '../../db/schema';
import { conflict, notFound, unprocessable, type FieldIssue } from '../errors';
import { campaignInput, campaignView, errorSchema } from '../schemas';

const DAY_MS = 86_400_000;
const AVG_MONTH_DAYS = 30.44;
// Outcomes that still occupy the post they were selected for (the worker went to Spain).
const POST_KEEPING_OUTCOMES = ['returned', 'returned_late', 'non_return'];

export async function loadCampaignView(db: Db, campaignId: string): Promise<z.infer<typeof campaignView> | undefined> {
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  if (!campaign) return undefined;
  const offerRows = await db
    .select({ offer: offers, employerName: employers.name })
    .from(offers)
    .innerJoin(employers, eq(employers.id, offers.employerId))
    .where(eq(offers.campaignId, campaignId))
    .orderBy(asc(offers.id));
  const filledRows = await db
    .select({ offerId: workerCycles.offerId, n: count() })
    .from(workerCycles)
    .where(
      and(
        eq(workerCycles.campaignId, campaignId),
        or(isNull(workerCycles.outcome), inArray(workerCycles.outcome, POST_KEEPING_OUTCOMES)),
        sql`${workerCycles.offerId} is not null`,
      ),
    )
    .groupBy(workerCycles.offerId);
  const filled = new Map(filledRows.map((r) => [r.offerId, r.n]));
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
  return {
    ...campaign,
    createdAt: campaign.createdAt.toISOString(),
    offers: offerRows.map(({ offer, employerName }) => ({ ...offer, employerName, filled: filled.get(offer.id) ?? 0 })),
    stageCounts: Object.fromEntries(stageRows.map((r) => [r.stage, r.n])),
    outcomeCounts: Object.fromEntries(outcomeRows.map((r) => [r.outcome ?? 'none', r.n])),
  };
}

function checkOfferDates(body: z.infer<typeof campaignInput>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  body.offers.forEach((o, i) => {
    const field = `body.offers.${i}`;
    const spanDays = (Date.parse(o.contractEnd) - Date.parse(o.contractStart)) / DAY_MS;
    if (spanDays <= 0) {
      issues.push({ field: `${field}.contractEnd`, reason: 'the contract must end after it starts' });
      return;
    }
    const spanMonths = spanDays / AVG_MONTH_DAYS;
    if (spanMonths > 9.05) issues.push({ field: `${field}.contractEnd`, reason: 'the contract dates span more than 9 months' });
    else if (Math.abs(spanMonths - o.contractMonths) > 1) {
      issues.push({
        field: `${field}.contractMonths`,
        reason: `${o.contractMonths} months does not match the contract dates (${spanMonths.toFixed(1)} months)`,
      });
    }
    if (Number(o.contractStart.slice(0, 4)) < body.season - 1 || Number(o.contractStart.slice(0, 4)) > body.season + 1) {
      issues.push({ field: `${field}.contractStart`, reason: `the contract does not start in season ${body.season}` });
    }
  });
  return issues;
}

export const campaignRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  app.post(
    '/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Create a campaign (season) with its employers and offers',
        body: campaignInput,
        response: { 201: campaignView, 400: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const issues = checkOfferDates(body);
      if (issues.length) throw unprocessable(`invalid offer terms: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`, issues);

      const perEmployer = new Map<string, number>();
      const offerIds = body.offers.map((o) => {
        const n = (perEmployer.get(o.employer.id) ?? 0) + 1;
        perEmployer.set(o.employer.id, n);
        return o.id ?? `${body.id}-${o.employer.id.toLowerCase()}-${n}`;
      });
      const dup = offerIds.find((id, i) => offerIds.indexOf(id) !== i);
      if (dup) throw unprocessable(`offer id ${dup} appears twice`, [{ field: 'body.offers', reason: `duplicate offer id ${dup}` }]);

      await db.transaction(async (tx) => {
        const created = await tx
          .insert(campaigns)
          .values({
            id: body.id,
            name: body.name,
            season: body.season,
            destinationProvince: body.destinationProvince,
            sector: body.sector,
            createdBy: body.createdBy,
          })
          .onConflictDoNothing()
          .returning({ id: campaigns.id });
        if (created.length === 0) throw conflict(`campaign ${body.id} already exists`, [{ field: 'body.id', reason: 'already exists' }]);
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
      });
      return reply.code(201).send((await loadCampaignView(db, body.id))!);
    },
  );

  app.get(
    '/campaigns',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'List campaigns',
        response: { 200: z.array(z.object({ id: z.string(), name: z.string(), season: z.number(), createdAt: z.string() })) },
      },
    },
    async () => {
      const rows = await db.select().from(campaigns).orderBy(asc(campaigns.season), asc(campaigns.id));
      return rows.map((c) => ({ id: c.id, name: c.name, season: c.season, createdAt: c.createdAt.toISOString() }));
    },
  );

  app.get(
    '/campaigns/:campaignId',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'A campaign with its offers, quota fill and per-stage counts',
        params: z.object({ campaignId: z.string() }),
        response: { 200: campaignView, 404: errorSchema },
      },
    },
    async (req) => {
      const view = await loadCampaignView(db, req.params.campaignId);
      if (!view) throw notFound(`campaign ${req.params.campaignId}`);
      return view;
    },
  );
};
