// One person across campaigns and years: history and re-hire by name under the multi-year framework. The
// reintegration track after return and the ministry's reports are in reintegration.ts.
import { logRead } from '../access-log';
import { actorOf } from '../auth/access';
import { reachOf } from '../auth/jurisdiction';
import { actedBy } from '../auth/access';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { startWorkerCycle } from '../../activities/start-worker-cycle';
import { DEFAULT_CYCLE_TIMINGS, workerCycleWorkflowId, type CycleTimings } from '../../workflows/contracts/worker-cycle';
import { admitOne } from '../../db/queries/contracting';
import { isQuotaOnly } from '../../workflows/contracts/eligibility';
import { CYCLE_STEPS } from '../../workflows/contracts/steps';
import { conflict, notFound, unprocessable } from '../errors';
import { campaignOr404 } from '../queries/campaigns';
import { cycleRow, insertRehireCycle, loadHistory, offerOfCampaign, personByNationalId, personOr404 } from '../queries/workers';
import { searchPeople } from '../queries/candidates';
import { paged, pageQuery } from '../paging';
import { campaignParams } from '../views/campaigns';
import { note, timingsInput } from '../schemas';
import { historyView, toHistory } from '../views/workers';
import { candidateParams, reintegrationRoutes } from './reintegration';
import { createdOrFound, route } from './define';

const rehireBody = z.object({
  nationalId: z.string().transform((s) => s.trim().toUpperCase()),
  offerId: z.string().min(1),
  note,
  timings: timingsInput.optional().describe('overrides of the default deadlines (simulations, tests)'),
});
const rehiredView = z.object({ cycleId: z.string(), created: z.boolean().describe('false when a retried request found the cycle') });
const workerSearchQuery = pageQuery.extend({ q: z.string().trim().min(2).max(80).describe('a national ID (CIN), or part of a name') });
const workerFound = z.object({ candidateId: z.number(), nationalId: z.string(), firstName: z.string(), lastName: z.string(), sex: z.string(), province: z.string() }).meta({ id: 'WorkerFound' });

export const workerRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, config } = app.deps;
  await app.register(reintegrationRoutes);

  app.get('/workers', route({
    scope: 'worker:read', tags: ['workers'], operationId: 'searchWorkers',
    summary: 'Find workers by national ID (CIN) or name, within the caller\'s reach (paged)',
    querystring: workerSearchQuery, response: { 200: paged(workerFound) },
  }), async (req) => {
    const { q: text, limit, offset } = req.query;
    const { total, rows } = await searchPeople(db, { text, limit, offset }, reachOf(actorOf(req)));
    const items = rows.map((p) => ({ candidateId: p.id, nationalId: p.nationalId, firstName: p.firstName, lastName: p.lastName, sex: p.sex, province: p.province }));
    return { total, limit, offset, items };
  });

  app.get('/candidates/:candidateId/history', route({
    scope: 'worker:read', tags: ['workers'],
    summary: "A worker's record across campaigns and years: every season, employer, contract, return and document",
    params: candidateParams, response: { 200: historyView }, problems: [404],
  }), async (req) => {
    const reach = reachOf(actorOf(req));
    const person = await personOr404(db, req.params.candidateId, reach);
    await logRead(db, req, person.id, 'history');
    return toHistory(person, await loadHistory(db, person.id, reach));
  });

  app.post('/campaigns/:campaignId/rehires', route({ scope: 'worker:rehire', tags: ['workers'], params: campaignParams, body: rehireBody, response: createdOrFound(rehiredView), problems: [404, 409, 422],
    summary: 'An employer requests a returning worker by name: the cycle starts without a new selection',
    description: 'Refused with 422 and the reason when the worker is not eligible: last season not closed with a verified return, blocked after a non-return, no active multi-year authorisation covering the contract, or more than 9 months of work in a 12-month window. The same request again answers 200 with the cycle it started.',
  }), async (req, reply) => {
    const campaign = await campaignOr404(db, req.params.campaignId);
    const reach = reachOf(actorOf(req));
    const person = await personByNationalId(db, req.body.nationalId, reach);
    if (!person) throw notFound(`worker ${req.body.nationalId}`);
    const offer = await offerOfCampaign(db, req.body.offerId, campaign.id);
    // an employer re-hires onto its own offers only
    if (!offer || (reach.employerId !== undefined && offer.employerId !== reach.employerId)) throw unprocessable(`offer ${req.body.offerId} is not an offer of campaign ${campaign.id}`, [{ field: 'body.offerId', reason: 'unknown in this campaign' }]);

    const cycleId = workerCycleWorkflowId(campaign.id, person.id);
    const existing = await cycleRow(db, cycleId);
    // A re-hire's row is committed before its workflow starts: a retried request finds the row and starts (or
    // finds) the workflow. Any other cycle of this person in the campaign is a conflict.
    if (existing && !existing.rehire) throw conflict(`${req.body.nationalId} already has a cycle in campaign ${campaign.id} (${cycleId})`);
    const stages: readonly string[] = CYCLE_STEPS.recordSelection.campaignStages;
    if (!stages.includes(campaign.stage)) throw conflict(`campaign ${campaign.id} is at ${campaign.stage}: re-hires are taken at ${stages.join(', ')}`, [{ field: 'campaign.stage', reason: `${campaign.stage} does not allow re-hires` }]);
    // The eligibility gate (last season returned, not blocked, authorisation, 9-in-12, passport, posts left) holds
    // the offer's seat in the transaction that writes the cycle's row; a refusal writes nothing.
    const admission = await db.transaction(async (tx) => {
      if (!existing) await insertRehireCycle(tx, { id: cycleId, campaignId: campaign.id, candidateId: person.id, province: person.province });
      const a = await admitOne(tx, { candidateId: person.id, cycleId, offerId: offer.id, rehire: true }, { hold: 'rehire', campaignId: campaign.id });
      if (a.refusals.length) {
        const issues = a.refusals.map((r) => ({ field: `body.${r.field}`, reason: r.reason }));
        const message = `${req.body.nationalId} cannot be re-hired: ${a.refusals.map((r) => r.reason).join('; ')}`;
        throw isQuotaOnly(a.refusals) ? conflict(message, issues) : unprocessable(message, issues);
      }
      return a;
    });
    const auth = { number: admission.authorisationNumber! };
    const timings = { ...DEFAULT_CYCLE_TIMINGS, ...config.CYCLE_TIMINGS, ...req.body.timings } as CycleTimings;
    const started = await startWorkerCycle(temporal, {
      campaignId: campaign.id,
      season: campaign.season,
      candidateId: person.id,
      province: person.province,
      startedBy: actedBy(req, req.body.note),
      timings,
      rehire: { employerId: offer.employerId, offerId: offer.id, contractStart: offer.contractStart, contractEnd: offer.contractEnd, authorisationNumber: auth.number, requestedBy: actedBy(req, req.body.note) },
    });
    if (started === 'already_ran') throw conflict(`a cycle ${cycleId} already ran`);
    return reply.code(existing ? 200 : 201).send({ cycleId, created: !existing });
  });
};
