// In-season cases (issue 13, item 6): a mediator, an agency officer (her province) or an employer (its own workers)
// reports an employer change, a sickness, an accident, a housing, wage or rest-day complaint or an early return on a
// worker's cycle; each case has a deadline and its own workflow, which escalates it to the worker's agency and the
// consulate's labour office when nobody resolved it in time. The season's report counts them by employer.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { msToNumber } from '@temporalio/common/lib/time';
import { campaignAttributes, startContextWorkflow } from '../../activities/start-workflow';
import { admitOne } from '../../db/queries/contracting';
import { isQuotaOnly } from '../../workflows/contracts/eligibility';
import {
  DEFAULT_CASE_TIMINGS,
  IN_SEASON_CASE_TASK_QUEUE,
  IN_SEASON_CASE_WORKFLOW_TYPE,
  inSeasonCaseWorkflowId,
  resolveCaseUpdate,
  type InSeasonCaseInput,
} from '../../workflows/contracts/in-season-case';
import { EmployerIdKey } from '../../workflows/contracts/search-attributes';
import type { inSeasonCaseWorkflow } from '../../workflows/in-season-case';
import { actedBy, actorOf } from '../auth/access';
import { withinReach } from '../auth/jurisdiction';
import { conflict, notFound, unprocessable, workflowClosed } from '../errors';
import { campaignOr404 } from '../queries/campaigns';
import { findCycle, offerEmployer } from '../queries/cycles';
import { caseById, caseOr404, casesOfCycle, insertCase, resolveClosedCase, seasonCasesByEmployer } from '../queries/in-season-cases';
import { paged, pageQuery } from '../paging';
import { dbIdParam, idempotencyHeaders } from '../schemas';
import { caseReportView, caseView, reportCaseBody, resolveCaseBody, toCaseReport, toCaseView } from '../views/in-season-cases';
import { seasonParams } from '../views/season-report';
import { route } from './define';

const cycleParams = z.object({ cycleId: z.string().regex(/^worker-[a-z0-9-]+-\d+$/, 'a worker cycle id, e.g. worker-huelva-2026-42') });
const caseParams = z.object({ caseId: dbIdParam });
const idempotency = z.object({ 'idempotency-key': z.string().min(8).max(100).optional().describe('a retried report with the same key gets the case it opened') });
/** A worker in Spain: in season, or past her contract's end and not back yet. */
const REPORTABLE_STAGES: readonly string[] = ['in_season', 'awaiting_return'];
/** A case's waits are days or weeks: an override beyond a year is a mistake (and past JavaScript's dates, a 500). */
const MAX_CASE_WAIT_MS = 366 * 86_400_000;

