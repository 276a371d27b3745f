// Worker cycle routes: start one cycle, list a campaign's cycles, read one, and the human steps, generated from
// the step table (api/steps.ts and workflows/contracts/steps.ts).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { startWorkerCycle } from '../../activities/start-worker-cycle';
import { admitOne } from '../../db/queries/contracting';
import { CYCLE_STEP_NAMES } from '../../workflows/contracts/steps';
import {
  DEFAULT_CYCLE_TIMINGS,
  cycleStateQuery,
  withdrawSignal,
  workerCycleWorkflowId,
  type CycleOutcome,
  type CycleStage,
  type CycleTimings,
  type StepPayloads,
  type WorkerCycleState,
} from '../../workflows/contracts/worker-cycle';
import { applySelection, applyStep, openCycle } from '../cycle-steps';
import { conflict, notFound, unprocessable } from '../errors';
import { campaignOr404 } from '../queries/campaigns';
import { personOr404 } from '../queries/candidates';
import { cycleRecord, insertCycleRow, listCycles } from '../queries/cycles';
import { cycleListItem, cycleStateView, cycleView, errorSchema, selectionBody, startCycleInput, withdrawalBody } from '../schemas';
import { STEP_ROUTES } from '../steps';
import { paged, pageQuery } from '../paging';

const cycleParams = z.object({ cycleId: z.string().regex(/^worker-[a-z0-9-]+-\d+$/, 'a worker cycle id, e.g. worker-huelva-2026-42') });
const campaignParams = z.object({ campaignId: z.string().max(64) });
const stepResponses = { 200: cycleStateView, 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema };
const idempotency = z.object({ 'idempotency-key': z.string().min(8).max(100).optional().describe('a retried request with the same key gets the first answer') });

type CycleRecord = NonNullable<Awaited<ReturnType<typeof cycleRecord>>>;

/** A closed cycle (or Temporal unreachable): the persisted row and the audit trail are the record. */
function stateFromRecord(r: CycleRecord): WorkerCycleState {
  const c = r.cycle;
  return {
    cycleId: c.id,
    campaignId: c.campaignId,
    candidateId: c.candidateId,
    stage: c.stage as CycleStage,
    outcome: (c.outcome ?? undefined) as CycleOutcome | undefined,
    employerId: c.employerId ?? undefined,
    offerId: c.offerId ?? undefined,
    contractStart: c.contractStart ?? undefined,
    contractEnd: c.contractEnd ?? undefined,
    authorisationNumber: c.authorisationNumber ?? undefined,
    visaFileReference: c.visaFileReference ?? undefined,
    visaSubmissions: r.audit.filter((a) => a.step.startsWith('visa_file_')).length,
    visaNumber: c.visaNumber ?? undefined,
    consularEscalated: r.audit.some((a) => a.step.startsWith('consular_silence_escalated')),
    departureAt: c.departureAt?.toISOString(),
    port: c.port ?? undefined,
    embarkedAt: c.embarkedAt?.toISOString(),
    returnedOn: c.returnedOn ?? undefined,
    returnProof: (c.returnProof ?? undefined) as WorkerCycleState['returnProof'],
    nextSeasonEligible: c.nextSeasonEligible ?? undefined,
    steps: r.audit.map((a) => ({ seq: a.seq, step: a.step, stage: a.stage as CycleStage, at: a.occurredAt.toISOString(), actor: a.actor })),
  };
}

