// Files of the departure context: embarkations recorded at the port (one bulk operation per file, signalled to the
// sailing's workflow) and verified returns to Morocco after the season.
import { actedBy, actorOf } from '../auth/access';
import { reachOf } from '../auth/jurisdiction';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { embarkationsRecordedSignal } from '../../workflows/contracts/departure';
import { signalIfOpen } from '../context-workflows';
import { conflict } from '../errors';
import { cyclesByNationalId, fileUpload, itemsByNationalId, loadFile, sendFileResult } from '../files';
import { campaignOr404 } from '../queries/campaigns';
import { departureOr404, handoverMissing, handoversOf, passengersByNationalId, recordHandovers } from '../queries/departures';
import { embarkationRow, returnRow } from '../views/departures';
import { campaignParams } from '../views/campaigns';
import { route } from './define';
import { portHandoverRoutes } from './port-handovers';
import { returnSailingRoutes } from './return-sailings';

export const departureFileRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;
  await app.register(portHandoverRoutes);
  await app.register(returnSailingRoutes);
  const deps = { db, temporal };

  app.post('/departures/:departureId/embarkations', route({
    ...fileUpload, scope: 'step:embarkation', tags: ['departures'],
    summary: 'Record embarkations at the port (CSV or JSON): one bulk operation per file',
    description:
      'Columns: nationalId, embarkedAt (date-time with offset), and the handover when ticked on the same sheet: passport, policeForm, ticket (true/false), handoverException. A passenger not handed all three (nor an exception recorded, here or by PUT /departures/:id/passengers/:cycleId/handover or the handover file) is refused by line, field handover. Rows for workers who are not passengers of this sailing are reported by line and field; good rows are applied to the worker cycles by a bulk operation (GET /bulk-operations/:id). Loading the same file twice changes nothing.',
    params: z.object({ departureId: z.string() }), problems: [404, 409, 422],
  }), async (req, reply) => {
    const d = await departureOr404(db, req.params.departureId);
    const result = await loadFile(deps, req, {
      campaignId: d.campaignId, kind: `embarkations:${d.id}`, bulkKind: 'embarkation', keyPrefix: d.id, what: 'embarkation', of: d.id, loadedBy: actedBy(req), notify: d.id,
      body: req.body,
      schema: embarkationRow,
      plan: async (ok, errors, tx) => {
        if (d.status === 'departed') throw conflict(`departure ${d.id} has left: its passengers not aboard are no-shows; no more embarkations`);
        if (d.direction === 'return') throw conflict(`departure ${d.id} is a return sailing: record its arrivals (POST /departures/${d.id}/arrivals)`);
        const passengers = await passengersByNationalId(tx, d.id);
        // a handover ticked on the embarkation sheet itself is recorded first (a blank box is not handed over)
        const ticked = ok.flatMap(({ row }) => {
          const p = passengers.get(row.nationalId);
          const tickedHere = row.passport !== undefined || row.policeForm !== undefined || row.ticket !== undefined || row.handoverException !== undefined;
          return p?.status === 'convoked' && tickedHere
            ? [{ cycleId: p.cycleId, passport: row.passport === true, policeForm: row.policeForm === true, ticket: row.ticket === true, exception: row.handoverException ?? null }]
            : [];
        });
        await recordHandovers(tx, d.id, ticked, actedBy(req));
        const handovers = await handoversOf(tx, d.id);
        return itemsByNationalId(ok, errors, passengers, {
          unknown: (nid) => `${nid} is not a passenger of departure ${d.id}`,
          refuse: (p) => {
            const missing = p.status === 'convoked' ? handoverMissing(handovers.get(p.cycleId)) : [];
            return missing.length
              ? { field: 'handover', reason: `not handed over yet: ${missing.join(', ')} (tick the passport, policeForm and ticket columns, or give the handoverException)` }
              : undefined;
          },
          payload: (row) => ({ args: { embarkedAt: row.embarkedAt, recordedBy: actedBy(req) }, context: { departureId: d.id } }),
        });
      },
      // a closed departure no longer follows its files (the bulk operation still applies them)
      tell: (operationId) => signalIfOpen(temporal, d.id, embarkationsRecordedSignal, { operationId }, req.log),
    });
    return sendFileResult(reply, result);
  });

  app.post('/campaigns/:campaignId/returns', route({
    ...fileUpload, scope: 'step:return', tags: ['departures'],
    summary: 'Record verified returns to Morocco (CSV or JSON): one bulk operation per file',
    description:
      'Columns: nationalId, returnedOn (yyyy-mm-dd), proof (port_exit_record | passport_stamp | consular_certificate), and optionally sailing. Unknown workers are reported by line and field. A worker with no proof of return is flagged by their own cycle after the grace period. Loading the same file twice changes nothing.',
    params: campaignParams, problems: [404, 422],
  }), async (req, reply) => {
    const campaign = await campaignOr404(db, req.params.campaignId);
    const result = await loadFile(deps, req, {
      campaignId: campaign.id, kind: 'returns', bulkKind: 'return', what: 'return', loadedBy: actedBy(req),
      body: req.body,
      schema: returnRow,
      plan: async (ok, errors, tx) => {
        // an agency officer records the returns of its own province's workers only: others are unknown rows
        const cycles = new Map([...(await cyclesByNationalId(tx, campaign.id, reachOf(actorOf(req))))].map(([nid, cycleId]) => [nid, { cycleId }]));
        return itemsByNationalId(ok, errors, cycles, {
          unknown: (nid) => `no worker cycle for ${nid} in campaign ${campaign.id}`,
          payload: (row) => ({ args: { returnedOn: row.returnedOn, proof: row.proof, recordedBy: actedBy(req), ...(row.sailing ? { sailing: row.sailing } : {}) } }),
        });
      },
    });
    return sendFileResult(reply, result);
  });
};
