// One person across campaigns and years: history, re-hire by name under the multi-year framework,
// the reintegration track after return, and the reports the ministry reads.
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { startWorkerCycle } from '../../activities/start-worker-cycle';
import {
  campaigns,
  candidates,
  documents,
  employers,
  offers,
  reintegrationEnrolments,
  reintegrationSteps,
  workAuthorisations,
  workerCycles,
} from '../../db/schema';
import { DEFAULT_CYCLE_TIMINGS, workerCycleWorkflowId, type CycleTimings } from '../../workflows/contracts/worker-cycle';
import { activeAuthorisation, contractIneligibility } from '../circular';
import { conflict, notFound, unprocessable } from '../errors';
import { actor, errorSchema, timingsInput } from '../schemas';

const isoDate = z.iso.date();
const candidateParams = z.object({ candidateId: z.coerce.number().int().positive() });

const historyView = z.object({
  candidate: z.object({ id: z.number(), nationalId: z.string(), firstName: z.string(), lastName: z.string(), sex: z.string(), province: z.string(), commune: z.string(), blockedUntil: z.string().nullable(), blockedReason: z.string().nullable() }),
  authorisations: z.array(z.object({ number: z.string(), sector: z.string(), startsOn: z.string(), endsOn: z.string(), status: z.string(), statusReason: z.string().nullable() })),
  seasons: z.array(
    z.object({
      cycleId: z.string(),
      campaignId: z.string(),
      season: z.number(),
      rehire: z.boolean(),
      stage: z.string(),
      outcome: z.string().nullable(),
      employer: z.object({ id: z.string(), name: z.string() }).nullable(),
      offerId: z.string().nullable(),
      contractStart: z.string().nullable(),
      contractEnd: z.string().nullable(),
      embarkedAt: z.string().nullable(),
      returnedOn: z.string().nullable(),
      returnProof: z.string().nullable(),
      nextSeasonEligible: z.boolean().nullable(),
      documents: z.array(z.object({ id: z.number(), kind: z.string(), url: z.string() })),
    }),
  ),
  monthsWorked: z.number().describe('months of contract actually served (embarked seasons)'),
  reintegration: z.array(z.object({ programme: z.string(), status: z.string(), outcome: z.string().nullable(), businessName: z.string().nullable(), steps: z.array(z.object({ step: z.string(), completedOn: z.string() })) })),
});

const rehireBody = z.object({
  nationalId: z.string().transform((s) => s.trim().toUpperCase()),
  offerId: z.string().min(1),
  requestedBy: actor,
  timings: timingsInput.optional(),
});

const enrolBody = z.object({ programme: z.string().min(2).max(60).default('WAFIRA'), enrolledOn: isoDate, enrolledBy: actor });
const stepBody = z.object({ step: z.enum(['training', 'financial_education', 'business_support', 'spanish_language']), completedOn: isoDate, recordedBy: actor });
const outcomeBody = z.object({
  outcome: z.enum(['business_created', 'employed', 'training_only', 'none']),
  businessName: z.string().min(1).max(200).optional().describe('required when a business was created'),
  outcomeOn: isoDate,
  recordedBy: actor,
});
const programmeParams = candidateParams.extend({ programme: z.string().min(2).max(60) });

