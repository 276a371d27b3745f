// The reintegration track after a verified return (e.g. WAFIRA), and the reports the ministry reads.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { conflict, notFound, unprocessable } from '../errors';
import { closeEnrolment, enrol, enrolment, personOr404, recordStep, reintegrationReport, seasonReport, verifiedReturns } from '../queries/workers';
import { actor, errorSchema, dbIdParam } from '../schemas';

const isoDate = z.iso.date();
export const candidateParams = z.object({ candidateId: dbIdParam });
const programmeParams = candidateParams.extend({ programme: z.string().min(2).max(60) });

const enrolBody = z.object({ programme: z.string().min(2).max(60).default('WAFIRA'), enrolledOn: isoDate, enrolledBy: actor });
const stepBody = z.object({ step: z.enum(['training', 'financial_education', 'business_support', 'spanish_language']), completedOn: isoDate, recordedBy: actor });
const outcomeBody = z.object({
  outcome: z.enum(['business_created', 'employed', 'training_only', 'none']),
  businessName: z.string().min(1).max(200).optional().describe('required when a business was created'),
  outcomeOn: isoDate,
  recordedBy: actor,
});
const enrolmentView = z.object({ programme: z.string(), status: z.string() });
const seasonReportView = z.object({
  season: z.number(),
  rows: z.array(z.object({ province: z.string(), sex: z.string(), placed: z.number(), returned: z.number(), returnedLate: z.number(), nonReturn: z.number(), rehired: z.number(), returnRate: z.number().nullable() })),
  blockedWorkers: z.number().describe('workers currently blocked after a non-return'),
});

export const reintegrationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  /** The enrolment, open: 404 when unknown, 409 once closed. */
  async function openEnrolment(candidateId: number, programme: string) {
    const e = await enrolment(db, candidateId, programme);
    if (!e) throw notFound(`enrolment of candidate ${candidateId} in ${programme}`);
    if (e.status !== 'enrolled') throw conflict(`the enrolment is already ${e.status}`);
    return e;
  }

  app.post(
    '/candidates/:candidateId/reintegration',
    {
      schema: {
        tags: ['reintegration'],
        summary: 'Enrol a returned worker in a reintegration programme (e.g. WAFIRA)',
        params: candidateParams,
        body: enrolBody,
        response: { 201: enrolmentView, 200: enrolmentView, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const person = await personOr404(db, req.params.candidateId);
      if ((await verifiedReturns(db, person.id)) === 0) throw conflict('reintegration follows a verified return: this worker has none');
      const { enrolment: e, created } = await enrol(db, { candidateId: person.id, ...req.body });
      return reply.code(created ? 201 : 200).send({ programme: e.programme, status: e.status });
    },
  );

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
      const e = await openEnrolment(req.params.candidateId, req.params.programme);
      await recordStep(db, { enrolmentId: e.id, ...req.body });
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
      const e = await openEnrolment(req.params.candidateId, req.params.programme);
      if (req.body.outcome === 'business_created' && !req.body.businessName) {
        throw unprocessable('a created business needs its name', [{ field: 'body.businessName', reason: 'required when outcome is business_created' }]);
      }
      await closeEnrolment(db, e.id, { outcome: req.body.outcome, businessName: req.body.businessName ?? null, outcomeOn: req.body.outcomeOn });
      return { programme: e.programme, status: 'completed', outcome: req.body.outcome };
    },
  );

  app.get(
    '/reports/seasons/:season',
    {
      schema: {
        tags: ['reports'],
        summary: 'Placements, returns, non-returns and re-hires of a season, by province and sex',
        params: z.object({ season: z.coerce.number().int().min(2000).max(2100) }),
        response: { 200: seasonReportView, 400: errorSchema },
      },
    },
    async (req) => {
      const { rows, blocked } = await seasonReport(db, req.params.season);
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
        response: { 200: z.array(z.object({ programme: z.string(), enrolled: z.number(), completed: z.number(), businessesCreated: z.number(), employed: z.number() })), 400: errorSchema },
      },
    },
    async () => reintegrationReport(db),
  );
};
