// Worker cycle routes: start one cycle, list a campaign's cycles, read one, and the human steps, generated from
// the step table (api/steps.ts and workflows/contracts/steps.ts).
import { documentLink } from '../public-ids';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { startWorkerCycle } from '../../activities/start-worker-cycle';
import { admitOne } from '../../db/queries/contracting';
import { stateOfRow } from '../../db/cycle-mirror';
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
import { logRead } from '../access-log';
import { applySelection, applySingleLodging, applyStep, openCycle } from '../cycle-steps';
import { actedBy, actorOf } from '../auth/access';
import { reachOf, withinReach } from '../auth/jurisdiction';
import { conflict, HttpError, notFound, unprocessable } from '../errors';
import { campaignOr404 } from '../queries/campaigns';
import { personOr404 } from '../queries/candidates';
import { cycleRecord, insertCycleRow, listCycles } from '../queries/cycles';
import { assertHandedOver } from '../queries/departures';
import { casesOfCycle } from '../queries/in-season-cases';
import { toCaseView } from '../views/in-season-cases';
import { cycleListItem, cycleStateView, cycleView, idempotencyHeaders, selectionBody, startCycleInput, withdrawalBody } from '../schemas';
import { STEP_ROUTES } from '../steps';
import { paged, pageQuery } from '../paging';
import { createdOrFound, route } from './define';

const cycleParams = z.object({ cycleId: z.string().regex(/^worker-[a-z0-9-]+-\d+$/, 'a worker cycle id, e.g. worker-huelva-2026-42') });
const campaignParams = z.object({ campaignId: z.string().max(64) });
const startedView = z.object({ cycleId: z.string(), created: z.boolean() });
const idempotency = idempotencyHeaders;

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
    ...stateOfRow(c),
    visaSubmissions: r.audit.filter((a) => a.step.startsWith('visa_file_')).length,
    consularEscalated: r.audit.some((a) => a.step.startsWith('consular_silence_escalated')),
    steps: r.audit.map((a) => ({ seq: a.seq, step: a.step, stage: a.stage as CycleStage, at: a.occurredAt.toISOString(), actor: a.actor })),
  };
}

