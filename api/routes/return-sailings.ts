// Return sailings (Tarifa -> Tanger Ville): planned for the workers whose contracts end soonest, grouped by employer;
// the port's arrivals list records each passenger's return (proof: the port's exit record) through the return step.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_DESTINATION, DEFAULT_PORT } from '../../workflows/contracts/departure';
import { actedBy } from '../auth/access';
import { conflict, unprocessable } from '../errors';
import { fileDate, fileUpload, itemsByNationalId, loadFile, sendFileResult } from '../files';
import { campaignOr404 } from '../queries/campaigns';
import { countsByDeparture, departureOr404, markArrived, passengersByNationalId, planReturnSailing, remainingInSeason } from '../queries/departures';
import { campaignParams } from '../views/campaigns';
import { createDepartureBody, createdView, summary } from '../views/departures';
import { createdOrFound, route } from './define';

const returnSailingBody = createDepartureBody.omit({ embarkationGrace: true }).extend({
  // the other way round: from the Spanish port home
  port: z.string().min(2).max(80).default(DEFAULT_DESTINATION),
  destination: z.string().min(2).max(80).default(DEFAULT_PORT),
});
const arrivalRow = z.object({
  nationalId: z.string().transform((s) => s.trim().toUpperCase()),
  arrivedOn: fileDate.refine((s) => Date.parse(String(s)) <= Date.now() + 86_400_000, 'an arrival cannot be dated in the future'),
});

export const returnSailingRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;

  app.post('/campaigns/:campaignId/return-sailings', route({
    scope: 'departure:manage', tags: ['departures'],
    summary: 'Plan a return sailing (Tarifa -> Tanger Ville) for the workers whose contracts end soonest',
    description:
      "Books the campaign's cycles in the season (or past their contract end) that are on no return sailing yet, those whose contracts end soonest first, grouped by employer (only `employerId`'s when given), up to `seats`. Their returns are recorded from the sailing's arrivals list (POST /departures/:id/arrivals). The same request again answers 200 with the sailing already planned; 409 when nobody is left to book.",
    params: campaignParams, body: returnSailingBody,
    response: createdOrFound(createdView), problems: [404, 409, 422],
  }), async (req, reply) => {
    const campaign = await campaignOr404(db, req.params.campaignId);
    const b = req.body;
    const departureAt = new Date(b.departureAt);
    if (departureAt.getTime() <= Date.now()) throw unprocessable('the departure must be in the future', [{ field: 'body.departureAt', reason: 'must be in the future' }]);
    const planned = await planReturnSailing(db, campaign.id, { departureAt, port: b.port, destination: b.destination, seats: b.seats, createdBy: actedBy(req, b.note), employerId: b.employerId });
    const counts = (await countsByDeparture(db, [planned.row.id])).get(planned.row.id)!;
    return reply.code(planned.created ? 201 : 200).send({ ...summary(planned.row, counts), remainingReady: await remainingInSeason(db, campaign.id) });
  });

  app.post('/departures/:departureId/arrivals', route({
    ...fileUpload, scope: 'step:return', tags: ['departures'],
    summary: "Record a return sailing's arrivals at Tanger Ville (CSV or JSON): each passenger's return, one bulk operation per file",
    description:
      'Columns: nationalId, arrivedOn (yyyy-mm-dd). Each passenger of this return sailing named is recorded as returned with the proof port_exit_record (the return step, as the returns file); others are refused by line and field. Loading the same file twice changes nothing. 409 for an outbound sailing.',
    params: z.object({ departureId: z.string() }), problems: [404, 409, 422],
  }), async (req, reply) => {
    const d = await departureOr404(db, req.params.departureId);
    if (d.direction !== 'return') throw conflict(`departure ${d.id} is an outbound sailing: record its embarkations (POST /departures/${d.id}/embarkations)`);
    const result = await loadFile({ db, temporal }, req, {
      campaignId: d.campaignId, kind: `arrivals:${d.id}`, bulkKind: 'return', keyPrefix: d.id, what: 'arrivals', of: d.id, loadedBy: actedBy(req),
      body: req.body,
      schema: arrivalRow,
      plan: async (ok, errors, tx) => {
        const items = itemsByNationalId(ok, errors, await passengersByNationalId(tx, d.id), {
          unknown: (nid) => `${nid} is not a passenger of return sailing ${d.id}`,
          payload: (row) => ({ args: { returnedOn: row.arrivedOn, proof: 'port_exit_record', recordedBy: actedBy(req), sailing: d.id } }),
        });
        await markArrived(tx, d.id, items.map((i) => i.cycleId));
        return items;
      },
    });
    return sendFileResult(reply, result);
  });
};
