// Consular visa batches: the liaison team assembles batches sized to the consulate's weekly capacity, lodges
// them, loads the consulate's decisions in bulk and follows every batch. One workflow per batch
// (workflows/visa-batch.ts); per-worker steps are bulk operations on the worker cycles.
import { z } from 'zod';
import { actedBy } from '../auth/access';
import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import { campaignAttributes, startContextWorkflow } from '../../activities/start-workflow';
import { documentRenderer } from '../../templates/render';
import type { visaBatchWorkflow } from '../../workflows/visa-batch';
import {
  DEFAULT_VISA_BATCH_TIMINGS,
  VISA_BATCH_TASK_QUEUE,
  decisionsRecordedSignal,
  lodgeBatchUpdate,
  visaBatchSourceKey,
  type VisaBatchTimings,
} from '../../workflows/contracts/visa-batch';
import { signalIfOpen, updateOr409 } from '../context-workflows';
import { conflict, notFound } from '../errors';
import { fileUpload, itemsByNationalId, loadFile, sendFileResult } from '../files';
import { getPaged } from '../paging';
import { campaignOr404, type CampaignRow } from '../queries/campaigns';
import { assembleBatch, batchOr404, type BatchRow, listBatches, loadVisaBatchManifestData, lodgementApplied, membersByNationalId, membersPage, unstartedBatchCandidates, visaBatchCounts } from '../queries/visa-batches';
import { campaignParams } from '../views/campaigns';
import { createdOrFound, pdfAnswer, route, sendDownload } from './define';
import { idempotencyHeaders } from '../schemas';
import { assembleBody, assembledView, batchParams, batchState, batchView, decisionRow, lodgeBody, member, memberView, toView } from '../views/visa-batches';


/** The batch's workflow, started once its rows are committed (or found running). */
function startBatchWorkflow(temporal: Client, campaign: CampaignRow, batchId: string, timings: VisaBatchTimings) {
  return startContextWorkflow<typeof visaBatchWorkflow>(temporal, {
    workflowType: 'visaBatchWorkflow',
    workflowId: batchId,
    taskQueue: VISA_BATCH_TASK_QUEUE,
    args: [{ batchId, campaignId: campaign.id, ...timings }],
    searchAttributes: campaignAttributes(campaign.id, campaign.season),
  });
}