export const cycleRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, config } = app.deps;
  const deps = { db, temporal };

  app.post('/campaigns/:campaignId/cycles', route({
    scope: 'cycle:start', tags: ['worker cycles'], operationId: 'startCycle',
    summary: "Start a preselected candidate's cycle in a campaign (idempotent)",
    description: 'Returns 201 when started, 200 when this candidate already has a running cycle in the campaign; 422 when the person may not be contracted (e.g. blocked after a non-return).',
    params: campaignParams, body: startCycleInput,
    response: createdOrFound(startedView), problems: [404, 409, 422],
  }), async (req, reply) => {
    const campaign = await campaignOr404(db, req.params.campaignId);
    const candidate = await personOr404(db, req.body.candidateId, reachOf(actorOf(req)));
    const cycleId = workerCycleWorkflowId(campaign.id, candidate.id);
    const gate = await admitOne(db, { candidateId: candidate.id, cycleId }, { hold: false });
    if (gate.refusals.length) throw unprocessable(gate.refusals.map((r) => r.reason).join('; '), gate.refusals.map((r) => ({ field: `body.${r.field}`, reason: r.reason })));
    const timings = { ...DEFAULT_CYCLE_TIMINGS, ...config.CYCLE_TIMINGS, ...req.body.timings } as CycleTimings;
    // Write the row, then start the workflow (its ID is the business key): a retry finds both.
    const created = await insertCycleRow(db, { id: cycleId, campaignId: campaign.id, candidateId: candidate.id, province: candidate.province });
    const started = await startWorkerCycle(temporal, { campaignId: campaign.id, season: campaign.season, candidateId: candidate.id, province: candidate.province, startedBy: actedBy(req, req.body.note), timings });
    if (started === 'already_ran') throw conflict(`candidate ${candidate.id} already had a cycle in campaign ${campaign.id} (${cycleId})`);
    return reply.code(created ? 201 : 200).send({ cycleId, created });
  });

  app.get('/campaigns/:campaignId/cycles', route({
    scope: 'cycle:read', tags: ['worker cycles'], operationId: 'listCycles',
    summary: "List a campaign's worker cycles (from PostgreSQL), filtered and paged",
    params: campaignParams,
    description: 'In registration order. To walk a long list, pass the last cycle of a page as `after` for the next one (read from an index, however deep): `offset` then skips within what follows it. `total` counts the whole filtered list.',
    querystring: pageQuery.extend({
      stage: z.string().max(40).optional(),
      outcome: z.string().max(40).optional(),
      after: z.string().max(200).optional().describe('a cycle ID of this campaign: the page starts just after it'),
    }),
    response: { 200: paged(cycleListItem) }, problems: [404],
  }), async (req) => {
    // the campaign's 404 and the page are read side by side (the page of an unknown campaign is empty and dropped)
    const [, page] = await Promise.all([
      campaignOr404(db, req.params.campaignId),
      listCycles(db, { campaignId: req.params.campaignId, ...req.query, reach: reachOf(actorOf(req)) }),
    ]);
    if (!page) throw new HttpError(400, 'invalid querystring.after: not a cycle of this campaign', [{ field: 'querystring.after', reason: 'not a cycle of this campaign' }]);
    const { total, rows } = page;
    const items = rows.map((r) => ({ cycleId: r.id, candidateId: r.candidateId, province: r.province, stage: r.stage, outcome: r.outcome, employerId: r.employerId, offerId: r.offerId, updatedAt: r.updatedAt.toISOString() }));
    return { total, limit: req.query.limit, offset: req.query.offset, items };
  });

  app.get('/cycles/:cycleId', route({
    scope: 'cycle:read', tags: ['worker cycles'], operationId: 'getCycle',
    summary: "A worker's cycle: live state, documents and audit trail",
    params: cycleParams, response: { 200: cycleView }, problems: [404],
  }), async (req) => {
    const { cycleId } = req.params;
    const record = await cycleRecord(db, cycleId);
    if (!record) throw notFound(`worker cycle ${cycleId}`);
    withinReach(actorOf(req), record.cycle, `worker cycle ${cycleId}`);
    await logRead(db, req, record.candidate.id, 'cycle', cycleId);
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
    // the in-season cases, for those who may read them (an employer may not: complaints about it are among them)
    const cases = actorOf(req).scopes.has('case:read') ? (await casesOfCycle(db, cycleId, { limit: 100, offset: 0 })).rows.map(toCaseView) : undefined;
    return {
      cycleId,
      campaignId: record.cycle.campaignId,
      candidate: { id: p.id, nationalId: p.nationalId, firstName: p.firstName, lastName: p.lastName, province: p.province },
      running,
      state: state ?? stateFromRecord(record),
      documents: record.docs.map(documentLink),
      audit: record.audit.map((a) => ({ seq: a.seq, step: a.step, stage: a.stage, outcome: a.outcome, actor: a.actor, details: a.details, occurredAt: a.occurredAt.toISOString() })),
      ...(cases ? { cases } : {}),
    };
  });

  // --- human steps: generated from the step table; Updates refused by the workflow's validators when out of order
  for (const step of CYCLE_STEP_NAMES) {
    const stepRoute = STEP_ROUTES[step];
    if (!stepRoute.path) continue;
    app.post(`/cycles/:cycleId/${stepRoute.path}`, route({
      scope: stepRoute.scope, tags: ['worker cycles'], operationId: step,
      summary: stepRoute.summary, params: cycleParams, headers: idempotency, body: stepRoute.body,
      response: { 200: cycleStateView }, problems: [404, 409, 422],
    }), async (req) => {
      const actor = actorOf(req);
      const cycle = await openCycle(db, req.params.cycleId, actor, step);
      const key = req.headers['idempotency-key'];
      // who took the step is the caller, written to the step's actor field; the body's note follows it
      const { note, ...content } = req.body as { note?: string };
      const payload = stepRoute.actorField ? { ...content, [stepRoute.actorField]: actedBy(req, note) } : content;
      if (step === 'recordSelection') return applySelection(deps, cycle, payload as z.infer<typeof selectionBody> & { decidedBy: string }, key, actor);
      if (step === 'submitVisaFile') return applySingleLodging(deps, cycle, payload as StepPayloads['submitVisaFile'], key);
      if (step === 'recordEmbarkation') await assertHandedOver(db, cycle.id);
      return applyStep(deps, cycle.id, step, payload as StepPayloads[typeof step], key);
    });
  }

  app.post('/cycles/:cycleId/withdrawal', route({
    scope: 'cycle:withdraw', tags: ['worker cycles'], operationId: 'withdraw',
    summary: 'The candidate withdraws (before embarkation); acknowledged asynchronously',
    params: cycleParams, body: withdrawalBody,
    response: { 202: z.object({ accepted: z.boolean() }) }, problems: [404, 409],
  }), async (req, reply) => {
    const cycle = await openCycle(db, req.params.cycleId, actorOf(req));
    await temporal.workflow.getHandle(cycle.id).signal(withdrawSignal, { reason: req.body.reason, recordedBy: actedBy(req, req.body.note) });
    return reply.code(202).send({ accepted: true });
  });
};
