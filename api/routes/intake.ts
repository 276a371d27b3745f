// Coordinators' files: candidate lists and the step files of the step table (selection, authorisations,
// pre-departure). Each goes through the one file pipeline (api/files.ts); each accepted row becomes one row of a
// bulk operation applied by a workflow (GET /bulk-operations/:id).
import { actedBy, actorOf } from '../auth/access';
import { reachOf } from '../auth/jurisdiction';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { msToNumber } from '@temporalio/common/lib/time';
import { admit } from '../../db/queries/contracting';
import { planSelection } from '../queries/selection-plan';
import { CYCLE_STEPS, CYCLE_STEP_NAMES } from '../../workflows/contracts/steps';
import { DEFAULT_CYCLE_TIMINGS, workerCycleWorkflowId, type CycleStep, type CycleTimings, type WorkerCycleInput } from '../../workflows/contracts/worker-cycle';
import { conflict, HttpError, notFound } from '../errors';
import { cyclesByNationalId, fileDate, fileUpload, itemsByNationalId, loadFile, sendFileResult, } from '../files';
import { bulkProgress, loadedFileErrors } from '../queries/bulk';
import { csvText } from '../csv';
import { registerPeople } from '../queries/candidates';
import { dataProtectionSettings } from '../../config';
import { campaignOr404 } from '../queries/campaigns';
import { candidateInput, dbIdParam, timingsInput } from '../schemas';
import { STEP_ROUTES } from '../steps';
import { route, sendDownload } from './define';

const intakeQuery = z.object({
  timings: z.string().max(2000).optional().describe('JSON object of deadline overrides for the cycles started by a candidate file (simulations, tests)'),
});
const problems = [404, 409, 422] as const;
const campaignParams = z.object({ campaignId: z.string().max(64) });

const candidateRow = candidateInput.extend({
  birthDate: fileDate,
  passportExpiry: fileDate.optional(),
  dependants: z.coerce.number().int().min(0).max(20).default(0),
  priorSeasons: z.coerce.number().int().min(0).max(30).default(0),
  reserveRank: z.coerce.number().int().positive().max(1_000_000).optional().describe('position on the reserve list; blank = main list'),
});

function parseTimings(raw: string | undefined): Partial<CycleTimings> {
  if (!raw) return {};
  const parsed = timingsInput.safeParse((() => { try { return JSON.parse(raw); } catch { return 'not JSON'; } })());
  if (!parsed.success) throw new HttpError(400, 'invalid timings', parsed.error.issues.map((i) => ({ field: `querystring.timings.${i.path.join('.')}`, reason: i.message })));
  return parsed.data as Partial<CycleTimings>;
}

