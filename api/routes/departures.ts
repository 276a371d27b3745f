// Departures (one workflow per sailing): plan, list, read, close boarding, print the manifest. The files loaded at
// the port and after the season (embarkations, returns) are in departure-files.ts.
import { reachOf } from '../auth/jurisdiction';
import { actedBy, actorOf } from '../auth/access';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { campaignAttributes, startContextWorkflow } from '../../activities/start-workflow';
import type { departureWorkflow } from '../../workflows/departure';
import { DEPARTURE_TASK_QUEUE, closeBoardingUpdate, type DepartureInput } from '../../workflows/contracts/departure';
import { renderEmbarkationManifest } from '../../templates/render';
import { updateOr409 } from '../context-workflows';
import { conflict, unprocessable } from '../errors';
import { getPaged } from '../paging';
import { campaignOr404, type CampaignRow } from '../queries/campaigns';
import { campaignHeader, countsByDeparture, departureOr404, listDepartures, manifestPassengers, passengersPage, planSailing, remainingReady, type DepartureRow } from '../queries/departures';
import { boardingClosedView, closeBoardingBody, createDepartureBody, createdView, departureSummary, manifestLine, passenger, passengerView, summary } from '../views/departures';
import { campaignParams } from '../views/campaigns';
import { departureFileRoutes } from './departure-files';
import { createdOrFound, pdfAnswer, route, sendDownload } from './define';

const departureParams = z.object({ departureId: z.string() });

/** The sailing's workflow, started once its rows are committed (or found running). */
function startDepartureWorkflow(temporal: Client, campaign: CampaignRow, d: DepartureRow, embarkationGrace: string) {
  const input: DepartureInput = {
    departureId: d.id,
    campaignId: campaign.id,
    departureAt: d.departureAt.toISOString(),
    port: d.port,
    destination: d.destination,
    embarkationGrace: embarkationGrace as Duration,
    createdBy: d.createdBy,
  };
  return startContextWorkflow<typeof departureWorkflow>(temporal, {
    workflowType: 'departureWorkflow',
    workflowId: d.id,
    taskQueue: DEPARTURE_TASK_QUEUE,
    args: [input],
    searchAttributes: campaignAttributes(campaign.id, campaign.season),
  });
}

export const departureRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;
  await app.register(departureFileRoutes);

  async function view(d: DepartureRow) {
    return summary(d, (await countsByDeparture(db, [d.id])).get(d.id)!);
  }

  app.post('/campaigns/:campaignId/departures', route({ scope: 'departure:manage', tags: ['departures'], params: campaignParams, body: createDepartureBody, response: createdOrFound(createdView), problems: [404, 409, 422],
    summary: 'Plan a sailing: assigns ready workers up to the seats, convokes them, and follows the embarkation',
    description: "Assigns the campaign's cycles at stage ready_to_depart that are on no other sailing (only `employerId`'s when given), those whose contracts start soonest first, grouped by employer, then in registration order, up to `seats`, and starts the departure workflow (convocations as one bulk operation; at departureAt + embarkationGrace the passengers not embarked are recorded as no-shows). A sailing is its port and departure time: the same request again answers 200 with the sailing already planned. 409 when no worker is ready.",
  }), async (req, reply) => {
    const campaign = await campaignOr404(db, req.params.campaignId);
    const b = req.body;
    const departureAt = new Date(b.departureAt);
    if (departureAt.getTime() <= Date.now()) {
      throw unprocessable('the departure must be in the future', [{ field: 'body.departureAt', reason: 'must be in the future' }]);
    }
    const planned = await planSailing(db, campaign.id, { departureAt, port: b.port, destination: b.destination, seats: b.seats, createdBy: actedBy(req, b.note), employerId: b.employerId });
    // Rows first, then the workflow (activities/start-workflow.ts): a retry of this request finds the sailing here.
    await startDepartureWorkflow(temporal, campaign, planned.row, b.embarkationGrace);
    return reply.code(planned.created ? 201 : 200).send({ ...(await view(planned.row)), remainingReady: await remainingReady(db, campaign.id) });
  });

  getPaged(app, '/campaigns/:campaignId/departures', { scope: 'departure:read', tags: ['departures'], params: campaignParams, item: departureSummary,
    summary: "A campaign's sailings with their counts",
    load: async ({ campaignId }, page) => {
      const { total, rows, counts } = await listDepartures(db, (await campaignOr404(db, campaignId)).id, page);
      return { total, items: rows.map((r) => summary(r, counts.get(r.id)!)) };
    },
  });

  app.get('/departures/:departureId', route({
    scope: 'departure:read', tags: ['departures'],
    summary: 'One sailing with its counts (its passengers: GET /departures/:id/passengers)',
    params: departureParams, response: { 200: departureSummary }, problems: [404],
  }), async (req) => view(await departureOr404(db, req.params.departureId)));

  getPaged(app, '/departures/:departureId/passengers', { scope: 'departure:read', tags: ['departures'], params: departureParams, item: passengerView,
    summary: "A sailing's passengers, in registration order",
    load: async ({ departureId }, page, actor) => {
      const { total, rows } = await passengersPage(db, (await departureOr404(db, departureId)).id, page, reachOf(actor));
      return { total, items: rows.map(passenger) };
    },
  });

  app.post('/departures/:departureId/close-boarding', route({ scope: 'departure:manage', tags: ['departures'], params: departureParams, body: closeBoardingBody, response: { 202: boardingClosedView }, problems: [404, 409, 422],
    summary: 'Close boarding: the passengers not aboard become no-shows at once',
    description: 'Embarkation files already loaded are applied first; then every passenger not aboard is recorded as a no-show (one bulk operation) and their posts go to the reserve list, without waiting for departure time + grace. 202: accepted, follow GET /departures/:id until it is departed. Repeating the call answers the first closure. 409 before the convocations are sent or once the sailing has left.',
  }), async (req, reply) => {
    const d = await departureOr404(db, req.params.departureId);
    const left = `departure ${d.id} has left; boarding is closed`;
    if (d.status === 'departed') throw conflict(left);
    if (d.direction === 'return') throw conflict(`departure ${d.id} is a return sailing: its passengers' returns come from its arrivals list`);
    // One closure per sailing: a repeated call (same update ID) answers the first one.
    const state = await updateOr409(temporal, d.id, closeBoardingUpdate, { closedBy: actedBy(req, req.body.note) }, left, `${d.id}:close-boarding`);
    return reply.code(202).send({ departureId: state.departureId, status: state.status, boardingClosed: state.boardingClosed!, counts: state.counts });
  });

  app.get('/departures/:departureId/manifest', route({ ...pdfAnswer, scope: 'departure:read', tags: ['departures'], params: departureParams, problems: [404],
    summary: "The sailing's embarkation manifest (PDF), printed from the current records",
  }), async (req, reply) => {
    const d = await departureOr404(db, req.params.departureId);
    const pdf = await renderEmbarkationManifest({
      departureId: d.id,
      campaign: await campaignHeader(db, d.campaignId),
      departureAt: d.departureAt.toISOString(),
      port: d.port,
      destination: d.destination,
      seats: d.seats,
      status: d.status,
      generatedAt: new Date().toISOString(),
      printedBy: actedBy(req),
      passengers: (await manifestPassengers(db, d.id, reachOf(actorOf(req)))).map(manifestLine),
    });
    return sendDownload(reply, { name: `manifeste-${d.id}.pdf`, content: pdf });
  });
};
