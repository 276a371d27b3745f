// Coordinators' bulk files: candidate lists, selection results, authorisations, pre-departure records.
// Each accepted row becomes one row of a bulk operation applied by a workflow (GET /bulk-operations/:id).
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bulkItems, bulkOperations, campaigns, candidates, offers } from '../../db/schema';
import type { BulkItemPayload } from '../../activities/coordination';
import { DEFAULT_CYCLE_TIMINGS, workerCycleWorkflowId, type CycleTimings, type WorkerCycleInput } from '../../workflows/contracts/worker-cycle';
import { msToNumber } from '@temporalio/common/lib/time';
import { contractIneligibility } from '../circular';
import { notFound } from '../errors';
import {
  csvBoolean,
  cyclesByNationalId,
  findLoadedFile,
  intakeBody,
  intakeResultView,
  readRows,
  recordLoadedFile,
  sha256,
  startBulkOperation,
  validateRows,
  type RowError,
} from '../intake';
import { candidateInput, errorSchema, timingsInput } from '../schemas';

const isoDate = z.iso.date();
const nationalId = z.string().transform((s) => s.trim().toUpperCase());
const loadedBy = z.string().min(1).max(120);

const intakeQuery = z.object({
  loadedBy: loadedBy.describe('who loads the file'),
  timings: z
    .string()
    .optional()
    .describe('JSON object of deadline overrides for the cycles started by a candidate file (simulations, tests)'),
});
const responses = { 200: intakeResultView, 201: intakeResultView, 400: errorSchema, 404: errorSchema, 422: errorSchema };

const candidateRow = candidateInput.extend({
  birthDate: isoDate,
  dependants: z.coerce.number().int().min(0).max(20).default(0),
  priorSeasons: z.coerce.number().int().min(0).max(30).default(0),
  reserveRank: z.coerce.number().int().positive().optional().describe('position on the reserve list; blank = main list'),
});
const selectionRow = z.object({
  nationalId,
  decision: z.enum(['selected', 'rejected']),
  offerId: z.string().min(1).optional(),
  reason: z.string().max(500).optional(),
  decidedBy: z.string().min(1).max(120),
});
const authorisationRow = z.object({ nationalId, authorisationNumber: z.string().min(3).max(40), issuedOn: isoDate });
const predepartureRow = z.object({ nationalId, sessionAttendedOn: isoDate, contractSigned: csvBoolean, returnCommitmentSigned: csvBoolean });

