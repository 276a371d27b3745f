// Repairs operators make (issue 17; the commands are in docs/runbook.md). Each leaves an audit record in
// operator_repairs whose actor is the caller: written before the repair, finished by it. A message or a document is
// repaired by a small workflow on the worker (which has the relay, the SMSC and the renderer); a visa batch member is
// released in PostgreSQL, where the batch's members are, and the batch's workflow is told; resets go to Temporal.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WorkflowNotFoundError, isGrpcServiceError } from '@temporalio/client';
import { z } from 'zod';
import { actedBy, actorOf } from '../auth/access';
import { notFound, unprocessable } from '../errors';
import { pageQuery, paged } from '../paging';
import { documentIdOf, documentUrl } from '../public-ids';
import { findCycle } from '../queries/cycles';
import { batchResetFinished, documentForReprint, finishRepair, listRepairs, notificationForResend, passengerToRelease, recordRepair, releaseBatchMember, releasePassenger, repairOr404, type NewRepair, type RepairRow } from '../queries/repairs';
import { describeBatchReset, resetWorkflow, startBatchReset } from '../workflow-reset';
import { startContextWorkflow } from '../../activities/start-workflow';
import { REPAIR_TASK_QUEUE, membersChangedSignal, repairWorkflowId, resendKey, type RepairInput } from '../../workflows/contracts/repair';
import type { repairWorkflow } from '../../workflows/repair';
import { releaseFromSailingUpdate } from '../../workflows/contracts/worker-cycle';
import { route } from './define';

/** How long a request waits for its repair workflow before answering 202 (the audit record follows it). */
const REPAIR_WAIT_MS = 20_000;
const TAGS = ['operations'];

const reason = z.string().trim().min(3).max(500).describe('why, for the audit record (stored in clear in Temporal for resets: no personal data)');
const reasonBody = z.object({ reason });
const workflowIdParam = z.string().max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'a workflow ID');

