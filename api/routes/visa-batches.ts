// Consular visa batches: the liaison team assembles batches sized to the consulate's weekly capacity, lodges
// them, loads the consulate's decisions in bulk and follows every batch. One workflow per batch
// (workflows/visa-batch.ts); per-worker steps are bulk operations on the worker cycles.
import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
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
import { FILE_MEDIA_TYPES, commitFile, repairLoaded, fileBody as intakeBody, intakeResultView, itemsByNationalId, readFileOnce, validateRows } from '../files';
import { getPaged } from '../paging';
import { campaignOr404, type CampaignRow } from '../queries/campaigns';
import { assembleBatch, batchOr404, listBatches, loadVisaBatchManifestData, lodgementApplied, membersByNationalId, membersPage, unstartedBatchCandidates, visaBatchCounts } from '../queries/visa-batches';
import { campaignParams } from '../views/campaigns';
import { errorSchema } from '../schemas';
import { assembleBody, assembledView, batchParams, batchState, batchView, decisionRow, lodgeBody, member, memberView, toView } from '../views/visa-batches';

const decisionsQuery = z.object({ loadedBy: z.string().min(1).max(120).describe('who loads the file') });

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

  async function viewOf(batchId: string) {
    const b = await batchOr404(db, batchId);
    return toView(b, (await visaBatchCounts(db, [b.id])).get(b.id));
  }

  app.post(
    '/campaigns/:campaignId/visa-batches',
    {
      schema: {
        tags: ['visa batches'],
        summary: "Assemble a visa batch from the files waiting for one, within the week's consular capacity",
        description:
          "Takes the worker cycles at stage authorised or visa_incomplete that are not in a batch still waiting for their decision, in candidate order, up to the consulate's weekly capacity left for weekStart (campaign.visaWeeklyCapacity minus the batches already assembled for that week) and to `capacity`. Files left out by the capacity are counted in remainingEligible. 409 when the week is full or no file is waiting.",
        params: campaignParams,
        body: assembleBody,
        response: { 201: assembledView, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (req, reply) => {
      const campaign = await campaignOr404(db, req.params.campaignId);
      const timings = { ...DEFAULT_VISA_BATCH_TIMINGS, ...req.body.timings } as VisaBatchTimings;
      // Rows first, then the workflow (activities/start-workflow.ts). A batch whose request stopped in between is
      // started by the next assembly (with the default deadlines): no batch stays without its workflow.
      for (const b of await unstartedBatchCandidates(db, campaign.id)) await startBatchWorkflow(temporal, campaign, b.id, DEFAULT_VISA_BATCH_TIMINGS);
      const assembled = await assembleBatch(db, campaign, req.body);
      if ((await startBatchWorkflow(temporal, campaign, assembled.batchId, timings)) === 'already_ran') {
        throw conflict(`visa batch ${assembled.batchId} already existed and is closed`);
      }
      const view = await viewOf(assembled.batchId);
      return reply.code(201).send({ ...view, remainingEligible: assembled.remainingEligible, weekCapacityLeft: assembled.weekCapacityLeft });
    },
  );

  getPaged(app, '/campaigns/:campaignId/visa-batches', {
    tags: ['visa batches'],
    summary: "A campaign's visa batches with their state and decision counts",
    params: campaignParams,
    item: batchView,
    load: async ({ campaignId }, page) => {
      const { total, rows } = await listBatches(db, (await campaignOr404(db, campaignId)).id, page);
      const counts = await visaBatchCounts(db, rows.map((r) => r.id));
      return { total, items: rows.map((r) => toView(r, counts.get(r.id))) };
    },
  });

  app.get(
    '/visa-batches/:batchId',
    {
      schema: {
        tags: ['visa batches'],
        summary: 'A visa batch: state and decision counts (its members: GET /visa-batches/:id/members)',
        params: batchParams,
        response: { 200: batchView, 400: errorSchema, 404: errorSchema },
      },
    },
    async (req) => viewOf(req.params.batchId),
  );

  getPaged(app, '/visa-batches/:batchId/members', {
    tags: ['visa batches'],
    summary: "A visa batch's members in manifest order, with their stage and decision",
    params: batchParams,
    item: memberView,
    load: async ({ batchId }, page) => {
      const { total, rows } = await membersPage(db, (await batchOr404(db, batchId)).id, page);
      return { total, items: rows.map((m, i) => member(m, page.offset + i)) };
    },
  });

  app.post(
    '/visa-batches/:batchId/lodge',
    {
      schema: {
        tags: ['visa batches'],
        summary: 'Record that the batch was lodged with the consulate: submits every member’s visa file',
        description: "409 unless the batch is assembled. The members' files are submitted by a bulk operation (their cycles move to visa_submitted shortly after).",
        params: batchParams,
        body: lodgeBody,
        response: { 200: batchView, 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req) => {
      const batch = await batchOr404(db, req.params.batchId);
      if (batch.status !== 'assembled') {
        throw conflict(`visa batch ${batch.id} is ${batchState(batch).replace(/_/g, ' ')}${batch.lodgedOn ? ` (lodged on ${batch.lodgedOn})` : ''}; only an assembled batch can be lodged`);
      }
      await updateOr409(temporal, batch.id, lodgeBatchUpdate, req.body, `visa batch ${batch.id} is closed`);
      return viewOf(batch.id);
    },
  );

  app.post(
    '/visa-batches/:batchId/decisions',
    {
      schema: {
        tags: ['visa batches'],
        summary: "Load the consulate's decisions for a lodged batch (CSV or JSON)",
        description:
          'Columns: nationalId, decision (issued|refused|incomplete), visaNumber (required when issued), reason (required when refused or incomplete). Rows naming a worker who is not in this batch, or already decided in it, are reported by line and field; good rows are applied to the workers’ cycles by a bulk operation. Loading the same file twice changes nothing.',
        params: batchParams,
        querystring: decisionsQuery,
        body: intakeBody,
        consumes: FILE_MEDIA_TYPES,
        response: { 200: intakeResultView, 201: intakeResultView, 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const batch = await batchOr404(db, req.params.batchId);
      if (batch.status === 'assembled' || !batch.lodgedOn) throw conflict(`visa batch ${batch.id} is not lodged yet`);
      if (!(await lodgementApplied(db, batch))) {
        throw conflict(`the lodgement of visa batch ${batch.id} is still being applied to its workers' cycles; retry shortly`);
      }
      // One signal per decisions file; the workflow counts each operation once, so a repeat is harmless.
      const tellBatch = (operationId: string) => signalIfOpen(temporal, batch.id, decisionsRecordedSignal, { operationId }, req.log);
      const kind = `visa_decisions:${batch.id}`;
      const file = await readFileOnce(db, req, req.body, batch.campaignId, kind);
      if (file.loaded) {
        await repairLoaded(temporal, file.loaded, batch.id);
        if (file.loaded.operationId) await tellBatch(file.loaded.operationId); // in case the first load stopped before its signal
        return reply.code(200).send(file.loaded);
      }
      const { ok, errors } = validateRows(file.rows, decisionRow);
      const items = itemsByNationalId(ok, errors, await membersByNationalId(db, batch.id), {
        unknown: (nid) => `${nid} is not a member of visa batch ${batch.id}`,
        refuse: (m, row) => (m.decision ? { field: 'decision', reason: `${row.nationalId} already has a decision in this batch (${m.decision})` } : undefined),
        payload: (row) => ({ args: { decision: row.decision, visaNumber: row.visaNumber, reason: row.reason, recordedBy: req.query.loadedBy }, context: { batchId: batch.id } }),
      });
      const of = `visa batch ${batch.id}`;
      const result = await commitFile({ db, temporal }, file, { campaignId: batch.campaignId, kind, bulkKind: 'visa_decision', keyPrefix: visaBatchSourceKey(batch.seq), what: 'decisions', of, loadedBy: req.query.loadedBy, notify: batch.id }, async () => items, errors);
      if (result.operationId) await tellBatch(result.operationId);
      return reply.code(result.duplicate ? 200 : 201).send(result);
    },
  );

  app.get(
    '/visa-batches/:batchId/manifest',
    {
      schema: {
        tags: ['visa batches'],
        summary: "The batch's dossier manifest (PDF): every worker with the documents their file carries",
        params: batchParams,
        response: { 200: z.any().describe('the PDF'), 400: errorSchema, 404: errorSchema },
        produces: ['application/pdf'],
      },
    },
    async (req, reply) => {
      const data = await loadVisaBatchManifestData(db, req.params.batchId);
      if (!data) throw notFound(`visa batch ${req.params.batchId}`);
      const pdf = await documentRenderer.renderVisaBatchManifest(data);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="manifeste-${data.batchId}.pdf"`)
        .header('etag', `"${createHash('sha256').update(pdf).digest('hex')}"`)
        .send(pdf);
    },
  );
};