export const cycleRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, config } = app.deps;
  const deps = { db, temporal };

  app.post(
    '/campaigns/:campaignId/cycles',
    {
      schema: {
        tags: ['worker cycles'],
        operationId: 'startCycle',
        summary: "Start a preselected candidate's cycle in a campaign (idempotent)",
        description: 'Returns 201 when started, 200 when this candidate already has a running cycle in the campaign; 422 when the person may not be contracted (e.g. blocked after a non-return).',
        params: campaignParams,
        body: startCycleInput,
        response: { 200: z.object({ cycleId: z.string(), created: z.boolean() }), 201: z.object({ cycleId: z.string(), created: z.boolean() }), 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const campaign = await campaignOr404(db, req.params.campaignId);
      const candidate = await personOr404(db, req.body.candidateId);
      const cycleId = workerCycleWorkflowId(campaign.id, candidate.id);
      const gate = await admitOne(db, { candidateId: candidate.id, cycleId }, { hold: false });
      if (gate.refusals.length) throw unprocessable(gate.refusals.map((r) => r.reason).join('; '), gate.refusals.map((r) => ({ field: `body.${r.field}`, reason: r.reason })));
      const timings = { ...DEFAULT_CYCLE_TIMINGS, ...config.CYCLE_TIMINGS, ...req.body.timings } as CycleTimings;
      // Write the row, then start the workflow (its ID is the business key): a retry finds both.
      const created = await insertCycleRow(db, { id: cycleId, campaignId: campaign.id, candidateId: candidate.id, province: candidate.province });
      const started = await startWorkerCycle(temporal, { campaignId: campaign.id, season: campaign.season, candidateId: candidate.id, province: candidate.province, startedBy: req.body.startedBy, timings });
      if (started === 'already_ran') throw conflict(`candidate ${candidate.id} already had a cycle in campaign ${campaign.id} (${cycleId})`);
      return reply.code(created ? 201 : 200).send({ cycleId, created });
    },
  );

  app.get(
    '/campaigns/:campaignId/cycles',
    {
      schema: {
        tags: ['worker cycles'],
        operationId: 'listCycles',
        summary: "List a campaign's worker cycles (from PostgreSQL), filtered and paged",
        params: campaignParams,
        querystring: pageQuery.extend({ stage: z.string().max(40).optional(), outcome: z.string().max(40).optional() }),
        response: { 200: paged(cycleListItem), 400: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const campaign = await campaignOr404(db, req.params.campaignId);
      const { total, rows } = await listCycles(db, { campaignId: campaign.id, ...req.query });
      const items = rows.map((r) => ({ cycleId: r.id, candidateId: r.candidateId, province: r.province, stage: r.stage, outcome: r.outcome, employerId: r.employerId, offerId: r.offerId, updatedAt: r.updatedAt.toISOString() }));
      return { total, limit: req.query.limit, offset: req.query.offset, items };
    },
  );

  app.get(
    '/cycles/:cycleId',
    { schema: { tags: ['worker cycles'], operationId: 'getCycle', summary: "A worker's cycle: live state, documents and audit trail", params: cycleParams, response: { 200: cycleView, 400: errorSchema, 404: errorSchema } } },
    async (req) => {
      const { cycleId } = req.params;
      const record = await cycleRecord(db, cycleId);
      if (!record) throw notFound(`worker cycle ${cycleId}`);
      let running = record.cycle.stage !== 'closed';
      let state: WorkerCycleState | undefined;
      if (running) {
        try {
          state = await temporal.workflow.getHandle(cycleId).query(cycleStateQuery);
          running = state.stage !== 'closed';
        } catch (err) {
          req.log.warn({ err, cycleId }, 'live state unavailable, answering from PostgreSQL');
        }
      }
      const p = record.candidate;
      return {
        cycleId,
        campaignId: record.cycle.campaignId,
        candidate: { id: p.id, nationalId: p.nationalId, firstName: p.firstName, lastName: p.lastName, province: p.province },
        running,
        state: state ?? stateFromRecord(record),
        documents: record.docs.map((d) => ({ ...d, createdAt: d.createdAt.toISOString(), url: `/documents/${d.id}` })),
        audit: record.audit.map((a) => ({ seq: a.seq, step: a.step, stage: a.stage, outcome: a.outcome, actor: a.actor, details: a.details, occurredAt: a.occurredAt.toISOString() })),
      };
    },
  );

  // --- human steps: generated from the step table; Updates refused by the workflow's validators when out of order
  for (const step of CYCLE_STEP_NAMES) {
    const route = STEP_ROUTES[step];
    if (!route.path) continue;
    app.post(
      `/cycles/:cycleId/${route.path}`,
      { schema: { tags: ['worker cycles'], operationId: step, summary: route.summary, params: cycleParams, headers: idempotency, body: route.body, response: stepResponses } },
      async (req) => {
        const cycle = await openCycle(db, req.params.cycleId, step);
        const key = req.headers['idempotency-key'];
        if (step === 'recordSelection') return applySelection(deps, cycle, req.body as z.infer<typeof selectionBody>, key);
        return applyStep(deps, cycle.id, step, req.body as StepPayloads[typeof step], key);
      },
    );
  }

  app.post(
    '/cycles/:cycleId/withdrawal',
    {
      schema: {
        tags: ['worker cycles'],
        operationId: 'withdraw',
        summary: 'The candidate withdraws (before embarkation); acknowledged asynchronously',
        params: cycleParams,
        body: withdrawalBody,
        response: { 202: z.object({ accepted: z.boolean() }), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const cycle = await openCycle(db, req.params.cycleId);
      await temporal.workflow.getHandle(cycle.id).signal(withdrawSignal, req.body);
      return reply.code(202).send({ accepted: true });
    },
  );
};
