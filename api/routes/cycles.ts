import { and, asc, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { startWorkerCycle } from '../../activities/start-worker-cycle';
import type { UpdateDefinition } from '@temporalio/common';
import { auditEvents, campaigns, candidates, documents, offers, workerCycles } from '../../db/schema';
import type { workerCycleWorkflow } from '../../workflows/worker-cycle';
import {
  DEFAULT_CYCLE_TIMINGS,
  convokeUpdate,
  cycleStateQuery,
  recordAuthorisationUpdate,
  recordConsularDecisionUpdate,
  recordEmbarkationUpdate,
  recordPredepartureUpdate,
  recordReturnUpdate,
  recordSelectionUpdate,
  submitVisaFileUpdate,
  withdrawSignal,
  workerCycleWorkflowId,
  type CycleStage,
  type CycleOutcome,
  type CycleTimings,
  type WorkerCycleInput,
  type StepAck,
  type WorkerCycleState,
} from '../../workflows/contracts/worker-cycle';
import { contractIneligibility } from '../circular';
import { conflict, notFound, unprocessable } from '../errors';
import {
  authorisationBody,
  consularDecisionBody,
  convocationBody,
  cycleListItem,
  cycleStateView,
  cycleView,
  embarkationBody,
  errorSchema,
  predepartureBody,
  returnBody,
  selectionBody,
  startCycleInput,
  visaFileBody,
  withdrawalBody,
} from '../schemas';

const cycleParams = z.object({ cycleId: z.string().regex(/^worker-[a-z0-9-]+-\d+$/, 'a worker cycle id, e.g. worker-huelva-2026-42') });
const stepResponses = { 200: cycleStateView, 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema };

export const cycleRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, config } = app.deps;

  async function cycleHandle(cycleId: string): Promise<WorkflowHandle<typeof workerCycleWorkflow>> {
    const [row] = await db.select({ id: workerCycles.id, stage: workerCycles.stage, outcome: workerCycles.outcome }).from(workerCycles).where(eq(workerCycles.id, cycleId));
    if (!row) throw notFound(`worker cycle ${cycleId}`);
    if (row.stage === 'closed') throw conflict(`worker cycle ${cycleId} is closed (${row.outcome ?? 'no outcome'})`);
    return temporal.workflow.getHandle<typeof workerCycleWorkflow>(cycleId);
  }

  async function applyStep<A>(cycleId: string, def: UpdateDefinition<StepAck, [A]>, payload: A): Promise<WorkerCycleState> {
    const handle = await cycleHandle(cycleId);
    try {
      // The Update answers a small acknowledgement (it is stored in the history); the caller gets the full state.
      await handle.executeUpdate(def, { args: [payload] });
      return await handle.query(cycleStateQuery);
    } catch (err) {
      // The workflow may have closed (a deadline) between our read and the update.
      if (err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed|completed/i.test(err.message))) {
        throw conflict(`worker cycle ${cycleId} is closed`);
      }
      throw err;
    }
  }

  app.post(
    '/campaigns/:campaignId/cycles',
    {
      schema: {
        tags: ['worker cycles'],
        summary: "Start a preselected candidate's cycle in a campaign (idempotent)",
        description: 'Returns 201 when started, 200 when this candidate already has a running cycle in the campaign.',
        params: z.object({ campaignId: z.string() }),
        body: startCycleInput,
        response: { 200: z.object({ cycleId: z.string(), created: z.boolean() }), 201: z.object({ cycleId: z.string(), created: z.boolean() }), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, req.params.campaignId));
      if (!campaign) throw notFound(`campaign ${req.params.campaignId}`);
      const [candidate] = await db.select().from(candidates).where(eq(candidates.id, req.body.candidateId));
      if (!candidate) throw notFound(`candidate ${req.body.candidateId}`);
      const cycleId = workerCycleWorkflowId(campaign.id, candidate.id);
      const timings = { ...DEFAULT_CYCLE_TIMINGS, ...config.CYCLE_TIMINGS, ...req.body.timings } as CycleTimings;
      const input: WorkerCycleInput = {
        campaignId: campaign.id,
        season: campaign.season,
        candidateId: candidate.id,
        province: candidate.province,
        startedBy: req.body.startedBy,
        timings,
      };
      // Row and workflow together: if Temporal refuses the start, the row is rolled back.
      const created = await db.transaction(async (tx) => {
        const rows = await tx
          .insert(workerCycles)
          .values({ id: cycleId, campaignId: campaign.id, candidateId: candidate.id, province: candidate.province, stage: 'preselected' })
          .onConflictDoNothing()
          .returning({ id: workerCycles.id });
        if ((await startWorkerCycle(temporal, input)) === 'already_ran') {
          throw conflict(`candidate ${candidate.id} already had a cycle in campaign ${campaign.id} (${cycleId})`);
        }
        return rows.length > 0;
      });
      return reply.code(created ? 201 : 200).send({ cycleId, created });
    },
  );

  app.get(
    '/campaigns/:campaignId/cycles',
    {
      schema: {
        tags: ['worker cycles'],
        summary: "List a campaign's worker cycles (from PostgreSQL), filtered and paged",
        params: z.object({ campaignId: z.string() }),
        querystring: z.object({
          stage: z.string().optional(),
          outcome: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: z.object({ total: z.number(), items: z.array(cycleListItem) }), 400: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const { stage, outcome, limit, offset } = req.query;
      const [campaign] = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, req.params.campaignId));
      if (!campaign) throw notFound(`campaign ${req.params.campaignId}`);
      const where = and(
        eq(workerCycles.campaignId, campaign.id),
        stage ? eq(workerCycles.stage, stage) : undefined,
        outcome ? eq(workerCycles.outcome, outcome) : undefined,
      );
      const total = await db.$count(workerCycles, where);
      const rows = await db.select().from(workerCycles).where(where).orderBy(asc(workerCycles.candidateId)).limit(limit).offset(offset);
      return {
        total,
        items: rows.map((r) => ({
          cycleId: r.id,
          candidateId: r.candidateId,
          province: r.province,
          stage: r.stage,
          outcome: r.outcome,
          employerId: r.employerId,
          offerId: r.offerId,
          updatedAt: r.updatedAt.toISOString(),
        })),
      };
    },
  );

  app.get(
    '/cycles/:cycleId',
    {
      schema: {
        tags: ['worker cycles'],
        summary: "A worker's cycle: live state, documents and audit trail",
        params: cycleParams,
        response: { 200: cycleView, 400: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const { cycleId } = req.params;
      const [row] = await db
        .select({ cycle: workerCycles, candidate: candidates })
        .from(workerCycles)
        .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
        .where(eq(workerCycles.id, cycleId));
      if (!row) throw notFound(`worker cycle ${cycleId}`);
      const audit = await db.select().from(auditEvents).where(eq(auditEvents.cycleId, cycleId)).orderBy(asc(auditEvents.seq));
      const docs = await db
        .select({ id: documents.id, kind: documents.kind, version: documents.version, filename: documents.filename, sizeBytes: documents.sizeBytes, sha256: documents.sha256, createdAt: documents.createdAt })
        .from(documents)
        .where(eq(documents.cycleId, cycleId))
        .orderBy(asc(documents.id));

      const c = row.cycle;
      let running = c.stage !== 'closed';
      let state: WorkerCycleState | undefined;
      if (running) {
        try {
          state = await temporal.workflow.getHandle(cycleId).query(cycleStateQuery);
          running = state.stage !== 'closed';
        } catch (err) {
          req.log.warn({ err, cycleId }, 'live state unavailable, answering from PostgreSQL');
        }
      }
      // Closed (or Temporal unreachable): the persisted row and the audit log are the record.
      state ??= {
        cycleId,
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
        visaSubmissions: audit.filter((a) => a.step.startsWith('visa_file_')).length,
        visaNumber: c.visaNumber ?? undefined,
        consularEscalated: audit.some((a) => a.step.startsWith('consular_silence_escalated')),
        departureAt: c.departureAt?.toISOString(),
        port: c.port ?? undefined,
        embarkedAt: c.embarkedAt?.toISOString(),
        returnedOn: c.returnedOn ?? undefined,
        returnProof: (c.returnProof ?? undefined) as WorkerCycleState['returnProof'],
        nextSeasonEligible: c.nextSeasonEligible ?? undefined,
        steps: audit.map((a) => ({ seq: a.seq, step: a.step, stage: a.stage as CycleStage, at: a.occurredAt.toISOString(), actor: a.actor })),
      };
      return {
        cycleId,
        campaignId: c.campaignId,
        candidate: {
          id: row.candidate.id,
          nationalId: row.candidate.nationalId,
          firstName: row.candidate.firstName,
          lastName: row.candidate.lastName,
          province: row.candidate.province,
        },
        running,
        state,
        documents: docs.map((d) => ({ ...d, createdAt: d.createdAt.toISOString(), url: `/documents/${d.id}` })),
        audit: audit.map((a) => ({ seq: a.seq, step: a.step, stage: a.stage, outcome: a.outcome, actor: a.actor, details: a.details, occurredAt: a.occurredAt.toISOString() })),
      };
    },
  );

  // --- human steps: Updates, refused by the workflow's validators when out of order -----------------------
  app.post(
    '/cycles/:cycleId/selection',
    { schema: { tags: ['worker cycles'], summary: "Record the employer's selection decision", params: cycleParams, body: selectionBody, response: stepResponses } },
    async (req) => {
      const { cycleId } = req.params;
      const b = req.body;
      if (b.decision === 'rejected') return applyStep(cycleId, recordSelectionUpdate, { decision: 'rejected', reason: b.reason, decidedBy: b.decidedBy });
      if (!b.offerId) throw unprocessable('a selection needs the offer', [{ field: 'body.offerId', reason: 'required when selected' }]);
      const [cycle] = await db.select({ campaignId: workerCycles.campaignId, candidateId: workerCycles.candidateId }).from(workerCycles).where(eq(workerCycles.id, cycleId));
      if (!cycle) throw notFound(`worker cycle ${cycleId}`);
      const [offer] = await db.select().from(offers).where(and(eq(offers.id, b.offerId), eq(offers.campaignId, cycle.campaignId)));
      if (!offer) throw unprocessable(`offer ${b.offerId} is not an offer of campaign ${cycle.campaignId}`, [{ field: 'body.offerId', reason: 'unknown in this campaign' }]);
      // Multi-year framework: not blocked, at most 9 months in any 12, within the authorisation.
      const issues = await contractIneligibility(db, cycle.candidateId, { start: offer.contractStart, end: offer.contractEnd }, { excludeCycleId: cycleId });
      if (issues.length) throw unprocessable(issues.map((i) => i.reason).join('; '), issues.map((i) => ({ field: `body.${i.field}`, reason: i.reason })));
      return applyStep(cycleId, recordSelectionUpdate, {
        decision: 'selected',
        employerId: offer.employerId,
        offerId: offer.id,
        contractStart: offer.contractStart,
        contractEnd: offer.contractEnd,
        decidedBy: b.decidedBy,
      });
    },
  );

  app.post(
    '/cycles/:cycleId/authorisation',
    { schema: { tags: ['worker cycles'], summary: 'Record the work authorisation', params: cycleParams, body: authorisationBody, response: stepResponses } },
    async (req) => applyStep(req.params.cycleId, recordAuthorisationUpdate, req.body),
  );
  app.post(
    '/cycles/:cycleId/visa-file',
    { schema: { tags: ['worker cycles'], summary: 'Record that the visa file was lodged with the consulate', params: cycleParams, body: visaFileBody, response: stepResponses } },
    async (req) => applyStep(req.params.cycleId, submitVisaFileUpdate, req.body),
  );
  app.post(
    '/cycles/:cycleId/consular-decision',
    { schema: { tags: ['worker cycles'], summary: "Record the consulate's decision (issued, refused, incomplete)", params: cycleParams, body: consularDecisionBody, response: stepResponses } },
    async (req) => applyStep(req.params.cycleId, recordConsularDecisionUpdate, req.body),
  );
  app.post(
    '/cycles/:cycleId/predeparture',
    { schema: { tags: ['worker cycles'], summary: 'Record the pre-departure session and the signed contract and return commitment', params: cycleParams, body: predepartureBody, response: stepResponses } },
    async (req) => applyStep(req.params.cycleId, recordPredepartureUpdate, req.body),
  );
  app.post(
    '/cycles/:cycleId/convocation',
    { schema: { tags: ['worker cycles'], summary: 'Convoke the worker to a departure', params: cycleParams, body: convocationBody, response: stepResponses } },
    async (req) => applyStep(req.params.cycleId, convokeUpdate, req.body),
  );
  app.post(
    '/cycles/:cycleId/embarkation',
    { schema: { tags: ['worker cycles'], summary: 'Record embarkation at the port', params: cycleParams, body: embarkationBody, response: stepResponses } },
    async (req) => applyStep(req.params.cycleId, recordEmbarkationUpdate, req.body),
  );
  app.post(
    '/cycles/:cycleId/return',
    { schema: { tags: ['worker cycles'], summary: 'Record the verified return to Morocco', params: cycleParams, body: returnBody, response: stepResponses } },
    async (req) => applyStep(req.params.cycleId, recordReturnUpdate, req.body),
  );
  app.post(
    '/cycles/:cycleId/withdrawal',
    {
      schema: {
        tags: ['worker cycles'],
        summary: 'The candidate withdraws (before embarkation); acknowledged asynchronously',
        params: cycleParams,
        body: withdrawalBody,
        response: { 202: z.object({ accepted: z.boolean() }), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const handle = await cycleHandle(req.params.cycleId);
      await handle.signal(withdrawSignal, req.body);
      return reply.code(202).send({ accepted: true });
    },
  );
};