export const intakeRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, config } = app.deps;
  const { hmacKey } = dataProtectionSettings(config);
  const deps = { db, temporal };

  app.post('/campaigns/:campaignId/intake/candidates', route({
    ...fileUpload, scope: 'candidate:register', tags: ['intake'], operationId: 'loadCandidateFile',
    summary: 'Load a candidate list (CSV, XLSX or JSON): registers each person once and starts their cycle',
    description: 'Columns: nationalId, firstName, lastName, birthDate, sex, province, commune, householdSituation, and optionally phone, language (ar, fr or es; ar when blank), email, passportNumber, passportExpiry, dependants, priorSeasons, reserveRank. Bad rows (and people who may not be contracted, e.g. blocked after a non-return) are reported by line and field; good rows are kept. Loading the same file twice changes nothing.',
    params: campaignParams, querystring: intakeQuery, problems,
  }), async (req, reply) => {
    const campaign = await campaignOr404(db, req.params.campaignId);
    const timings = { ...DEFAULT_CYCLE_TIMINGS, ...config.CYCLE_TIMINGS, ...parseTimings(req.query.timings) } as CycleTimings;
    // A reserve waits to be called up until the reserve cut-off, not just the normal selection deadline.
    const untilCutoff = campaign.reserveCutoff ? Date.parse(`${campaign.reserveCutoff}T23:59:59Z`) - Date.now() : 0;
    const reserveTimings = { ...timings, selectionDeadline: Math.max(msToNumber(timings.selectionDeadline), untilCutoff) };
    const result = await loadFile(deps, req, {
      campaignId: campaign.id,
      kind: 'candidates',
      bulkKind: 'start_cycles',
      body: req.body,
      schema: candidateRow,
      loadedBy: actedBy(req),
      what: 'candidate',
      plan: async (ok, errors, tx) => {
        const seen = new Set<string>();
        const { province } = reachOf(actorOf(req));
        const accepted = ok.filter(({ line, row }) => {
          if (province !== undefined && row.province !== province) {
            errors.push({ line, field: 'province', reason: `${row.province} is outside your agency's province (${province})` });
            return false;
          }
          if (!seen.has(row.nationalId)) return seen.add(row.nationalId);
          errors.push({ line, field: 'nationalId', reason: `${row.nationalId} appears more than once in this file` });
          return false;
        });
        // One record per person across campaigns: insert the new, reuse the known.
        const idByNid = await registerPeople(tx, accepted.map(({ row: { reserveRank: _rank, ...person } }) => person), hmacKey);
        // a person already registered in another province is not this agency's to start a cycle for
        const inReach = accepted.filter(({ line, row }) => {
          if (province === undefined || idByNid.get(row.nationalId)!.province === province) return true;
          errors.push({ line, field: 'nationalId', reason: `${row.nationalId} is registered in another province` });
          return false;
        });
        // The eligibility gate's person rules: a blocked person is reported on the row, not kept.
        const gate = await admit(tx, inReach.map(({ row }) => ({ candidateId: idByNid.get(row.nationalId)!.id, cycleId: workerCycleWorkflowId(campaign.id, idByNid.get(row.nationalId)!.id) })), { hold: false });
        return inReach.flatMap(({ line, row }, i) => {
          const refusals = gate[i]!.refusals;
          if (refusals.length) {
            for (const r of refusals) errors.push({ line, field: r.field, reason: r.reason });
            return [];
          }
          const person = idByNid.get(row.nationalId)!;
          const input: WorkerCycleInput & { reserveRank: number | null } = {
            campaignId: campaign.id,
            season: campaign.season,
            candidateId: person.id,
            province: person.province,
            startedBy: actedBy(req),
            timings: row.reserveRank ? reserveTimings : timings,
            reserveRank: row.reserveRank ?? null,
          };
          return [{ line, cycleId: workerCycleWorkflowId(campaign.id, person.id), payload: { args: input as unknown as Record<string, unknown> } }];
        });
      },
    });
    return sendFileResult(reply, result);
  });

  // --- the step files of the step table ----------------------------------------------------------------------
  for (const step of CYCLE_STEP_NAMES) {
    const file = STEP_ROUTES[step].file;
    if (!file) continue;
    app.post(`/campaigns/:campaignId/intake/${file.path}`, route({
      ...fileUpload, scope: STEP_ROUTES[step].scope, tags: ['intake'], operationId: `load${file.path[0]!.toUpperCase()}${file.path.slice(1)}File`,
      summary: file.summary, params: campaignParams, querystring: intakeQuery, problems,
    }), async (req, reply) => {
      const campaign = await campaignOr404(db, req.params.campaignId);
      const def = CYCLE_STEPS[step];
      if (!(def.campaignStages as readonly string[]).includes(campaign.stage)) {
        throw conflict(`campaign ${campaign.id} is at ${campaign.stage}: the ${def.label} is taken at ${def.campaignStages.join(', ')}`, [{ field: 'campaign.stage', reason: `${campaign.stage} does not allow this file` }]);
      }
      const result = await loadFile(deps, req, {
        campaignId: campaign.id,
        kind: def.bulkKind,
        bulkKind: def.bulkKind,
        body: req.body,
        schema: file.row,
        loadedBy: actedBy(req),
        what: file.path,
        plan: async (ok, errors, tx) => {
          const cycles = new Map([...(await cyclesByNationalId(tx, campaign.id, reachOf(actorOf(req))))].map(([nid, cycleId]) => [nid, { cycleId }]));
          const items = itemsByNationalId(ok as { line: number; row: { nationalId: string } }[], errors, cycles, {
            unknown: (nid) => `no worker cycle for ${nid} in campaign ${campaign.id}`,
            payload: (row) => ({ args: row as Record<string, unknown> }),
          });
          if (step === 'recordSelection') return planSelection(tx, campaign.id, items.map((i) => ({ line: i.line, cycleId: i.cycleId, row: i.payload.args })), errors, actedBy(req));
          return items.map((i) => ({ ...i, payload: { args: file.toPayload!(i.payload.args, actedBy(req)) as unknown as Record<string, unknown> } }));
        },
      });
      return sendFileResult(reply, result);
    });
  }

  app.get('/bulk-operations/:operationId', route({
    scope: 'bulk:read', tags: ['intake'],
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
    },
    problems: [404],
  }), async (req) => {
    const progress = await bulkProgress(db, req.params.operationId);
    if (!progress) throw notFound(`bulk operation ${req.params.operationId}`);
    return progress;
  });

  app.get('/intake-files/:fileId/errors.csv', route({
    scope: 'bulk:read', tags: ['intake'], operationId: 'getFileErrorsCsv',
    summary: "A loaded file's refused rows, all of them, as CSV (line, field, reason)",
    params: z.object({ fileId: dbIdParam }), produces: ['text/csv'],
    response: { 200: z.string() }, problems: [404],
  }), async (req, reply) => {
    const file = await loadedFileErrors(db, req.params.fileId);
    if (!file) throw notFound(`file ${req.params.fileId}`);
    const csv = csvText(['line', 'field', 'reason'], file.errors.map((e) => [e.line, e.field, e.reason]));
    return sendDownload(reply, { name: `${file.kind.replace(/[^a-z0-9_-]/gi, '-')}-${file.id}-errors.csv`, content: `${csv}\n`, type: 'text/csv; charset=utf-8' });
  });
};
