// One person across campaigns and years: history and re-hire by name under the multi-year framework. The
// reintegration track after return and the ministry's reports are in reintegration.ts.
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
import { campaignParams } from '../views/campaigns';
import { actor, errorSchema, timingsInput } from '../schemas';
import { historyView, toHistory } from '../views/workers';
import { candidateParams, reintegrationRoutes } from './reintegration';

const rehireBody = z.object({
  nationalId: z.string().transform((s) => s.trim().toUpperCase()),
  offerId: z.string().min(1),
  requestedBy: actor,
  timings: timingsInput.optional().describe('overrides of the default deadlines (simulations, tests)'),
});
const rehiredView = z.object({ cycleId: z.string(), created: z.boolean().describe('false when a retried request found the cycle') });

export const workerRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, config } = app.deps;
  await app.register(reintegrationRoutes);

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
      const person = await personOr404(db, req.params.candidateId);
      return toHistory(person, await loadHistory(db, person.id));
    },
  );

  app.post(
    '/campaigns/:campaignId/rehires',
    {
      schema: {
        tags: ['workers'],
        summary: 'An employer requests a returning worker by name: the cycle starts without a new selection',
        description:
          'Refused with 422 and the reason when the worker is not eligible: last season not closed with a verified return, blocked after a non-return, no active multi-year authorisation covering the contract, or more than 9 months of work in a 12-month window. The same request again answers 200 with the cycle it started.',
        params: campaignParams,
        body: rehireBody,
        response: { 200: rehiredView, 201: rehiredView, 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const campaign = await campaignOr404(db, req.params.campaignId);
      const person = await personByNationalId(db, req.body.nationalId);
      if (!person) throw notFound(`worker ${req.body.nationalId}`);
      const offer = await offerOfCampaign(db, req.body.offerId, campaign.id);
      if (!offer) throw unprocessable(`offer ${req.body.offerId} is not an offer of campaign ${campaign.id}`, [{ field: 'body.offerId', reason: 'unknown in this campaign' }]);

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
        startedBy: req.body.requestedBy,
        timings,
        rehire: { employerId: offer.employerId, offerId: offer.id, contractStart: offer.contractStart, contractEnd: offer.contractEnd, authorisationNumber: auth.number, requestedBy: req.body.requestedBy },
      });
      if (started === 'already_ran') throw conflict(`a cycle ${cycleId} already ran`);
      return reply.code(existing ? 200 : 201).send({ cycleId, created: !existing });
    },
  );
};