export const intakeRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, config } = app.deps;

  async function campaignOr404(campaignId: string) {
    const [c] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
    if (!c) throw notFound(`campaign ${campaignId}`);
    return c;
  }

  /** Candidates of this campaign who are blocked or have another cycle: the only ones the framework rules can refuse. */
  async function candidatesWithHistory(campaignId: string): Promise<Set<number>> {
    const rows = await db.execute<{ candidate_id: number }>(sql`
      select w.candidate_id from worker_cycles w join candidates c on c.id = w.candidate_id
      where w.campaign_id = ${campaignId}
        and (c.blocked_until is not null
             or exists (select 1 from worker_cycles o where o.candidate_id = w.candidate_id and o.id <> w.id)
             or exists (select 1 from work_authorisations a where a.candidate_id = w.candidate_id))`);
    return new Set(rows.map((r) => Number(r.candidate_id)));
  }

  /** Shared shape of the step files: rows name a worker by national ID; the step is an Update per row. */
  async function loadStepFile<S extends z.ZodType>(opts: {
    campaignId: string;
    kind: 'selection' | 'authorisation' | 'predeparture';
    body: z.infer<typeof intakeBody>;
    req: Parameters<typeof readRows>[0];
    schema: S;
    loadedBy: string;
    toArgs: (row: z.infer<S>, line: number, errors: RowError[], cycleId: string) => Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined;
  }) {
    const { format, rows, raw } = readRows(opts.req, opts.body);
    const hash = sha256(raw);
    const loaded = await findLoadedFile(db, opts.campaignId, opts.kind, hash);
    if (loaded) return loaded;
    const { ok, errors } = validateRows(rows, opts.schema);
    const cycles = await cyclesByNationalId(db, opts.campaignId);
    const items: { line: number; cycleId: string; payload: BulkItemPayload }[] = [];
    const seen = new Set<string>();
    for (const { line, row } of ok) {
      const nid = (row as { nationalId: string }).nationalId;
      const cycleId = cycles.get(nid);
      if (!cycleId) {
        errors.push({ line, field: 'nationalId', reason: `no worker cycle for ${nid} in campaign ${opts.campaignId}` });
        continue;
      }
      if (seen.has(cycleId)) {
        errors.push({ line, field: 'nationalId', reason: `${nid} appears more than once in this file` });
        continue;
      }
      const args = await opts.toArgs(row, line, errors, cycleId);
      if (!args) continue;
      seen.add(cycleId);
      items.push({ line, cycleId, payload: { args } });
    }
    errors.sort((a, b) => a.line - b.line);
    const operationId = items.length
      ? await startBulkOperation(db, temporal, { campaignId: opts.campaignId, kind: opts.kind, sourceKey: hash.slice(0, 16), source: `${opts.kind} file ${hash.slice(0, 16)}`, createdBy: opts.loadedBy, items })
      : null;
    return recordLoadedFile(db, { campaignId: opts.campaignId, kind: opts.kind, hash, format, rowsTotal: rows.length, accepted: items.length, errors, operationId, loadedBy: opts.loadedBy });
  }

  app.post(
    '/campaigns/:campaignId/intake/candidates',
    {
      schema: {
        tags: ['intake'],
        summary: 'Load a candidate list (CSV or JSON): registers each person once and starts their cycle',
        description: 'Columns: nationalId, firstName, lastName, birthDate, sex, province, commune, householdSituation, and optionally phone, language (ar, fr or es; ar when blank), email, passportNumber, passportExpiry, dependants, priorSeasons, reserveRank. Bad rows are reported by line and field; good rows are kept. Loading the same file twice changes nothing.',
        params: z.object({ campaignId: z.string() }),
        querystring: intakeQuery,
        body: intakeBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const campaign = await campaignOr404(req.params.campaignId);
      let overrides: Partial<CycleTimings> = {};
      if (req.query.timings) {
        const parsed = timingsInput.safeParse((() => { try { return JSON.parse(req.query.timings!); } catch { return 'not JSON'; } })());
        if (!parsed.success) {
          return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'invalid timings', issues: parsed.error.issues.map((i) => ({ field: `querystring.timings.${i.path.join('.')}`, reason: i.message })) });
        }
        overrides = parsed.data as Partial<CycleTimings>;
      }
      const { format, rows, raw } = readRows(req, req.body);
      const hash = sha256(raw);
      const loaded = await findLoadedFile(db, campaign.id, 'candidates', hash);
      if (loaded) return reply.code(200).send(loaded);
      const { ok, errors } = validateRows(rows, candidateRow);
      const seen = new Set<string>();
      const accepted = ok.filter(({ line, row }) => {
        if (seen.has(row.nationalId)) {
          errors.push({ line, field: 'nationalId', reason: `${row.nationalId} appears more than once in this file` });
          return false;
        }
        seen.add(row.nationalId);
        return true;
      });
      // One record per person across campaigns: insert the new, reuse the known.
      for (let i = 0; i < accepted.length; i += 1000) {
        const chunk = accepted.slice(i, i + 1000).map(({ row }) => {
          const { reserveRank, ...person } = row;
          void reserveRank;
          return person;
        });
        await db.insert(candidates).values(chunk).onConflictDoNothing();
      }
      const idByNid = new Map<string, { id: number; province: string }>();
      const nids = [...seen];
      for (let i = 0; i < nids.length; i += 1000) {
        const found = await db.select({ id: candidates.id, nationalId: candidates.nationalId, province: candidates.province }).from(candidates).where(inArray(candidates.nationalId, nids.slice(i, i + 1000)));
        for (const c of found) idByNid.set(c.nationalId, { id: c.id, province: c.province });
      }
      const timings = { ...DEFAULT_CYCLE_TIMINGS, ...config.CYCLE_TIMINGS, ...overrides } as CycleTimings;
      // A reserve waits to be called up until the reserve cut-off, not just the normal selection deadline.
      const untilCutoff = campaign.reserveCutoff ? Date.parse(`${campaign.reserveCutoff}T23:59:59Z`) - Date.now() : 0;
      const reserveTimings = { ...timings, selectionDeadline: Math.max(msToNumber(timings.selectionDeadline), untilCutoff) };
      const items = accepted.map(({ line, row }) => {
        const person = idByNid.get(row.nationalId)!;
        const input: WorkerCycleInput & { reserveRank: number | null } = {
          campaignId: campaign.id,
          season: campaign.season,
          candidateId: person.id,
          province: person.province,
          startedBy: req.query.loadedBy,
          timings: row.reserveRank ? reserveTimings : timings,
          reserveRank: row.reserveRank ?? null,
        };
        return { line, cycleId: workerCycleWorkflowId(campaign.id, person.id), payload: { args: input as unknown as Record<string, unknown> } };
      });
      errors.sort((a, b) => a.line - b.line);
      const operationId = items.length
        ? await startBulkOperation(db, temporal, { campaignId: campaign.id, kind: 'start_cycles', sourceKey: hash.slice(0, 16), source: `candidate file ${hash.slice(0, 16)}`, createdBy: req.query.loadedBy, items })
        : null;
      const result = await recordLoadedFile(db, { campaignId: campaign.id, kind: 'candidates', hash, format, rowsTotal: rows.length, accepted: items.length, errors, operationId, loadedBy: req.query.loadedBy });
      return reply.code(result.duplicate ? 200 : 201).send(result);
    },
  );

  app.post(
    '/campaigns/:campaignId/intake/selection',
    {
      schema: {
        tags: ['intake'],
        summary: "Load employers' selection results (CSV or JSON)",
        description: 'Columns: nationalId, decision (selected|rejected), offerId (when selected), reason, decidedBy.',
        params: z.object({ campaignId: z.string() }),
        querystring: intakeQuery,
        body: intakeBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const campaign = await campaignOr404(req.params.campaignId);
      const offerRows = await db.select().from(offers).where(eq(offers.campaignId, campaign.id));
      const byId = new Map(offerRows.map((o) => [o.id, o]));
      const returning = await candidatesWithHistory(campaign.id);
      const result = await loadStepFile({
        campaignId: campaign.id,
        kind: 'selection',
        body: req.body,
        req,
        schema: selectionRow,
        loadedBy: req.query.loadedBy,
        toArgs: async (row, line, errors, cycleId) => {
          if (row.decision === 'rejected') return { decision: 'rejected', reason: row.reason, decidedBy: row.decidedBy };
          const offer = row.offerId ? byId.get(row.offerId) : undefined;
          if (!offer) {
            errors.push({ line, field: 'offerId', reason: row.offerId ? `offer ${row.offerId} is not an offer of this campaign` : 'required when selected' });
            return undefined;
          }
          // Only workers with a history can break the framework's rules: skip the lookups for first-timers.
          const candidateId = Number(cycleId.slice(cycleId.lastIndexOf('-') + 1));
          if (returning.has(candidateId)) {
            const issues = await contractIneligibility(db, candidateId, { start: offer.contractStart, end: offer.contractEnd }, { excludeCycleId: cycleId });
            if (issues.length) {
              for (const i of issues) errors.push({ line, ...i });
              return undefined;
            }
          }
          return { decision: 'selected', employerId: offer.employerId, offerId: offer.id, contractStart: offer.contractStart, contractEnd: offer.contractEnd, decidedBy: row.decidedBy };
        },
      });
      return reply.code(result.duplicate ? 200 : 201).send(result);
    },
  );

  app.post(
    '/campaigns/:campaignId/intake/authorisations',
    {
      schema: {
        tags: ['intake'],
        summary: 'Load work authorisations entered in SI GECCO (CSV or JSON)',
        description: 'Columns: nationalId, authorisationNumber, issuedOn.',
        params: z.object({ campaignId: z.string() }),
        querystring: intakeQuery,
        body: intakeBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const campaign = await campaignOr404(req.params.campaignId);
      const result = await loadStepFile({
        campaignId: campaign.id,
        kind: 'authorisation',
        body: req.body,
        req,
        schema: authorisationRow,
        loadedBy: req.query.loadedBy,
        toArgs: (row) => ({ authorisationNumber: row.authorisationNumber, issuedOn: row.issuedOn, recordedBy: req.query.loadedBy }),
      });
      return reply.code(result.duplicate ? 200 : 201).send(result);
    },
  );

  app.post(
    '/campaigns/:campaignId/intake/predeparture',
    {
      schema: {
        tags: ['intake'],
        summary: 'Load pre-departure session attendance and signatures (CSV or JSON)',
        description: 'Columns: nationalId, sessionAttendedOn, contractSigned, returnCommitmentSigned.',
        params: z.object({ campaignId: z.string() }),
        querystring: intakeQuery,
        body: intakeBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const campaign = await campaignOr404(req.params.campaignId);
      const result = await loadStepFile({
        campaignId: campaign.id,
        kind: 'predeparture',
        body: req.body,
        req,
        schema: predepartureRow,
        loadedBy: req.query.loadedBy,
        toArgs: (row) => ({ ...row, nationalId: undefined, recordedBy: req.query.loadedBy }),
      });
      return reply.code(result.duplicate ? 200 : 201).send(result);
    },
  );

  app.get(
    '/bulk-operations/:operationId',
    {
      schema: {
        tags: ['intake'],
        summary: 'Progress of a bulk operation, with the refused rows and their reasons',
        params: z.object({ operationId: z.string() }),
        response: {
          200: z.object({
            id: z.string(),
            campaignId: z.string(),
            kind: z.string(),
            source: z.string(),
            status: z.string(),
            total: z.number(),
            applied: z.number(),
            refused: z.number(),
            pending: z.number(),
            refusals: z.array(z.object({ line: z.number(), cycleId: z.string(), reason: z.string() })),
          }),
          404: errorSchema,
        },
      },
    },
    async (req) => {
      const [op] = await db.select().from(bulkOperations).where(eq(bulkOperations.id, req.params.operationId));
      if (!op) throw notFound(`bulk operation ${req.params.operationId}`);
      // Polled while a file is applied: counts in SQL, and only the refused rows (at most 1,000) come back.
      const [counts] = await db
        .select({
          all: sql<number>`count(*)::int`,
          applied: sql<number>`(count(*) filter (where ${bulkItems.status} = 'applied'))::int`,
          refused: sql<number>`(count(*) filter (where ${bulkItems.status} = 'refused'))::int`,
        })
        .from(bulkItems)
        .where(eq(bulkItems.operationId, op.id));
      const refusedRows = counts!.refused === 0
        ? []
        : await db
            .select({ line: bulkItems.line, cycleId: bulkItems.cycleId, error: bulkItems.error })
            .from(bulkItems)
            .where(and(eq(bulkItems.operationId, op.id), eq(bulkItems.status, 'refused')))
            .orderBy(asc(bulkItems.line))
            .limit(1000);
      return {
        id: op.id,
        campaignId: op.campaignId,
        kind: op.kind,
        source: op.source,
        status: op.status,
        total: op.total,
        applied: counts!.applied,
        refused: counts!.refused,
        pending: counts!.all - counts!.applied - counts!.refused,
        refusals: refusedRows.map((i) => ({ line: i.line, cycleId: i.cycleId, reason: i.error ?? '' })),
      };
    },
  );
};
