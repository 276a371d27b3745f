// Departures (one workflow per sailing), embarkation files, the embarkation manifest, and return files.
// Per-worker steps go through bulk operations; a departure workflow gets one signal per embarkation file.
import { and, asc, count, eq, inArray, notExists, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { Db } from '../../db/client';
import { campaigns, candidates, departurePassengers, departures, employers, workerCycles } from '../../db/schema';
import type { BulkItemPayload } from '../../activities/coordination';
import type { departureWorkflow } from '../../workflows/departure';
import {
  DEFAULT_DESTINATION,
  DEFAULT_EMBARKATION_GRACE,
  DEFAULT_PORT,
  DEPARTURE_TASK_QUEUE,
  departureId as makeDepartureId,
  closeBoardingUpdate,
  embarkationsRecordedSignal,
  type DepartureInput,
} from '../../workflows/contracts/departure';
import { CampaignIdKey, SeasonKey } from '../../workflows/contracts/search-attributes';
import { renderEmbarkationManifest } from '../../templates/render';
import { conflict, notFound, unprocessable, workflowClosed } from '../errors';
import {
  cyclesByNationalId,
  findLoadedFile,
  intakeBody,
  intakeResultView,
  readRows,
  recordLoadedFile,
  sha256,
  startBulkOperation,
  validateRows,
  type IntakeResult,
  type RowError,
} from '../intake';
import { actor, errorSchema } from '../schemas';

const MAX_SEATS = 2000;
/** Clock skew tolerated on times recorded at the port. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

const duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|w|seconds?|minutes?|hours?|days?|weeks?)$/i, 'a duration such as "30s", "2h" or "1 day"');
const nationalId = z.string().transform((s) => s.trim().toUpperCase());
const loadedByQuery = z.object({ loadedBy: z.string().min(1).max(120).describe('who loads the file') });
const fileResponses = { 200: intakeResultView, 201: intakeResultView, 400: errorSchema, 404: errorSchema, 422: errorSchema };

const createDepartureBody = z.object({
  departureAt: z.iso.datetime({ offset: true }).describe('date-time of the sailing, with its offset; must be in the future'),
  port: z.string().min(2).max(80).default(DEFAULT_PORT),
  destination: z.string().min(2).max(80).default(DEFAULT_DESTINATION),
  seats: z.number().int().min(1).max(MAX_SEATS).describe('seats booked on the sailing: at most this many ready workers are assigned'),
  createdBy: actor,
  embarkationGrace: duration
    .default(DEFAULT_EMBARKATION_GRACE as string)
    .describe('after the departure time, how long embarkations are awaited before the others count as no-shows'),
});

const departureSummary = z.object({
  departureId: z.string(),
  campaignId: z.string(),
  seq: z.number(),
  direction: z.string(),
  departureAt: z.string(),
  port: z.string(),
  destination: z.string(),
  seats: z.number(),
  status: z.enum(['planned', 'convoked', 'departed']),
  createdBy: z.string(),
  createdAt: z.string(),
  passengerCount: z.number().describe('workers assigned to the sailing'),
  convoked: z.number().describe('passengers convoked (all passengers on the list)'),
  embarked: z.number(),
  noShow: z.number(),
  awaitingEmbarkation: z.number().describe('convoked, embarkation not recorded yet'),
});
const createdView = departureSummary.extend({
  remainingReady: z.number().describe('workers of the campaign still ready to depart and not assigned to a sailing'),
});
const passengerView = z.object({
  cycleId: z.string(),
  candidateId: z.number(),
  nationalId: z.string(),
  name: z.string(),
  status: z.enum(['convoked', 'embarked', 'no_show']),
  embarkedAt: z.string().nullable(),
});
const departureDetail = departureSummary.extend({ passengers: z.array(passengerView) });
const closeBoardingBody = z.object({ closedBy: actor.describe('the port agent closing boarding') });
const boardingClosedView = z.object({
  departureId: z.string(),
  status: departureSummary.shape.status,
  boardingClosed: z.object({ by: z.string(), at: z.string() }),
  counts: z.object({ seats: z.number(), convoked: z.number(), embarked: z.number(), noShow: z.number() }),
});

const embarkationRow = z.object({
  nationalId,
  embarkedAt: z.iso
    .datetime({ offset: true })
    .refine((s) => Date.parse(s) <= Date.now() + FUTURE_TOLERANCE_MS, 'an embarkation cannot be dated in the future'),
});
const returnRow = z.object({
  nationalId,
  returnedOn: z.iso.date().refine((s) => Date.parse(s) <= Date.now() + 86_400_000, 'a return cannot be dated in the future'),
  proof: z.enum(['port_exit_record', 'passport_stamp', 'consular_certificate']),
  sailing: z.string().min(1).max(60).optional().describe('the return sailing, when known'),
});

type DepartureRow = typeof departures.$inferSelect;
type Counts = Pick<z.infer<typeof departureSummary>, 'passengerCount' | 'convoked' | 'embarked' | 'noShow' | 'awaitingEmbarkation'>;

async function countsByDeparture(db: Db, ids: string[]): Promise<Map<string, Counts>> {
  const out = new Map<string, Counts>();
  for (const id of ids) out.set(id, { passengerCount: 0, convoked: 0, embarked: 0, noShow: 0, awaitingEmbarkation: 0 });
  if (ids.length === 0) return out;
  const rows = await db
    .select({ departureId: departurePassengers.departureId, status: departurePassengers.status, n: count() })
    .from(departurePassengers)
    .where(inArray(departurePassengers.departureId, ids))
    .groupBy(departurePassengers.departureId, departurePassengers.status);
  for (const r of rows) {
    const c = out.get(r.departureId)!;
    c.passengerCount += r.n;
    c.convoked += r.n;
    if (r.status === 'embarked') c.embarked += r.n;
    if (r.status === 'no_show') c.noShow += r.n;
    if (r.status === 'convoked') c.awaitingEmbarkation += r.n;
  }
  return out;
}

function summary(d: DepartureRow, c: Counts): z.infer<typeof departureSummary> {
  return {
    departureId: d.id,
    campaignId: d.campaignId,
    seq: d.seq,
    direction: d.direction,
    departureAt: d.departureAt.toISOString(),
    port: d.port,
    destination: d.destination,
    seats: d.seats,
    status: d.status,
    createdBy: d.createdBy,
    createdAt: d.createdAt.toISOString(),
    ...c,
  };
}

/** Cycles of the campaign ready to depart and on no sailing yet (a refused convocation frees its worker). */
function unassignedReady(campaignId: string) {
  return and(
    eq(workerCycles.campaignId, campaignId),
    eq(workerCycles.stage, 'ready_to_depart'),
    notExists(sql`(select 1 from ${departurePassengers} where ${departurePassengers.cycleId} = ${workerCycles.id})`),
  );
}

/** One signal per file; a closed departure no longer follows its files (the bulk operation still applies them). */
async function signalDeparture(temporal: Client, departureId: string, operationId: string, log: { warn: (o: object, m: string) => void }) {
  try {
    await temporal.workflow.getHandle(departureId).signal(embarkationsRecordedSignal, { operationId });
  } catch (err) {
    if (workflowClosed(err)) {
      log.warn({ departureId, operationId }, 'departure workflow closed: embarkation file not signalled');
      return;
    }
    throw err;
  }
}

export const departureRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;

  async function campaignOr404(campaignId: string) {
    const [c] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
    if (!c) throw notFound(`campaign ${campaignId}`);
    return c;
  }
  async function departureOr404(departureId: string) {
    const [d] = await db.select().from(departures).where(eq(departures.id, departureId));
    if (!d) throw notFound(`departure ${departureId}`);
    return d;
  }

  app.post(
    '/campaigns/:campaignId/departures',
    {
      schema: {
        tags: ['departures'],
        summary: 'Plan a sailing: assigns ready workers up to the seats, convokes them, and follows the embarkation',
        description:
          "Assigns the campaign's cycles at stage ready_to_depart that are on no other sailing, in candidate order, up to `seats`, and starts the departure workflow (convocations as one bulk operation; at departureAt + embarkationGrace the passengers not embarked are recorded as no-shows). 409 when no worker is ready.",
        params: z.object({ campaignId: z.string() }),
        body: createDepartureBody,
        response: { 201: createdView, 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const campaign = await campaignOr404(req.params.campaignId);
      const b = req.body;
      const departureAt = new Date(b.departureAt);
      if (departureAt.getTime() <= Date.now()) {
        throw unprocessable('the departure must be in the future', [{ field: 'body.departureAt', reason: 'must be in the future' }]);
      }
      // One planner at a time per campaign (the campaign row is the lock): a worker is never on two sailings.
      const planned = await db.transaction(async (tx) => {
        await tx.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, campaign.id)).for('update');
        const ready = await tx
          .select({ id: workerCycles.id })
          .from(workerCycles)
          .where(unassignedReady(campaign.id))
          .orderBy(asc(workerCycles.candidateId))
          .limit(b.seats);
        if (ready.length === 0) throw conflict(`no worker of campaign ${campaign.id} is ready to depart and unassigned`);
        const [last] = await tx
          .select({ seq: sql<number>`coalesce(max(${departures.seq}), 0)`.mapWith(Number) })
          .from(departures)
          .where(eq(departures.campaignId, campaign.id));
        const seq = (last?.seq ?? 0) + 1;
        const id = makeDepartureId(campaign.id, seq);
        const [row] = await tx
          .insert(departures)
          .values({ id, campaignId: campaign.id, seq, departureAt, port: b.port, destination: b.destination, seats: b.seats, createdBy: b.createdBy })
          .returning();
        for (let i = 0; i < ready.length; i += 1000) {
          await tx.insert(departurePassengers).values(ready.slice(i, i + 1000).map((r) => ({ departureId: id, cycleId: r.id })));
        }
        return { row: row!, passengers: ready.length };
      });

      const input: DepartureInput = {
        departureId: planned.row.id,
        campaignId: campaign.id,
        departureAt: departureAt.toISOString(),
        port: b.port,
        destination: b.destination,
        embarkationGrace: b.embarkationGrace as Duration,
        createdBy: b.createdBy,
      };
      try {
        await temporal.workflow.start<typeof departureWorkflow>('departureWorkflow', {
          workflowId: planned.row.id,
          taskQueue: DEPARTURE_TASK_QUEUE,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: CampaignIdKey, value: campaign.id },
            { key: SeasonKey, value: campaign.season },
          ],
        });
      } catch (err) {
        // Without its workflow the sailing would never convoke anyone: undo it so its workers can be planned again.
        await db.transaction(async (tx) => {
          await tx.delete(departurePassengers).where(eq(departurePassengers.departureId, planned.row.id));
          await tx.delete(departures).where(eq(departures.id, planned.row.id));
        });
        throw err;
      }
      const remainingReady = await db.$count(workerCycles, unassignedReady(campaign.id));
      const counts = (await countsByDeparture(db, [planned.row.id])).get(planned.row.id)!;
      return reply.code(201).send({ ...summary(planned.row, counts), remainingReady });
    },
  );

  app.get(
    '/campaigns/:campaignId/departures',
    {
      schema: {
        tags: ['departures'],
        summary: "A campaign's sailings with their counts",
        params: z.object({ campaignId: z.string() }),
        response: { 200: z.object({ total: z.number(), items: z.array(departureSummary) }), 404: errorSchema },
      },
    },
    async (req) => {
      const campaign = await campaignOr404(req.params.campaignId);
      const rows = await db.select().from(departures).where(eq(departures.campaignId, campaign.id)).orderBy(asc(departures.seq));
      const counts = await countsByDeparture(db, rows.map((r) => r.id));
      return { total: rows.length, items: rows.map((r) => summary(r, counts.get(r.id)!)) };
    },
  );

  app.get(
    '/departures/:departureId',
    {
      schema: {
        tags: ['departures'],
        summary: 'One sailing with its passengers',
        params: z.object({ departureId: z.string() }),
        response: { 200: departureDetail, 404: errorSchema },
      },
    },
    async (req) => {
      const d = await departureOr404(req.params.departureId);
      const counts = (await countsByDeparture(db, [d.id])).get(d.id)!;
      const rows = await db
        .select({ p: departurePassengers, candidate: candidates })
        .from(departurePassengers)
        .innerJoin(workerCycles, eq(workerCycles.id, departurePassengers.cycleId))
        .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
        .where(eq(departurePassengers.departureId, d.id))
        .orderBy(asc(candidates.id));
      return {
        ...summary(d, counts),
        passengers: rows.map((r) => ({
          cycleId: r.p.cycleId,
          candidateId: r.candidate.id,
          nationalId: r.candidate.nationalId,
          name: `${r.candidate.firstName} ${r.candidate.lastName}`,
          status: r.p.status,
          embarkedAt: r.p.embarkedAt?.toISOString() ?? null,
        })),
      };
    },
  );

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
        response: { ...fileResponses, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const d = await departureOr404(req.params.departureId);
      const kind = `embarkations:${d.id}`;
      const { format, rows, raw } = readRows(req, req.body);
      const hash = sha256(raw);
      const loaded = await findLoadedFile(db, d.campaignId, kind, hash);
      if (loaded) {
        // Re-signal: harmless (the workflow counts an operation once) and repairs a signal lost on the first load.
        if (loaded.operationId) await signalDeparture(temporal, d.id, loaded.operationId, req.log);
        return reply.code(200).send(loaded);
      }
      if (d.status === 'departed') throw conflict(`departure ${d.id} has left: its passengers not aboard are no-shows; no more embarkations`);
      const { ok, errors } = validateRows(rows, embarkationRow);
      const passengers = await db
        .select({ nationalId: candidates.nationalId, cycleId: departurePassengers.cycleId })
        .from(departurePassengers)
        .innerJoin(workerCycles, eq(workerCycles.id, departurePassengers.cycleId))
        .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
        .where(eq(departurePassengers.departureId, d.id));
      const byNid = new Map(passengers.map((p) => [p.nationalId, p.cycleId]));
      const items: { line: number; cycleId: string; payload: BulkItemPayload }[] = [];
      const seen = new Set<string>();
      for (const { line, row } of ok) {
        const cycleId = byNid.get(row.nationalId);
        if (!cycleId) {
          errors.push({ line, field: 'nationalId', reason: `${row.nationalId} is not a passenger of departure ${d.id}` });
          continue;
        }
        if (seen.has(cycleId)) {
          errors.push({ line, field: 'nationalId', reason: `${row.nationalId} appears more than once in this file` });
          continue;
        }
        seen.add(cycleId);
        items.push({ line, cycleId, payload: { args: { embarkedAt: row.embarkedAt, recordedBy: req.query.loadedBy }, context: { departureId: d.id } } });
      }
      const result = await loadFile({ campaignId: d.campaignId, kind, bulkKind: 'embarkation', sourceKey: `${d.id}-${hash.slice(0, 16)}`, source: `embarkation file ${hash.slice(0, 16)} for ${d.id}`, hash, format, rowsTotal: rows.length, errors, items, loadedBy: req.query.loadedBy });
      if (result.operationId) await signalDeparture(temporal, d.id, result.operationId, req.log);
      return reply.code(result.duplicate ? 200 : 201).send(result);
    },
  );

  app.post(
    '/departures/:departureId/close-boarding',
    {
      schema: {
        tags: ['departures'],
        summary: 'Close boarding: the passengers not aboard become no-shows at once',
        description:
          'Embarkation files already loaded are applied first; then every passenger not aboard is recorded as a no-show (one bulk operation) and their posts go to the reserve list, without waiting for departure time + grace. 202: accepted, follow GET /departures/:id until it is departed. Repeating the call answers the first closure. 409 before the convocations are sent or once the sailing has left.',
        params: z.object({ departureId: z.string() }),
        body: closeBoardingBody,
        response: { 202: boardingClosedView, 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const d = await departureOr404(req.params.departureId);
      if (d.status === 'departed') throw conflict(`departure ${d.id} has left; boarding is closed`);
      try {
        // One closure per sailing: a repeated call (same update ID) answers the first one.
        const state = await temporal.workflow
          .getHandle<typeof departureWorkflow>(d.id)
          .executeUpdate(closeBoardingUpdate, { args: [{ closedBy: req.body.closedBy }], updateId: `${d.id}:close-boarding` });
        return reply.code(202).send({ departureId: state.departureId, status: state.status, boardingClosed: state.boardingClosed!, counts: state.counts });
      } catch (err) {
        if (workflowClosed(err)) {
          throw conflict(`departure ${d.id} has left; boarding is closed`);
        }
        throw err;
      }
    },
  );

  app.get(
    '/departures/:departureId/manifest',
    {
      schema: {
        tags: ['departures'],
        summary: "The sailing's embarkation manifest (PDF), printed from the current records",
        params: z.object({ departureId: z.string() }),
        response: { 200: z.any().describe('the PDF'), 404: errorSchema },
        produces: ['application/pdf'],
      },
    },
    async (req, reply) => {
      const d = await departureOr404(req.params.departureId);
      const [campaign] = await db.select({ id: campaigns.id, name: campaigns.name, season: campaigns.season }).from(campaigns).where(eq(campaigns.id, d.campaignId));
      const rows = await db
        .select({ p: departurePassengers, candidate: candidates, visaNumber: workerCycles.visaNumber, employerName: employers.name })
        .from(departurePassengers)
        .innerJoin(workerCycles, eq(workerCycles.id, departurePassengers.cycleId))
        .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
        .leftJoin(employers, eq(employers.id, workerCycles.employerId))
        .where(eq(departurePassengers.departureId, d.id))
        .orderBy(asc(candidates.lastName), asc(candidates.firstName), asc(candidates.id));
      const pdf = await renderEmbarkationManifest({
        departureId: d.id,
        campaign: campaign!,
        departureAt: d.departureAt.toISOString(),
        port: d.port,
        destination: d.destination,
        seats: d.seats,
        status: d.status,
        generatedAt: new Date().toISOString(),
        passengers: rows.map((r) => ({
          firstName: r.candidate.firstName,
          lastName: r.candidate.lastName,
          nationalId: r.candidate.nationalId,
          passportNumber: r.candidate.passportNumber,
          employerName: r.employerName,
          visaNumber: r.visaNumber,
          status: r.p.status,
          embarkedAt: r.p.embarkedAt?.toISOString() ?? null,
        })),
      });
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="manifeste-${d.id}.pdf"`)
        .send(pdf);
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
        params: z.object({ campaignId: z.string() }),
        querystring: loadedByQuery,
        body: intakeBody,
        response: fileResponses,
      },
    },
    async (req, reply) => {
      const campaign = await campaignOr404(req.params.campaignId);
      const kind = 'returns';
      const { format, rows, raw } = readRows(req, req.body);
      const hash = sha256(raw);
      const loaded = await findLoadedFile(db, campaign.id, kind, hash);
      if (loaded) return reply.code(200).send(loaded);
      const { ok, errors } = validateRows(rows, returnRow);
      const cycles = await cyclesByNationalId(db, campaign.id);
      const items: { line: number; cycleId: string; payload: BulkItemPayload }[] = [];
      const seen = new Set<string>();
      for (const { line, row } of ok) {
        const cycleId = cycles.get(row.nationalId);
        if (!cycleId) {
          errors.push({ line, field: 'nationalId', reason: `no worker cycle for ${row.nationalId} in campaign ${campaign.id}` });
          continue;
        }
        if (seen.has(cycleId)) {
          errors.push({ line, field: 'nationalId', reason: `${row.nationalId} appears more than once in this file` });
          continue;
        }
        seen.add(cycleId);
        const args: Record<string, unknown> = { returnedOn: row.returnedOn, proof: row.proof, recordedBy: req.query.loadedBy };
        if (row.sailing) args.sailing = row.sailing;
        items.push({ line, cycleId, payload: { args } });
      }
      const result = await loadFile({ campaignId: campaign.id, kind, bulkKind: 'return', sourceKey: hash.slice(0, 16), source: `return file ${hash.slice(0, 16)}`, hash, format, rowsTotal: rows.length, errors, items, loadedBy: req.query.loadedBy });
      return reply.code(result.duplicate ? 200 : 201).send(result);
    },
  );

  async function loadFile(f: {
    campaignId: string;
    kind: string;
    bulkKind: 'embarkation' | 'return';
    sourceKey: string;
    source: string;
    hash: string;
    format: 'csv' | 'json' | 'xlsx';
    rowsTotal: number;
    errors: RowError[];
    items: { line: number; cycleId: string; payload: BulkItemPayload }[];
    loadedBy: string;
  }): Promise<IntakeResult> {
    f.errors.sort((a, b) => a.line - b.line);
    const operationId = f.items.length
      ? await startBulkOperation(db, temporal, { campaignId: f.campaignId, kind: f.bulkKind, sourceKey: f.sourceKey, source: f.source, createdBy: f.loadedBy, items: f.items })
      : null;
    return recordLoadedFile(db, { campaignId: f.campaignId, kind: f.kind, hash: f.hash, format: f.format, rowsTotal: f.rowsTotal, accepted: f.items.length, errors: f.errors, operationId, loadedBy: f.loadedBy });
  }
};
