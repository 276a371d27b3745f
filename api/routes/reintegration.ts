// The reintegration track after a verified return (e.g. WAFIRA), and the reports the ministry reads.
import { reachOf } from '../auth/jurisdiction';
import type { FastifyRequest } from 'fastify';
import { actedBy, actorOf } from '../auth/access';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { conflict, notFound, unprocessable } from '../errors';
import { closeEnrolment, enrol, enrolment, personOr404, recordStep, reintegrationReport, verifiedReturns } from '../queries/workers';
import { note, dbIdParam } from '../schemas';
import { createdOrFound, route } from './define';
import { loadSeasonReport, seasonParams, seasonReportView } from '../views/season-report';

const isoDate = z.iso.date();
export const candidateParams = z.object({ candidateId: dbIdParam });
const programmeParams = candidateParams.extend({ programme: z.string().min(2).max(60) });

const enrolBody = z.object({ programme: z.string().min(2).max(60).default('WAFIRA'), enrolledOn: isoDate, note });
const stepBody = z.object({ step: z.enum(['training', 'financial_education', 'business_support', 'spanish_language']), completedOn: isoDate, note });
const outcomeBody = z.object({
  outcome: z.enum(['business_created', 'employed', 'training_only', 'none']),
  businessName: z.string().min(1).max(200).optional().describe('required when a business was created'),
  outcomeOn: isoDate,
  note,
});
const enrolmentView = z.object({ programme: z.string(), status: z.string() });

export const reintegrationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  /** The enrolment, open: 404 when unknown, 409 once closed. */
  async function openEnrolment(req: FastifyRequest, candidateId: number, programme: string) {
    await personOr404(db, candidateId, reachOf(actorOf(req))); // outside the caller's reach: 404
    const e = await enrolment(db, candidateId, programme);
    if (!e) throw notFound(`enrolment of candidate ${candidateId} in ${programme}`);
    if (e.status !== 'enrolled') throw conflict(`the enrolment is already ${e.status}`);
    return e;
  }

  app.post('/candidates/:candidateId/reintegration', route({
    scope: 'reintegration:record', tags: ['reintegration'],
    summary: 'Enrol a returned worker in a reintegration programme (e.g. WAFIRA)',
    params: candidateParams, body: enrolBody,
    response: createdOrFound(enrolmentView), problems: [404, 409],
  }), async (req, reply) => {
    const person = await personOr404(db, req.params.candidateId, reachOf(actorOf(req)));
    if ((await verifiedReturns(db, person.id)) === 0) throw conflict('reintegration follows a verified return: this worker has none');
    const { enrolment: e, created } = await enrol(db, { candidateId: person.id, programme: req.body.programme, enrolledOn: req.body.enrolledOn, enrolledBy: actedBy(req, req.body.note) });
    return reply.code(created ? 201 : 200).send({ programme: e.programme, status: e.status });
  });

  app.post('/candidates/:candidateId/reintegration/:programme/steps', route({
    scope: 'reintegration:record', tags: ['reintegration'],
    summary: 'Record a completed step (training, financial education, business support, Spanish)',
    params: programmeParams, body: stepBody,
    response: { 201: z.object({ step: z.string(), completedOn: z.string() }) }, problems: [404, 409],
  }), async (req, reply) => {
    const e = await openEnrolment(req, req.params.candidateId, req.params.programme);
    await recordStep(db, { enrolmentId: e.id, step: req.body.step, completedOn: req.body.completedOn, recordedBy: actedBy(req, req.body.note) });
    return reply.code(201).send({ step: req.body.step, completedOn: req.body.completedOn });
  });

  app.post('/candidates/:candidateId/reintegration/:programme/outcome', route({
    scope: 'reintegration:record', tags: ['reintegration'],
    summary: 'Close the enrolment with its outcome (e.g. business created)',
    params: programmeParams, body: outcomeBody,
    response: { 200: z.object({ programme: z.string(), status: z.string(), outcome: z.string() }) }, problems: [404, 409, 422],
  }), async (req) => {
    const e = await openEnrolment(req, req.params.candidateId, req.params.programme);
    if (req.body.outcome === 'business_created' && !req.body.businessName) {
      throw unprocessable('a created business needs its name', [{ field: 'body.businessName', reason: 'required when outcome is business_created' }]);
    }
    await closeEnrolment(db, e.id, { outcome: req.body.outcome, businessName: req.body.businessName ?? null, outcomeOn: req.body.outcomeOn });
    return { programme: e.programme, status: 'completed', outcome: req.body.outcome };
  });

  app.get('/reports/seasons/:season', route({
    scope: 'report:read', tags: ['reports'],
    summary: 'Placements, returns, non-returns and re-hires of a season, by province and sex',
    params: seasonParams, response: { 200: seasonReportView },
  }), async (req) => loadSeasonReport(db, req.params.season));

  app.get('/reports/reintegration', route({
    scope: 'report:read', tags: ['reports'],
    summary: 'Reintegration enrolments and outcomes by programme',
    response: { 200: z.array(z.object({ programme: z.string(), enrolled: z.number(), completed: z.number(), businessesCreated: z.number(), employed: z.number() })) },
  }), async () => reintegrationReport(db));
};
