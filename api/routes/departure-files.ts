// Files of the departure context: embarkations recorded at the port (one bulk operation per file, signalled to the
// sailing's workflow) and verified returns to Morocco after the season.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { embarkationsRecordedSignal } from '../../workflows/contracts/departure';
import { signalIfOpen } from '../context-workflows';
import { conflict } from '../errors';
import { FILE_MEDIA_TYPES, commitFile, repairLoaded, cyclesByNationalId, fileBody as intakeBody, intakeResultView, itemsByNationalId, readFileOnce, validateRows } from '../files';
import { campaignOr404 } from '../queries/campaigns';
import { departureOr404, passengersByNationalId } from '../queries/departures';
import { embarkationRow, returnRow } from '../views/departures';
import { campaignParams } from '../views/campaigns';
import { errorSchema } from '../schemas';

const loadedByQuery = z.object({ loadedBy: z.string().min(1).max(120).describe('who loads the file') });
const fileResponses = { 200: intakeResultView, 201: intakeResultView, 400: errorSchema, 404: errorSchema, 422: errorSchema };

export const departureFileRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;

  app.post(
    '/departures/:departureId/embarkations',
    {
      schema: {
        tags: ['departures'],
        summary: 'Record embarkations at the port (CSV or JSON): one bulk operation per file',
        description:
          'Columns: nationalId, embarkedAt (date-time with offset). Rows for workers who are not passengers of this sailing are reported by line and field; good rows are applied to the worker cycles by a bulk operation (GET /bulk-operations/:id). Loading the same file twice changes nothing.',
        params: z.object({ departureId: z.string() }),
        querystring: loadedByQuery,
        body: intakeBody,
        consumes: FILE_MEDIA_TYPES,
        response: { ...fileResponses, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const d = await departureOr404(db, req.params.departureId);
      const kind = `embarkations:${d.id}`;
      // One signal per file; a closed departure no longer follows its files (the bulk operation still applies them).
      const tellDeparture = (operationId: string) => signalIfOpen(temporal, d.id, embarkationsRecordedSignal, { operationId }, req.log);
      const file = await readFileOnce(db, req, req.body, d.campaignId, kind);
      if (file.loaded) {
        // Re-signal: harmless (the workflow counts an operation once) and repairs a signal lost on the first load.
        await repairLoaded(temporal, file.loaded, d.id);
        if (file.loaded.operationId) await tellDeparture(file.loaded.operationId);
        return reply.code(200).send(file.loaded);
      }
      if (d.status === 'departed') throw conflict(`departure ${d.id} has left: its passengers not aboard are no-shows; no more embarkations`);
      const { ok, errors } = validateRows(file.rows, embarkationRow);
      const items = itemsByNationalId(ok, errors, await passengersByNationalId(db, d.id), {
        unknown: (nid) => `${nid} is not a passenger of departure ${d.id}`,
        payload: (row) => ({ args: { embarkedAt: row.embarkedAt, recordedBy: req.query.loadedBy }, context: { departureId: d.id } }),
      });
      const result = await commitFile({ db, temporal }, file, { campaignId: d.campaignId, kind, bulkKind: 'embarkation', keyPrefix: d.id, what: 'embarkation', of: d.id, loadedBy: req.query.loadedBy, notify: d.id }, async () => items, errors);
      if (result.operationId) await tellDeparture(result.operationId);
      return reply.code(result.duplicate ? 200 : 201).send(result);
    },
  );

  app.post(
    '/campaigns/:campaignId/returns',
    {
      schema: {
        tags: ['departures'],
        summary: 'Record verified returns to Morocco (CSV or JSON): one bulk operation per file',
        description:
          'Columns: nationalId, returnedOn (yyyy-mm-dd), proof (port_exit_record | passport_stamp | consular_certificate), and optionally sailing. Unknown workers are reported by line and field. A worker with no proof of return is flagged by their own cycle after the grace period. Loading the same file twice changes nothing.',
        params: campaignParams,
        querystring: loadedByQuery,
        body: intakeBody,
        consumes: FILE_MEDIA_TYPES,
        response: fileResponses,
      },
    },
    async (req, reply) => {
      const campaign = await campaignOr404(db, req.params.campaignId);
      const kind = 'returns';
      const file = await readFileOnce(db, req, req.body, campaign.id, kind);
      if (file.loaded) {
        await repairLoaded(temporal, file.loaded);
        return reply.code(200).send(file.loaded);
      }
      const { ok, errors } = validateRows(file.rows, returnRow);
      const cycles = new Map([...(await cyclesByNationalId(db, campaign.id))].map(([nid, cycleId]) => [nid, { cycleId }]));
      const items = itemsByNationalId(ok, errors, cycles, {
        unknown: (nid) => `no worker cycle for ${nid} in campaign ${campaign.id}`,
        payload: (row) => ({ args: { returnedOn: row.returnedOn, proof: row.proof, recordedBy: req.query.loadedBy, ...(row.sailing ? { sailing: row.sailing } : {}) } }),
      });
      const result = await commitFile({ db, temporal }, file, { campaignId: campaign.id, kind, bulkKind: 'return', what: 'return', loadedBy: req.query.loadedBy }, async () => items, errors);
      return reply.code(result.duplicate ? 200 : 201).send(result);
    },
  );
};
