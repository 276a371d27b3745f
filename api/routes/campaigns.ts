import { and, asc, count, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { campaigns, candidates, employers, offers, reserveCalls, workerCycles } from '../../db/schema';
import type { campaignWorkflow } from '../../workflows/campaign';
import { CAMPAIGN_TASK_QUEUE, advanceStageUpdate, campaignWorkflowId } from '../../workflows/contracts/campaign';
import { CampaignIdKey, SeasonKey, StageKey } from '../../workflows/contracts/search-attributes';
import { conflict, notFound, unprocessable, type FieldIssue } from '../errors';
import { campaignInput, campaignView, errorSchema, stageMoveBody } from '../schemas';

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
  const provinceRows = await db
    .select({
      province: workerCycles.province,
      cycles: count(),
      women: sql<number>`count(*) filter (where ${candidates.sex} = 'F')`.mapWith(Number),
      selected: sql<number>`count(*) filter (where ${workerCycles.offerId} is not null)`.mapWith(Number),
      embarked: sql<number>`count(*) filter (where ${workerCycles.embarkedAt} is not null)`.mapWith(Number),
      returned: sql<number>`count(*) filter (where ${workerCycles.outcome} in ('returned', 'returned_late'))`.mapWith(Number),
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
    reserve: { onList: reserve?.onList ?? 0, called },
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
  const { db, temporal, config } = app.deps;

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
            reserveCutoff: body.reserveCutoff,
            visaWeeklyCapacity: body.visaWeeklyCapacity,
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
        // The season's workflow starts with its rows: if Temporal refuses, nothing is written.
        await temporal.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
          workflowId: campaignWorkflowId(body.id),
          taskQueue: CAMPAIGN_TASK_QUEUE,
          args: [{ campaignId: body.id, season: body.season, reserveCheckInterval: (body.reserveCheckInterval ?? config.RESERVE_CHECK_INTERVAL) as never }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: [
            { key: CampaignIdKey, value: body.id },
            { key: SeasonKey, value: body.season },
            { key: StageKey, value: 'draft' },
          ],
        });
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

  app.post(
    '/campaigns/:campaignId/stage',
    {
      schema: {
        tags: ['campaigns'],
        summary: 'Move the campaign to its next stage (refused with 409 when out of order or its preconditions fail)',
        params: z.object({ campaignId: z.string() }),
        body: stageMoveBody,
        response: {
          200: z.object({ campaignId: z.string(), stage: z.string(), stages: z.array(z.object({ stage: z.string(), at: z.string(), by: z.string() })) }),
          400: errorSchema,
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (req) => {
      const [campaign] = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, req.params.campaignId));
      if (!campaign) throw notFound(`campaign ${req.params.campaignId}`);
      const state = await temporal.workflow.getHandle<typeof campaignWorkflow>(campaignWorkflowId(campaign.id)).executeUpdate(advanceStageUpdate, { args: [req.body] });
      return { campaignId: state.campaignId, stage: state.stage, stages: state.stages };
    },
  );
};