export const workerRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, config } = app.deps;

  async function personOr404(candidateId: number) {
    const [c] = await db.select().from(candidates).where(eq(candidates.id, candidateId));
    if (!c) throw notFound(`candidate ${candidateId}`);
    return c;
  }

  app.get(
    '/candidates/:candidateId/history',
    {
      schema: {
        tags: ['workers'],
        summary: "A worker's record across campaigns and years: every season, employer, contract, return and document",
        params: candidateParams,
        response: { 200: historyView, 400: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const person = await personOr404(req.params.candidateId);
      const auths = await db.select().from(workAuthorisations).where(eq(workAuthorisations.candidateId, person.id)).orderBy(asc(workAuthorisations.startsOn));
      const cycles = await db
        .select({ cycle: workerCycles, season: campaigns.season, employerName: employers.name })
        .from(workerCycles)
        .innerJoin(campaigns, eq(campaigns.id, workerCycles.campaignId))
        .leftJoin(employers, eq(employers.id, workerCycles.employerId))
        .where(eq(workerCycles.candidateId, person.id))
        .orderBy(asc(campaigns.season), asc(workerCycles.startedAt));
      const docs = cycles.length
        ? await db.select({ id: documents.id, kind: documents.kind, cycleId: documents.cycleId }).from(documents).where(inArray(documents.cycleId, cycles.map((c) => c.cycle.id))).orderBy(asc(documents.id))
        : [];
      const enrolments = await db.select().from(reintegrationEnrolments).where(eq(reintegrationEnrolments.candidateId, person.id));
      const steps = enrolments.length
        ? await db.select().from(reintegrationSteps).where(inArray(reintegrationSteps.enrolmentId, enrolments.map((e) => e.id)))
        : [];
      const DAY = 86_400_000;
      const monthsWorked = cycles
        .filter((c) => c.cycle.embarkedAt && c.cycle.contractStart && c.cycle.contractEnd)
        .reduce((m, c) => m + (Date.parse(c.cycle.contractEnd!) - Date.parse(c.cycle.contractStart!) + DAY) / DAY / 30.4375, 0);
      return {
        candidate: person,
        authorisations: auths,
        seasons: cycles.map(({ cycle: c, season, employerName }) => ({
          cycleId: c.id,
          campaignId: c.campaignId,
          season,
          rehire: c.rehire,
          stage: c.stage,
          outcome: c.outcome,
          employer: c.employerId ? { id: c.employerId, name: employerName ?? '' } : null,
          offerId: c.offerId,
          contractStart: c.contractStart,
          contractEnd: c.contractEnd,
          embarkedAt: c.embarkedAt?.toISOString() ?? null,
          returnedOn: c.returnedOn,
          returnProof: c.returnProof,
          nextSeasonEligible: c.nextSeasonEligible,
          documents: docs.filter((d) => d.cycleId === c.id).map((d) => ({ id: d.id, kind: d.kind, url: `/documents/${d.id}` })),
        })),
        monthsWorked: Math.round(monthsWorked * 10) / 10,
        reintegration: enrolments.map((e) => ({
          programme: e.programme,
          status: e.status,
          outcome: e.outcome,
          businessName: e.businessName,
          steps: steps.filter((s) => s.enrolmentId === e.id).map((s) => ({ step: s.step, completedOn: s.completedOn })),
        })),
      };
    },
  );

  app.post(
    '/campaigns/:campaignId/rehires',
    {
      schema: {
        tags: ['workers'],
        summary: 'An employer requests a returning worker by name: the cycle starts without a new selection',
        description:
          'Refused with 422 and the reason when the worker is not eligible: last season not closed with a verified return, blocked after a non-return, no active multi-year authorisation covering the contract, or more than 9 months of work in a 12-month window.',
        params: z.object({ campaignId: z.string() }),
        body: rehireBody,
        response: { 201: z.object({ cycleId: z.string(), created: z.boolean() }), 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, req.params.campaignId));
      if (!campaign) throw notFound(`campaign ${req.params.campaignId}`);
      const [person] = await db.select().from(candidates).where(eq(candidates.nationalId, req.body.nationalId));
      if (!person) throw notFound(`worker ${req.body.nationalId}`);
      const [offer] = await db.select().from(offers).where(and(eq(offers.id, req.body.offerId), eq(offers.campaignId, campaign.id)));
      if (!offer) throw unprocessable(`offer ${req.body.offerId} is not an offer of campaign ${campaign.id}`, [{ field: 'body.offerId', reason: 'unknown in this campaign' }]);

      const cycleId = workerCycleWorkflowId(campaign.id, person.id);
      const [existing] = await db.select({ id: workerCycles.id }).from(workerCycles).where(eq(workerCycles.id, cycleId));
      if (existing) throw conflict(`${req.body.nationalId} already has a cycle in campaign ${campaign.id} (${cycleId})`);
      const issues: { field: string; reason: string }[] = [];
      const [last] = await db
        .select({ id: workerCycles.id, stage: workerCycles.stage, outcome: workerCycles.outcome, eligible: workerCycles.nextSeasonEligible })
        .from(workerCycles)
        .innerJoin(campaigns, eq(campaigns.id, workerCycles.campaignId))
        .where(eq(workerCycles.candidateId, person.id))
        .orderBy(desc(campaigns.season), desc(workerCycles.startedAt))
        .limit(1);
      if (!last) issues.push({ field: 'nationalId', reason: 'no previous season: a first season needs a selection' });
      else if (last.stage !== 'closed') issues.push({ field: 'nationalId', reason: `the previous season (${last.id}) is still open at ${last.stage}` });
      else if (!last.eligible) issues.push({ field: 'nationalId', reason: `the previous season (${last.id}) closed as ${last.outcome}: not eligible for re-hire by name` });
      const auth = await activeAuthorisation(db, person.id);
      if (!auth) issues.push({ field: 'nationalId', reason: 'no multi-year work authorisation' });
      issues.push(...(await contractIneligibility(db, person.id, { start: offer.contractStart, end: offer.contractEnd }, { excludeCycleId: cycleId })));
      const unique = issues.filter((i, n) => issues.findIndex((j) => j.reason === i.reason) === n);
      if (unique.length) throw unprocessable(`${req.body.nationalId} cannot be re-hired: ${unique.map((i) => i.reason).join('; ')}`, unique.map((i) => ({ field: `body.${i.field}`, reason: i.reason })));

      const timings = { ...DEFAULT_CYCLE_TIMINGS, ...config.CYCLE_TIMINGS, ...req.body.timings } as CycleTimings;
      await db.transaction(async (tx) => {
        await tx.insert(workerCycles).values({ id: cycleId, campaignId: campaign.id, candidateId: person.id, province: person.province, stage: 'preselected', rehire: true }).onConflictDoNothing();
        const started = await startWorkerCycle(temporal, {
          campaignId: campaign.id,
          season: campaign.season,
          candidateId: person.id,
          province: person.province,
          startedBy: req.body.requestedBy,
          timings,
          rehire: { employerId: offer.employerId, offerId: offer.id, contractStart: offer.contractStart, contractEnd: offer.contractEnd, authorisationNumber: auth!.number, requestedBy: req.body.requestedBy },
        });
        if (started === 'already_ran') throw conflict(`a cycle ${cycleId} already ran`);
      });
      return reply.code(201).send({ cycleId, created: true });
    },
  );

  // --- reintegration track ---------------------------------------------------------------------------
  app.post(
    '/candidates/:candidateId/reintegration',
    {
      schema: {
        tags: ['reintegration'],
        summary: 'Enrol a returned worker in a reintegration programme (e.g. WAFIRA)',
        params: candidateParams,
        body: enrolBody,
        response: { 201: z.object({ programme: z.string(), status: z.string() }), 200: z.object({ programme: z.string(), status: z.string() }), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const person = await personOr404(req.params.candidateId);
      const returned = await db.$count(workerCycles, and(eq(workerCycles.candidateId, person.id), sql`${workerCycles.outcome} in ('returned', 'returned_late')`));
      if (returned === 0) throw conflict('reintegration follows a verified return: this worker has none');
      const [created] = await db
        .insert(reintegrationEnrolments)
        .values({ candidateId: person.id, programme: req.body.programme, enrolledOn: req.body.enrolledOn, enrolledBy: req.body.enrolledBy })
        .onConflictDoNothing()
        .returning();
      if (created) return reply.code(201).send({ programme: created.programme, status: created.status });
      const [e] = await db.select().from(reintegrationEnrolments).where(and(eq(reintegrationEnrolments.candidateId, person.id), eq(reintegrationEnrolments.programme, req.body.programme)));
      return reply.code(200).send({ programme: e!.programme, status: e!.status });
    },
  );

  async function enrolmentOr404(candidateId: number, programme: string) {
    const [e] = await db.select().from(reintegrationEnrolments).where(and(eq(reintegrationEnrolments.candidateId, candidateId), eq(reintegrationEnrolments.programme, programme)));
    if (!e) throw notFound(`enrolment of candidate ${candidateId} in ${programme}`);
    return e;
  }

  app.post(
    '/candidates/:candidateId/reintegration/:programme/steps',
    {
      schema: {
        tags: ['reintegration'],
        summary: 'Record a completed step (training, financial education, business support, Spanish)',
        params: programmeParams,
        body: stepBody,
        response: { 201: z.object({ step: z.string(), completedOn: z.string() }), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const e = await enrolmentOr404(req.params.candidateId, req.params.programme);
      if (e.status !== 'enrolled') throw conflict(`the enrolment is ${e.status}`);
      await db.insert(reintegrationSteps).values({ enrolmentId: e.id, step: req.body.step, completedOn: req.body.completedOn, recordedBy: req.body.recordedBy }).onConflictDoNothing();
      return reply.code(201).send({ step: req.body.step, completedOn: req.body.completedOn });
    },
  );

  app.post(
    '/candidates/:candidateId/reintegration/:programme/outcome',
    {
      schema: {
        tags: ['reintegration'],
        summary: 'Close the enrolment with its outcome (e.g. business created)',
        params: programmeParams,
        body: outcomeBody,
        response: { 200: z.object({ programme: z.string(), status: z.string(), outcome: z.string() }), 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req) => {
      const e = await enrolmentOr404(req.params.candidateId, req.params.programme);
      if (e.status !== 'enrolled') throw conflict(`the enrolment is already ${e.status}`);
      if (req.body.outcome === 'business_created' && !req.body.businessName) {
        throw unprocessable('a created business needs its name', [{ field: 'body.businessName', reason: 'required when outcome is business_created' }]);
      }
      await db
        .update(reintegrationEnrolments)
        .set({ status: 'completed', outcome: req.body.outcome, businessName: req.body.businessName ?? null, outcomeOn: req.body.outcomeOn })
        .where(eq(reintegrationEnrolments.id, e.id));
      return { programme: e.programme, status: 'completed', outcome: req.body.outcome };
    },
  );

  // --- reports -----------------------------------------------------------------------------------------
  app.get(
    '/reports/seasons/:season',
    {
      schema: {
        tags: ['reports'],
        summary: 'Placements, returns, non-returns and re-hires of a season, by province and sex',
        params: z.object({ season: z.coerce.number().int().min(2000).max(2100) }),
        response: {
          200: z.object({
            season: z.number(),
            rows: z.array(z.object({ province: z.string(), sex: z.string(), placed: z.number(), returned: z.number(), returnedLate: z.number(), nonReturn: z.number(), rehired: z.number(), returnRate: z.number().nullable() })),
            blockedWorkers: z.number().describe('workers currently blocked after a non-return'),
          }),
          400: errorSchema,
        },
      },
    },
    async (req) => {
      const rows = await db.execute<{ province: string; sex: string; placed: number; returned: number; returned_late: number; non_return: number; rehired: number }>(sql`
        select w.province, c.sex,
          count(*) filter (where w.embarked_at is not null)::int as placed,
          count(*) filter (where w.outcome = 'returned')::int as returned,
          count(*) filter (where w.outcome = 'returned_late')::int as returned_late,
          count(*) filter (where w.outcome = 'non_return')::int as non_return,
          count(*) filter (where w.rehire)::int as rehired
        from worker_cycles w join campaigns k on k.id = w.campaign_id join candidates c on c.id = w.candidate_id
        where k.season = ${req.params.season}
        group by w.province, c.sex order by w.province, c.sex`);
      const today = new Date().toISOString().slice(0, 10);
      const blocked = await db.$count(candidates, sql`${candidates.blockedUntil} >= ${today}`);
      return {
        season: req.params.season,
        rows: rows.map((r) => {
          const closedAfterSeason = r.returned + r.returned_late + r.non_return;
          return { province: r.province, sex: r.sex, placed: r.placed, returned: r.returned, returnedLate: r.returned_late, nonReturn: r.non_return, rehired: r.rehired, returnRate: closedAfterSeason ? Math.round(((r.returned + r.returned_late) / closedAfterSeason) * 1000) / 1000 : null };
        }),
        blockedWorkers: blocked,
      };
    },
  );

  app.get(
    '/reports/reintegration',
    {
      schema: {
        tags: ['reports'],
        summary: 'Reintegration enrolments and outcomes by programme',
        response: { 200: z.array(z.object({ programme: z.string(), enrolled: z.number(), completed: z.number(), businessesCreated: z.number(), employed: z.number() })) },
      },
    },
    async () => {
      const rows = await db
        .select({
          programme: reintegrationEnrolments.programme,
          enrolled: sql<number>`count(*)`.mapWith(Number),
          completed: sql<number>`count(*) filter (where ${reintegrationEnrolments.status} = 'completed')`.mapWith(Number),
          businessesCreated: sql<number>`count(*) filter (where ${reintegrationEnrolments.outcome} = 'business_created')`.mapWith(Number),
          employed: sql<number>`count(*) filter (where ${reintegrationEnrolments.outcome} = 'employed')`.mapWith(Number),
        })
        .from(reintegrationEnrolments)
        .groupBy(reintegrationEnrolments.programme)
        .orderBy(asc(reintegrationEnrolments.programme));
      return rows;
    },
  );
};
