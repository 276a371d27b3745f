// The port's checklist: what the regional agency hands each passenger at Tanger Ville before embarkation (passport
// with the visa, police form, ticket). Ticked per person or loaded as a file; an embarkation is refused until it is
// done, or an exception is recorded (departure-files.ts and the embarkation step check it).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actedBy } from '../auth/access';
import { conflict, notFound } from '../errors';
import { fileUpload, readRows, validateRows, type RowError } from '../files';
import { departureOr404, handoverMissing, handoversOf, passengerOf, passengersByNationalId, recordHandovers, type DepartureRow } from '../queries/departures';
import { handoverBody, handoverFileView, handoverRow } from '../views/departures';
import { route } from './define';

const passengerParams = z.object({ departureId: z.string(), cycleId: z.string() });
const handoverView = z.object({ departureId: z.string(), cycleId: z.string(), handoverMissing: z.array(z.string()), recordedBy: z.string() });

/** Why a passenger takes no more handovers: aboard, a no-show, or her cycle moved on (embarked by the single step). */
function boarded(p: { status: string; stage: string }): string | undefined {
  if (p.status === 'embarked' || p.stage === 'in_season') return 'already aboard';
  if (p.status === 'no_show') return 'a no-show';
  if (p.stage !== 'convoked') return `no longer convoked (stage ${p.stage})`;
  return undefined;
}

const beforeDeparture = (d: DepartureRow) => {
  if (d.status === 'departed') throw conflict(`departure ${d.id} has left: no more handovers`);
  if (d.direction === 'return') throw conflict(`departure ${d.id} is a return sailing: nothing is handed over for it`);
};

export const portHandoverRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  app.put('/departures/:departureId/passengers/:cycleId/handover', route({
    scope: 'step:embarkation', tags: ['departures'],
    summary: "Tick a passenger's handover: passport with the visa, police form, ticket (or the exception that lets her board all the same)",
    params: passengerParams, body: handoverBody, response: { 200: handoverView }, problems: [404, 409, 422],
  }), async (req) => {
    const d = await departureOr404(db, req.params.departureId);
    beforeDeparture(d);
    // one row, not the whole sailing: the port ticks up to 2,000 passengers one by one
    const p = await passengerOf(db, d.id, req.params.cycleId);
    if (!p) throw notFound(`passenger ${req.params.cycleId} of departure ${d.id}`);
    const gone = boarded(p);
    if (gone) throw conflict(`passenger ${p.cycleId} is ${gone}`);
    const by = actedBy(req);
    await recordHandovers(db, d.id, [{ cycleId: p.cycleId, ...req.body, exception: req.body.exception ?? null }], by);
    return { departureId: d.id, cycleId: p.cycleId, handoverMissing: handoverMissing({ ...req.body, exception: req.body.exception ?? null }), recordedBy: by };
  });

  app.post('/departures/:departureId/handovers', route({
    ...fileUpload, scope: 'step:embarkation', tags: ['departures'],
    summary: "Load the port's handover checklist (CSV or JSON): one row per passenger",
    description:
      'Columns: nationalId, passport, policeForm, ticket (true/false, oui/non, 1/0), exception (optional: why she boards without one of them). Rows for workers who are not convoked passengers of this sailing are refused by line and field; the last record of a passenger counts. Loading the same file again changes nothing.',
    params: z.object({ departureId: z.string() }), response: { 200: handoverFileView }, problems: [404, 409, 422],
  }), async (req) => {
    const d = await departureOr404(db, req.params.departureId);
    beforeDeparture(d);
    const { ok, errors } = await validateRows((await readRows(req, req.body)).rows, handoverRow);
    const passengers = await passengersByNationalId(db, d.id);
    const refused: RowError[] = [...errors];
    const seen = new Set<string>();
    const rows = ok.flatMap(({ line, row }) => {
      const p = passengers.get(row.nationalId);
      const reason = !p ? `${row.nationalId} is not a passenger of departure ${d.id}`
        : seen.has(p.cycleId) ? `${row.nationalId} appears more than once in this file`
          : boarded(p) ? `${row.nationalId} is ${boarded(p)}` : undefined;
      if (reason || !p) {
        refused.push({ line, field: 'nationalId', reason: reason! });
        return [];
      }
      seen.add(p.cycleId);
      return [{ cycleId: p.cycleId, passport: row.passport, policeForm: row.policeForm, ticket: row.ticket, exception: row.exception ?? null }];
    });
    await recordHandovers(db, d.id, rows, actedBy(req));
    const handovers = await handoversOf(db, d.id);
    const stillMissing = [...passengers.values()].filter((p) => !boarded(p) && handoverMissing(handovers.get(p.cycleId)).length > 0).length;
    return { departureId: d.id, rowsRecorded: rows.length, rowsRefused: new Set(refused.map((e) => e.line)).size, errors: refused.sort((a, b) => a.line - b.line), stillMissing };
  });
};