export const inSeasonCaseRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;

  app.post('/cycles/:cycleId/cases', route({
    scope: 'case:report', tags: ['in-season cases'], operationId: 'reportInSeasonCase',
    summary: "Report a case on a worker's cycle during the season (employer change, sickness, accident, complaint, early return)",
    description:
      "The reporter is the caller. An employer change names the new employer's offer (`newOfferId`), which must pass the eligibility gate (same campaign, posts left, contract dates, 9 months in 12, passport): refused with 422 naming the field, 409 when only the offer is full; the cycle's post moves to it. The case waits for its resolution until its deadline, then is escalated to the worker's agency and the consulate's labour office. With an `Idempotency-Key` the same report again answers 200 with its case.",
    params: cycleParams, headers: idempotency, body: reportCaseBody,
    response: { 200: caseView, 201: caseView }, problems: [404, 409, 422],
  }), async (req, reply) => {
    const actor = actorOf(req);
    const { cycleId } = req.params;
    const cycle = await findCycle(db, cycleId);
    if (!cycle) throw notFound(`worker cycle ${cycleId}`);
    withinReach(actor, cycle, `worker cycle ${cycleId}`);
    if (!REPORTABLE_STAGES.includes(cycle.stage) || !cycle.employerId) {
      throw conflict(`worker cycle ${cycleId} is at ${cycle.stage}: cases are reported while the worker is in Spain (${REPORTABLE_STAGES.join(', ')})`, [{ field: 'cycle.stage', reason: `${cycle.stage} is not in season` }]);
    }
    const employerId = cycle.employerId;
    const { kind, details, newOfferId } = req.body;
    if (kind === 'employer_change' && !newOfferId) throw unprocessable("an employer change names the new employer's offer", [{ field: 'body.newOfferId', reason: 'required for employer_change' }]);
    if (kind !== 'employer_change' && newOfferId) throw unprocessable('only an employer change names a new offer', [{ field: 'body.newOfferId', reason: `not allowed for ${kind}` }]);
    if (newOfferId && (await offerEmployer(db, newOfferId)) === employerId) {
      throw unprocessable(`offer ${newOfferId} is ${employerId}'s own: not an employer change`, [{ field: 'body.newOfferId', reason: 'an offer of the same employer' }]);
    }
    const campaign = await campaignOr404(db, cycle.campaignId);
    const timings = { ...DEFAULT_CASE_TIMINGS[kind], ...req.body.timings };
    for (const [name, d] of Object.entries(timings)) {
      if (!(msToNumber(d) <= MAX_CASE_WAIT_MS)) throw unprocessable(`${name} is longer than a year`, [{ field: `body.timings.${name}`, reason: 'at most a year' }]);
    }
    const deadline = new Date(Date.now() + msToNumber(timings.responseDeadline));
    // Write the case (and, for an employer change, move the cycle's seat to the new offer through the gate) in one
    // transaction, then start its workflow: a retry with the same key finds the row and the running workflow.
    const { row, created } = await db.transaction(async (tx) => {
      if (newOfferId) {
        const a = await admitOne(tx, { candidateId: cycle.candidateId, cycleId, offerId: newOfferId }, { hold: 'employer_change', campaignId: cycle.campaignId });
        if (a.refusals.length) {
          const issues = a.refusals.map((r) => ({ field: r.field === 'offerId' ? 'body.newOfferId' : r.field, reason: r.reason }));
          const message = `the employer change to ${newOfferId} is refused: ${a.refusals.map((r) => r.reason).join('; ')}`;
          throw isQuotaOnly(a.refusals) ? conflict(message, issues) : unprocessable(message, issues);
        }
      }
      return insertCase(tx, {
        cycleId, campaignId: cycle.campaignId, employerId, kind, details, newOfferId: newOfferId ?? null,
        reportedBy: actedBy(req), reportedBySubject: actor.subject, deadline, requestKey: req.headers['idempotency-key'] ?? null,
      });
    });
    const input: InSeasonCaseInput = { caseId: row.id, cycleId, campaignId: cycle.campaignId, kind: row.kind, deadlineAt: row.deadline.toISOString(), escalationGrace: timings.escalationGrace };
    await startContextWorkflow<typeof inSeasonCaseWorkflow>(temporal, {
      workflowType: IN_SEASON_CASE_WORKFLOW_TYPE, workflowId: inSeasonCaseWorkflowId(row.id), taskQueue: IN_SEASON_CASE_TASK_QUEUE, args: [input],
      searchAttributes: [...campaignAttributes(campaign.id, campaign.season), { key: EmployerIdKey, value: employerId }],
    });
    return reply.code(created ? 201 : 200).send(toCaseView((await caseById(db, row.id))!));
  });

  app.get('/cycles/:cycleId/cases', route({
    scope: 'case:read', tags: ['in-season cases'], operationId: 'listCycleCases',
    summary: "A worker's in-season cases on one cycle, newest first (paged)",
    params: cycleParams, querystring: pageQuery, response: { 200: paged(caseView) }, problems: [404],
  }), async (req) => {
    const { cycleId } = req.params;
    const cycle = await findCycle(db, cycleId);
    if (!cycle) throw notFound(`worker cycle ${cycleId}`);
    withinReach(actorOf(req), cycle, `worker cycle ${cycleId}`);
    const { total, rows } = await casesOfCycle(db, cycleId, req.query);
    return { total, limit: req.query.limit, offset: req.query.offset, items: rows.map(toCaseView) };
  });

  app.post('/cases/:caseId/resolution', route({
    scope: 'case:resolve', tags: ['in-season cases'], operationId: 'resolveInSeasonCase',
    summary: 'Resolve an in-season case (before or after its escalation)',
    description: 'The resolver is the caller. 409 when the case is already resolved; 422 without a resolution.',
    params: caseParams, body: resolveCaseBody, headers: idempotencyHeaders, response: { 200: caseView }, problems: [404, 409, 422],
  }), async (req) => {
    const { caseId } = req.params;
    const found = await caseOr404(db, caseId, actorOf(req));
    if (found.status === 'resolved') throw conflict(`in-season case ${caseId} is already resolved`, [{ field: 'case.status', reason: 'resolved' }]);
    const request = { resolution: req.body.resolution, resolvedBy: actedBy(req) };
    try {
      await temporal.workflow.getHandle(inSeasonCaseWorkflowId(caseId)).executeUpdate(resolveCaseUpdate, { args: [request], ...(req.headers['idempotency-key'] ? { updateId: `api:resolve:${req.headers['idempotency-key']}` } : {}) });
    } catch (err) {
      if (!workflowClosed(err)) throw err;
      // its last wait is over (escalated, then unresolved): the row records a late resolution
      if (!(await resolveClosedCase(db, { caseId, ...request }))) throw conflict(`in-season case ${caseId} is already resolved`, [{ field: 'case.status', reason: 'resolved' }]);
    }
    return toCaseView((await caseById(db, caseId))!);
  });

  app.get('/reports/seasons/:season/in-season-cases', route({
    scope: 'report:read', tags: ['reports', 'in-season cases'], operationId: 'getSeasonCaseReport',
    summary: "A season's in-season cases by employer: by kind and status, complaints per 100 workers, beside the sources' figures",
    description: "Workers are an employer's cycles of the season that reached the season (embarked); complaints are housing, wage and rest-day complaints. A case counts against the employer the worker had when it was reported.",
    params: seasonParams, response: { 200: caseReportView },
  }), async (req) => toCaseReport(req.params.season, await seasonCasesByEmployer(db, req.params.season)));
};