const repairView = z.object({
  id: z.number(),
  kind: z.string(),
  target: z.string().describe('what was repaired: a notification key, a document, a batch, a workflow ID or a visibility query'),
  cycleId: z.string().nullable(),
  reason: z.string(),
  actor: z.string().describe('the authenticated caller'),
  status: z.enum(['started', 'done', 'failed']),
  details: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

function toView(r: RepairRow): z.infer<typeof repairView> {
  const details = { ...r.details };
  // a reprinted document is named by its public reference, never its row id
  for (const k of ['documentId', 'replaces'] as const) if (typeof details[k] === 'number') details[k] = documentUrl(details[k]);
  return { id: r.id, kind: r.kind, target: r.target, cycleId: r.cycleId, reason: r.reason, actor: r.actor, status: r.status, details, createdAt: r.createdAt.toISOString(), finishedAt: r.finishedAt?.toISOString() ?? null };
}

/** The audit record's who: the caller as the trail names them, and their token's subject. */
const by = (req: FastifyRequest) => ({ actor: actedBy(req), actorSubject: actorOf(req).subject });
/** How Temporal records the caller (reset identity): role and token subject, not a name. */
const identity = (req: FastifyRequest) => `gecco-api ${actorOf(req).role} <${actorOf(req).subject}>`;

export const repairRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;

  /** Starts the repair's workflow and waits a little for it: 201 with how it ended, or 202 while it runs. */
  async function runRepair(repair: NewRepair, input: (id: number) => RepairInput) {
    const row = await recordRepair(db, { ...repair, status: 'started' });
    const args = input(row.id);
    await startContextWorkflow<typeof repairWorkflow>(temporal, {
      workflowType: 'repairWorkflow', workflowId: repairWorkflowId(row.id), taskQueue: REPAIR_TASK_QUEUE, args: [args],
      summary: `Repair #${row.id} · ${repair.kind.replace(/_/g, ' ')} · ${repair.target}`, details: `Requested by ${repair.actorSubject}: ${repair.reason}`,
    });
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise((resolve) => (timer = setTimeout(resolve, REPAIR_WAIT_MS)));
    await Promise.race([temporal.workflow.getHandle(repairWorkflowId(row.id)).result(), waited]).finally(() => clearTimeout(timer));
    return repairOr404(db, row.id);
  }
  const answer = (reply: { code: (n: 201 | 202) => unknown }, r: RepairRow) => {
    reply.code(r.status === 'started' ? 202 : 201);
    return toView(r);
  };

  app.post('/operations/repairs/cycles/:cycleId/messages/resend', route({
    scope: 'operations:repair', tags: TAGS,
    summary: "Send a cycle's notification again (e-mail and/or SMS), deliberately past the outbox's send-once key",
    description: 'The copy is a new outbox row under `<cycleId>:<step>:resend:<n>` (its SMS `…:resend:<n>:sms`) with a Message-ID of its own; the e-mail goes to the recipients of the original, the SMS to the worker\'s phone as recorded now. 201 with the audit record once sent, 202 while it is still being sent.',
    params: z.object({ cycleId: workflowIdParam }),
    body: z.object({ step: z.string().max(64).regex(/^[a-z0-9_]+$/, 'a step of the cycle, e.g. selection').describe('the step whose notification is sent again'), channels: z.array(z.enum(['email', 'sms'])).min(1).max(2).optional().describe('default: every channel it went out on'), reason }),
    response: { 201: repairView, 202: repairView }, problems: [404, 422],
  }), async (req, reply) => {
    const cycle = await findCycle(db, req.params.cycleId);
    if (!cycle) throw notFound(`worker cycle ${req.params.cycleId}`);
    const key = `${cycle.id}:${req.body.step}`;
    const found = await notificationForResend(db, key);
    if (found.channels.length === 0) throw notFound(`notification ${req.body.step} of worker cycle ${cycle.id}`);
    const missing = (req.body.channels ?? []).filter((c) => !found.channels.includes(c));
    if (missing.length) throw unprocessable(`notification ${key} did not go out by ${missing.join(', ')}`, [{ field: 'body.channels', reason: `only ${found.channels.join(', ')}` }]);
    const channels = req.body.channels ?? found.channels;
    const copyKey = resendKey(key, found.next);
    const r = await runRepair({ kind: 'resend_message', target: key, cycleId: cycle.id, reason: req.body.reason, ...by(req), details: { resendKey: copyKey, channels } },
      (repairId) => ({ repairId, kind: 'resend_message', cycleId: cycle.id, notificationKey: key, resendKey: copyKey, channels }));
    return answer(reply, r);
  });

  app.post('/operations/repairs/documents/:documentId/regenerate', route({
    scope: 'operations:repair', tags: TAGS,
    summary: 'Print a document again from today\'s records, as the next version of its kind (the earlier versions stay)',
    params: z.object({ documentId: z.string().max(64).describe('the reference a document list gives') }), body: reasonBody,
    response: { 201: repairView, 202: repairView }, problems: [404],
  }), async (req, reply) => {
    const doc = await documentForReprint(db, documentIdOf(req.params.documentId) ?? 0);
    const r = await runRepair({ kind: 'regenerate_document', target: `document ${req.params.documentId}`, cycleId: doc.cycleId, reason: req.body.reason, ...by(req), details: { documentKind: doc.kind, version: doc.nextVersion } },
      (repairId) => ({ repairId, kind: 'regenerate_document', cycleId: doc.cycleId, documentId: doc.id, documentKind: doc.kind, version: doc.nextVersion }));
    return answer(reply, r);
  });

  /** Tells a batch's or sailing's workflow that its member rows changed; one that has ended counts nothing more. */
  async function membersChanged(workflowId: string, repairId: number, members: number) {
    try {
      await temporal.workflow.getHandle(workflowId).signal(membersChangedSignal, { repairId, members });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  /**
   * A worker taken out of a visa batch or off a sailing, the one whose workflow ID the path names as `parent`: the
   * rows change with the audit record (`release`), then that workflow is told and counts its members again.
   */
  function memberRelease(
    url: string,
    parent: 'batchId' | 'departureId',
    kind: 'release_visa_batch_member' | 'release_sailing_passenger',
    doc: { summary: string; description: string },
    release: (workflowId: string, cycleId: string, repair: NewRepair, req: FastifyRequest) => Promise<{ repair: RepairRow; members: number }>,
  ) {
    app.post(url, route({
      scope: 'operations:repair', tags: TAGS, ...doc,
      params: z.object({ [parent]: workflowIdParam, cycleId: workflowIdParam }), body: reasonBody,
      response: { 200: repairView }, problems: [404, 409],
    }), async (req) => {
      const { [parent]: workflowId, cycleId } = req.params as Record<typeof parent | 'cycleId', string>;
      const repair: NewRepair = { kind, target: workflowId, cycleId, reason: req.body.reason, ...by(req), status: 'done', details: {} };
      const released = await release(workflowId, cycleId, repair, req);
      await membersChanged(workflowId, released.repair.id, released.members);
      return toView(released.repair);
    });
  }

  memberRelease('/operations/repairs/visa-batches/:batchId/members/:cycleId/release', 'batchId', 'release_visa_batch_member', {
    summary: 'Take a worker out of a visa batch: before lodgement the file waits for another batch; after it, its decision is recorded on the cycle alone',
    description: 'Only a file still waiting for its decision, never the last member, not while the lodgement is being applied (409). The batch\'s workflow is signalled (`membersChanged`) and counts its decisions again.',
  }, (batchId, cycleId, repair) => releaseBatchMember(db, batchId, cycleId, repair));

  memberRelease('/operations/repairs/departures/:departureId/passengers/:cycleId/release', 'departureId', 'release_sailing_passenger', {
    summary: 'Take a convoked worker off a sailing: her cycle is ready to depart again, for the next sailing planned',
    description: 'The cycle takes the release first (Update `releaseFromSailing`: refused with 409 unless convoked to this sailing), then the passenger row goes with the audit record, and the sailing\'s workflow counts again. Sent again, the same release is answered by the cycle as the first time.',
  }, async (departureId, cycleId, repair, req) => {
    await passengerToRelease(db, departureId, cycleId);
    // the cycle decides (its stage and sailing); its update ID makes a retried request get the same answer
    await temporal.workflow.getHandle(cycleId).executeUpdate(releaseFromSailingUpdate, { args: [{ departureId, reason: repair.reason, releasedBy: actedBy(req) }], updateId: `repair:release:${departureId}` });
    return releasePassenger(db, departureId, cycleId, repair);
  });

  app.post('/operations/repairs/workflows/:workflowId/reset', route({
    scope: 'operations:repair', tags: TAGS,
    summary: 'Reset a workflow to its last good step (a new run from a completed workflow task), e.g. once a fix is deployed',
    description: 'Default reset point: the last completed workflow task before the first failed one, else the last completed workflow task. Signals and Updates received after it are applied again; activities after it run again (idempotent business keys). See docs/runbook.md.',
    params: z.object({ workflowId: workflowIdParam }),
    body: z.object({ reason, eventId: z.number().int().min(1).optional().describe('a WorkflowTaskCompleted event to reset to'), runId: z.uuid().optional().describe('default: the current run') }),
    response: { 200: repairView }, problems: [404, 422],
  }), async (req) => {
    const { workflowId } = req.params;
    const row = await recordRepair(db, { kind: 'reset_workflow', target: workflowId, cycleId: workflowId.startsWith('worker-') ? workflowId : null, reason: req.body.reason, ...by(req), status: 'started', details: {} });
    try {
      const reset = await resetWorkflow(temporal, { workflowId, runId: req.body.runId, eventId: req.body.eventId, reason: `${req.body.reason} (repair #${row.id})`, identity: identity(req) });
      return toView(await finishRepair(db, row.id, 'done', reset));
    } catch (err) {
      await finishRepair(db, row.id, 'failed', { error: err instanceof Error ? err.message : String(err) });
      if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === 5)) throw notFound(`workflow ${workflowId}`);
      throw err;
    }
  });

  app.post('/operations/repairs/batch-resets', route({
    scope: 'operations:repair', tags: TAGS,
    summary: 'Reset every workflow a visibility query names to its last completed workflow task (one batch operation on the server)',
    description: 'After a bad deploy, once the fix is deployed: e.g. `WorkflowType="workerCycleWorkflow" AND ExecutionStatus="Running" AND CampaignId="huelva-2027"`. Answers 202 with the job; follow it with GET /operations/repairs/batch-resets/{jobId}.',
    body: z.object({ query: z.string().trim().min(3).max(2000).describe('a visibility query'), reason }),
    response: { 202: repairView }, problems: [422],
  }), async (req, reply) => {
    const row = await recordRepair(db, { kind: 'batch_reset', target: req.body.query, cycleId: null, reason: req.body.reason, ...by(req), status: 'started', details: {} });
    const jobId = `repair-${row.id}-batch-reset`;
    let started: Awaited<ReturnType<typeof startBatchReset>>;
    try {
      started = await startBatchReset(temporal, { query: req.body.query, reason: `${req.body.reason} (repair #${row.id})`, identity: identity(req), jobId });
    } catch (err) {
      await finishRepair(db, row.id, 'failed', { error: err instanceof Error ? err.message : String(err) });
      // INVALID_ARGUMENT, or UNKNOWN from the dev server's SQLite visibility, which cannot parse it
      if (isGrpcServiceError(err) && (err.code === 3 || err.code === 2)) throw unprocessable(`the visibility query is refused: ${err.details}`, [{ field: 'body.query', reason: err.details }]);
      throw err;
    }
    reply.code(202);
    return toView(await finishRepair(db, row.id, 'started', started));
  });

  app.get('/operations/repairs/batch-resets/:jobId', route({
    scope: 'operations:read', tags: TAGS,
    summary: 'Where a batch reset stands (running, completed, failed) and how many workflows it reset',
    params: z.object({ jobId: z.string().max(100).regex(/^repair-\d+-batch-reset$/, 'a batch reset job ID') }),
    response: { 200: z.object({ jobId: z.string(), state: z.string(), totalOperations: z.number(), completedOperations: z.number(), failedOperations: z.number(), reason: z.string() }) }, problems: [404],
  }), async (req) => {
    try {
      const job = await describeBatchReset(temporal, req.params.jobId);
      // the first read that sees the job finished records how it ended
      if (job.state === 'completed' || job.state === 'failed') await batchResetFinished(db, job.jobId, job.state === 'completed' ? 'done' : 'failed', { completedOperations: job.completedOperations, failedOperations: job.failedOperations });
      return job;
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === 5) throw notFound(`batch reset ${req.params.jobId}`);
      throw err;
    }
  });

  app.get('/operations/repairs', route({
    scope: 'operations:read', tags: TAGS,
    summary: 'The repairs operators made, newest first: what, why, who, how it ended (paged)',
    querystring: pageQuery.extend({ target: z.string().max(2000).optional().describe('only the repairs of this target') }),
    response: { 200: paged(repairView) },
  }), async (req) => {
    const { total, rows } = await listRepairs(db, req.query, req.query.target);
    return { total, limit: req.query.limit, offset: req.query.offset, items: rows.map(toView) };
  });
};