export const visaBatchRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;
  const deps = { db, temporal };

  /** Batches as answered, each with its decision counts (one count query for them all). */
  async function viewsOf(batches: BatchRow[]) {
    const counts = await visaBatchCounts(db, batches.map((b) => b.id));
    return batches.map((b) => toView(b, counts.get(b.id)));
  }
  async function viewOf(batchId: string) {
    return (await viewsOf([await batchOr404(db, batchId)]))[0]!;
  }

  app.post('/campaigns/:campaignId/visa-batches', route({ scope: 'visa_batch:manage', tags: ['visa batches'], params: campaignParams, body: assembleBody, response: createdOrFound(assembledView), problems: [404, 409, 422],
    headers: z.object({ 'idempotency-key': z.string().min(8).max(100).optional().describe('a retried request with the same key gets the batch the first one assembled') }),
    summary: "Assemble a visa batch from the files waiting for one, within the week's consular capacity",
    description: "Takes the worker cycles at stage authorised or visa_incomplete that are not in a batch still waiting for their decision, in registration order, up to the places left in the ISO week of weekStart at the campaign's consulate (its weekly capacity, shared by every campaign, batch and single lodging there; a batch assembled and never lodged holds its places only until the end of its week) and under the campaign's own weekly ceiling (visaWeeklyCapacity), and to `capacity`. Files whose passport expires before the contract ends are left out (refusedPassports); files the week cannot take are counted in remainingEligible and proposed for the following weeks (nextWeeks). 409 when the week is full or no file is waiting. With an Idempotency-Key, the same request sent again (after a 503 or a lost answer) answers 200 with the batch it assembled the first time instead of assembling another.",
  }), async (req, reply) => {
    const campaign = await campaignOr404(db, req.params.campaignId);
    const timings = { ...DEFAULT_VISA_BATCH_TIMINGS, ...req.body.timings } as VisaBatchTimings;
    // Rows first, then the workflow (activities/start-workflow.ts). A batch whose request stopped in between is
    // started by the next assembly (with the default deadlines): no batch stays without its workflow.
    for (const b of await unstartedBatchCandidates(db, campaign.id)) await startBatchWorkflow(temporal, campaign, b.id, DEFAULT_VISA_BATCH_TIMINGS);
    const requestKey = (req.headers as Record<string, string | undefined>)['idempotency-key'];
    const assembled = await assembleBatch(db, campaign, { weekStart: req.body.weekStart, capacity: req.body.capacity, createdBy: actedBy(req, req.body.note), ...(requestKey ? { requestKey } : {}) });
    // a batch found again by its key: its workflow is started if the first request stopped before it, else found
    if ((await startBatchWorkflow(temporal, campaign, assembled.batchId, timings)) === 'already_ran' && assembled.created) {
      throw conflict(`visa batch ${assembled.batchId} already existed and is closed`);
    }
    const view = await viewOf(assembled.batchId);
    const { remainingEligible, weekCapacityLeft, refusedPassports, nextWeeks } = assembled;
    return reply.code(assembled.created ? 201 : 200).send({ ...view, remainingEligible, weekCapacityLeft, refusedPassports, nextWeeks });
  });

  getPaged(app, '/campaigns/:campaignId/visa-batches', { scope: 'visa_batch:read', tags: ['visa batches'], params: campaignParams, item: batchView,
    summary: "A campaign's visa batches with their state and decision counts",
    load: async ({ campaignId }, page) => {
      const { total, rows } = await listBatches(db, (await campaignOr404(db, campaignId)).id, page);
      return { total, items: await viewsOf(rows) };
    },
  });

  app.get('/visa-batches/:batchId', route({
    scope: 'visa_batch:read', tags: ['visa batches'],
    summary: 'A visa batch: state and decision counts (its members: GET /visa-batches/:id/members)',
    params: batchParams, response: { 200: batchView }, problems: [404],
  }), async (req) => viewOf(req.params.batchId));

  getPaged(app, '/visa-batches/:batchId/members', { scope: 'visa_batch:read', tags: ['visa batches'], params: batchParams, item: memberView,
    summary: "A visa batch's members in manifest order, with their stage and decision",
    load: async ({ batchId }, page) => {
      const { total, rows } = await membersPage(db, (await batchOr404(db, batchId)).id, page);
      return { total, items: rows.map((m, i) => member(m, page.offset + i)) };
    },
  });

  app.post('/visa-batches/:batchId/lodge', route({
    scope: 'visa_batch:manage', tags: ['visa batches'],
    summary: 'Record that the batch was lodged with the consulate: submits every member’s visa file',
    description: "409 unless the batch is assembled. The members' files are submitted by a bulk operation (their cycles move to visa_submitted shortly after).",
    params: batchParams, body: lodgeBody, headers: idempotencyHeaders,
    response: { 200: batchView }, problems: [404, 409, 422],
  }), async (req) => {
    const batch = await batchOr404(db, req.params.batchId);
    if (batch.status !== 'assembled') {
      throw conflict(`visa batch ${batch.id} is ${batchState(batch).replace(/_/g, ' ')}${batch.lodgedOn ? ` (lodged on ${batch.lodgedOn})` : ''}; only an assembled batch can be lodged`);
    }
    await updateOr409(temporal, batch.id, lodgeBatchUpdate, { lodgedOn: req.body.lodgedOn, lodgedBy: actedBy(req, req.body.note) }, `visa batch ${batch.id} is closed`,
      req.headers['idempotency-key'] ? `api:lodge:${req.headers['idempotency-key']}` : undefined);
    return viewOf(batch.id);
  });

  app.post('/visa-batches/:batchId/decisions', route({
    ...fileUpload, scope: 'step:consular_decision', tags: ['visa batches'],
    summary: "Load the consulate's decisions for a lodged batch (CSV or JSON)",
    description:
      'Columns: nationalId, decision (issued|refused|incomplete), visaNumber (required when issued), reason (required when refused or incomplete). Rows naming a worker who is not in this batch, or already decided in it, are reported by line and field; good rows are applied to the workers’ cycles by a bulk operation. Loading the same file twice changes nothing.',
    params: batchParams, problems: [404, 409, 422],
  }), async (req, reply) => {
    const batch = await batchOr404(db, req.params.batchId);
    if (batch.status === 'assembled' || !batch.lodgedOn) throw conflict(`visa batch ${batch.id} is not lodged yet`);
    if (!(await lodgementApplied(db, batch))) {
      throw conflict(`the lodgement of visa batch ${batch.id} is still being applied to its workers' cycles; retry shortly`);
    }
    const result = await loadFile(deps, req, {
      campaignId: batch.campaignId, kind: `visa_decisions:${batch.id}`, bulkKind: 'visa_decision', keyPrefix: visaBatchSourceKey(batch.seq), what: 'decisions', of: `visa batch ${batch.id}`, loadedBy: actedBy(req), notify: batch.id,
      body: req.body,
      schema: decisionRow,
      plan: async (ok, errors, tx) => itemsByNationalId(ok, errors, await membersByNationalId(tx, batch.id), {
        unknown: (nid) => `${nid} is not a member of visa batch ${batch.id}`,
        refuse: (m, row) => (m.decision ? { field: 'decision', reason: `${row.nationalId} already has a decision in this batch (${m.decision})` } : undefined),
        payload: (row) => ({ args: { decision: row.decision, visaNumber: row.visaNumber, reason: row.reason, recordedBy: actedBy(req) }, context: { batchId: batch.id } }),
      }),
      // one signal per decisions file; the workflow counts each operation once
      tell: (operationId) => signalIfOpen(temporal, batch.id, decisionsRecordedSignal, { operationId }, req.log),
    });
    return sendFileResult(reply, result);
  });

  app.get('/visa-batches/:batchId/manifest', route({ ...pdfAnswer, scope: 'visa_batch:read', tags: ['visa batches'], params: batchParams, problems: [404],
    summary: "The batch's dossier manifest (PDF): every worker with the documents their file carries",
  }), async (req, reply) => {
    const data = await loadVisaBatchManifestData(db, req.params.batchId);
    if (!data) throw notFound(`visa batch ${req.params.batchId}`);
    const pdf = await documentRenderer.renderVisaBatchManifest(data);
    return sendDownload(reply, { name: `manifeste-${data.batchId}.pdf`, content: pdf, etag: createHash('sha256').update(pdf).digest('hex') });
  });
};
