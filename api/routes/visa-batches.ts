// Consular visa batches: the liaison team assembles batches sized to the consulate's weekly capacity, lodges
// them, loads the consulate's decisions in bulk and follows every batch. One workflow per batch
// (workflows/visa-batch.ts); per-worker steps are bulk operations on the worker cycles.
import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { bulkOperations, campaigns, candidates, visaBatchMembers, visaBatches, workerCycles } from '../../db/schema';
import type { BulkItemPayload } from '../../activities/coordination';
import { loadVisaBatchManifestData, visaBatchCounts } from '../../activities/visa-batches';
import { documentRenderer } from '../../templates/render';
import type { visaBatchWorkflow } from '../../workflows/visa-batch';
import {
  DEFAULT_VISA_BATCH_TIMINGS,
  VISA_BATCH_TASK_QUEUE,
  decisionsRecordedSignal,
  lodgeBatchUpdate,
  visaBatchId,
  visaBatchLodgeOperationId,
  visaBatchSourceKey,
  type VisaBatchCounts,
  type VisaBatchInput,
  type VisaBatchTimings,
} from '../../workflows/contracts/visa-batch';
import { CampaignIdKey, SeasonKey } from '../../workflows/contracts/search-attributes';
import { conflict, notFound, workflowClosed } from '../errors';
import {
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
import { actor, errorSchema } from '../schemas';

const isoDate = z.iso.date().describe('yyyy-mm-dd');
const duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|w|seconds?|minutes?|hours?|days?|weeks?)$/i, 'a duration such as "30s", "2h" or "14 days"');

/** Cycles waiting for a visa file: authorised, or sent back by the consulate as incomplete. */
const ELIGIBLE_STAGES = ['authorised', 'visa_incomplete'];

const batchParams = z.object({ batchId: z.string().regex(/^visa-[a-z0-9-]+-\d+$/, 'a visa batch id, e.g. visa-huelva-2027-3') });
const campaignParams = z.object({ campaignId: z.string() });

const assembleBody = z.object({
  weekStart: isoDate.describe('the consular week the batch is lodged in (yyyy-mm-dd); its capacity is shared by the batches of that week'),
  capacity: z.number().int().min(1).max(100_000).optional().describe("at most this many files (default and ceiling: the week's capacity left)"),
  createdBy: actor,
  timings: z
    .object({ lodgeDeadline: duration, decisionDeadline: duration, escalationGrace: duration })
    .partial()
    .strict()
    .optional()
    .describe('overrides of the default deadlines (14 days to lodge, 21 days for the decisions, 14 days of grace after an escalation)'),
});
const lodgeBody = z.object({ lodgedOn: isoDate, lodgedBy: actor });
const decisionsQuery = z.object({ loadedBy: z.string().min(1).max(120).describe('who loads the file') });

const decisionRow = z
  .object({
    nationalId: z.string().transform((s) => s.trim().toUpperCase()),
    decision: z.enum(['issued', 'refused', 'incomplete']),
    visaNumber: z.string().min(3).max(40).optional(),
    reason: z.string().min(1).max(500).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.decision === 'issued' && !r.visaNumber) ctx.addIssue({ code: 'custom', path: ['visaNumber'], message: 'required when the visa is issued' });
    if (r.decision !== 'issued' && !r.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: `required when the decision is ${r.decision}` });
  });

const BATCH_STATES = ['awaiting_lodgement', 'lodgement_overdue', 'not_lodged', 'awaiting_decisions', 'decisions_overdue', 'decided'] as const;
const countsView = z.object({
  members: z.number(),
  issued: z.number(),
  refused: z.number(),
  incomplete: z.number(),
  undecided: z.number().describe('members without a decision'),
  awaiting: z.number().describe('members without a decision whose cycle is still open: what the batch waits for'),
});
const batchView = z.object({
  batchId: z.string(),
  campaignId: z.string(),
  seq: z.number(),
  weekStart: z.string(),
  capacity: z.number(),
  status: z.enum(['assembled', 'lodged', 'escalated', 'decided']),
  state: z.enum(BATCH_STATES).describe('status in words: an escalated batch is either not lodged (closed) or overdue for decisions'),
  members: z.number(),
  counts: countsView,
  lodgedOn: z.string().nullable(),
  decisionDeadlineAt: z.string().nullable(),
  escalatedAt: z.string().nullable(),
  lodgeOperationId: z.string().nullable().describe("once lodged: the bulk operation submitting the members' visa files (GET /bulk-operations/:id)"),
  createdBy: z.string(),
  createdAt: z.string(),
  manifestUrl: z.string(),
});
const assembledView = batchView.extend({
  remainingEligible: z.number().describe('eligible files left out of this batch by the capacity: they go into a later batch'),
  weekCapacityLeft: z.number().describe("the week's capacity left after this batch"),
});
const memberView = z.object({
  n: z.number().describe('line of the manifest'),
  cycleId: z.string(),
  nationalId: z.string(),
  name: z.string(),
  attempt: z.number().describe('1 for a first file, 2+ for a file resubmitted after an incomplete decision'),
  stage: z.string().describe("the worker cycle's stage now"),
  decision: z.enum(['issued', 'refused', 'incomplete']).nullable(),
  decidedAt: z.string().nullable(),
});
const batchDetailView = batchView.extend({ memberList: z.array(memberView) });

type BatchRow = typeof visaBatches.$inferSelect;

function batchState(b: BatchRow): (typeof BATCH_STATES)[number] {
  switch (b.status) {
    case 'assembled':
      return b.escalatedAt ? 'lodgement_overdue' : 'awaiting_lodgement';
    case 'lodged':
      return 'awaiting_decisions';
    case 'escalated':
      return b.lodgedOn ? 'decisions_overdue' : 'not_lodged';
    case 'decided':
      return 'decided';
  }
}

function toView(b: BatchRow, counts: VisaBatchCounts | undefined): z.infer<typeof batchView> {
  return {
    batchId: b.id,
    campaignId: b.campaignId,
    seq: b.seq,
    weekStart: b.weekStart,
    capacity: b.capacity,
    status: b.status,
    state: batchState(b),
    members: b.members,
    counts: counts ?? { members: 0, issued: 0, refused: 0, incomplete: 0, undecided: 0, awaiting: 0 },
    lodgedOn: b.lodgedOn,
    decisionDeadlineAt: b.decisionDeadlineAt?.toISOString() ?? null,
    escalatedAt: b.escalatedAt?.toISOString() ?? null,
    lodgeOperationId: b.lodgedOn ? visaBatchLodgeOperationId(b.campaignId, b.seq) : null,
    createdBy: b.createdBy,
    createdAt: b.createdAt.toISOString(),
    manifestUrl: `/visa-batches/${b.id}/manifest`,
  };
}

export const visaBatchRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;

  async function batchOr404(batchId: string): Promise<BatchRow> {
    const [b] = await db.select().from(visaBatches).where(eq(visaBatches.id, batchId));
    if (!b) throw notFound(`visa batch ${batchId}`);
    return b;
  }
  async function viewOf(batchId: string) {
    const b = await batchOr404(batchId);
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
      const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, req.params.campaignId));
      if (!campaign) throw notFound(`campaign ${req.params.campaignId}`);
      const { weekStart, createdBy } = req.body;
      const timings = { ...DEFAULT_VISA_BATCH_TIMINGS, ...req.body.timings } as VisaBatchTimings;

      const assembled = await db.transaction(async (tx) => {
        // One assembly at a time per campaign, so two requests never share the week's capacity twice.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`visa-batches:${campaign.id}`}))`);
        const [week] = await tx
          .select({ used: sql<number>`coalesce(sum(${visaBatches.members}), 0)::int` })
          .from(visaBatches)
          .where(and(eq(visaBatches.campaignId, campaign.id), eq(visaBatches.weekStart, weekStart)));
        const used = week?.used ?? 0;
        const left = campaign.visaWeeklyCapacity - used;
        if (left <= 0) {
          throw conflict(`the consulate's capacity for the week of ${weekStart} is used up: ${used} of ${campaign.visaWeeklyCapacity} visa files are already in batches for that week`, [
            { field: 'body.weekStart', reason: 'weekly capacity used up' },
          ]);
        }
        const eligible = await tx
          .select({ cycleId: workerCycles.id })
          .from(workerCycles)
          .where(
            and(
              eq(workerCycles.campaignId, campaign.id),
              inArray(workerCycles.stage, ELIGIBLE_STAGES),
              // not in a batch still waiting for its decision (a batch never lodged has released its members)
              sql`not exists (select 1 from ${visaBatchMembers} m join ${visaBatches} b on b.id = m.batch_id
                where m.cycle_id = ${workerCycles.id} and m.decision is null and not (b.status = 'escalated' and b.lodged_on is null))`,
            ),
          )
          .orderBy(asc(workerCycles.candidateId));
        if (eligible.length === 0) {
          throw conflict(`no visa file of campaign ${campaign.id} is waiting for a batch (cycles at stage authorised or visa_incomplete, not already in an open batch)`);
        }
        const size = Math.min(req.body.capacity ?? campaign.visaWeeklyCapacity, left);
        const take = eligible.slice(0, size).map((e) => e.cycleId);
        const [last] = await tx.select({ seq: sql<number>`coalesce(max(${visaBatches.seq}), 0)::int` }).from(visaBatches).where(eq(visaBatches.campaignId, campaign.id));
        const seq = (last?.seq ?? 0) + 1;
        const batchId = visaBatchId(campaign.id, seq);
        const previous = await tx
          .select({ cycleId: visaBatchMembers.cycleId, attempts: sql<number>`max(${visaBatchMembers.attempt})::int` })
          .from(visaBatchMembers)
          .where(inArray(visaBatchMembers.cycleId, take))
          .groupBy(visaBatchMembers.cycleId);
        const attempts = new Map(previous.map((p) => [p.cycleId, p.attempts]));
        await tx.insert(visaBatches).values({ id: batchId, campaignId: campaign.id, seq, weekStart, capacity: size, status: 'assembled', members: take.length, createdBy });
        for (let i = 0; i < take.length; i += 1000) {
          await tx.insert(visaBatchMembers).values(take.slice(i, i + 1000).map((cycleId) => ({ batchId, cycleId, attempt: (attempts.get(cycleId) ?? 0) + 1 })));
        }
        // The batch's workflow starts with its rows: if Temporal refuses, nothing is written.
        const input: VisaBatchInput = { batchId, campaignId: campaign.id, ...timings };
        try {
          await temporal.workflow.start<typeof visaBatchWorkflow>('visaBatchWorkflow', {
            workflowId: batchId,
            taskQueue: VISA_BATCH_TASK_QUEUE,
            args: [input],
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            typedSearchAttributes: [
              { key: CampaignIdKey, value: campaign.id },
              { key: SeasonKey, value: campaign.season },
            ],
          });
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) throw conflict(`visa batch ${batchId} already existed and is closed`);
          throw err;
        }
        return { batchId, remainingEligible: eligible.length - take.length, weekCapacityLeft: left - take.length };
      });
      const view = await viewOf(assembled.batchId);
      return reply.code(201).send({ ...view, remainingEligible: assembled.remainingEligible, weekCapacityLeft: assembled.weekCapacityLeft });
    },
  );

  app.get(
    '/campaigns/:campaignId/visa-batches',
    {
      schema: {
        tags: ['visa batches'],
        summary: "A campaign's visa batches with their state and decision counts",
        params: campaignParams,
        response: { 200: z.object({ items: z.array(batchView) }), 404: errorSchema },
      },
    },
    async (req) => {
      const [campaign] = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, req.params.campaignId));
      if (!campaign) throw notFound(`campaign ${req.params.campaignId}`);
      const rows = await db.select().from(visaBatches).where(eq(visaBatches.campaignId, campaign.id)).orderBy(asc(visaBatches.seq));
      const counts = await visaBatchCounts(db, rows.map((r) => r.id));
      return { items: rows.map((r) => toView(r, counts.get(r.id))) };
    },
  );

  app.get(
    '/visa-batches/:batchId',
    {
      schema: {
        tags: ['visa batches'],
        summary: 'A visa batch: state, decision counts and its members',
        params: batchParams,
        response: { 200: batchDetailView, 400: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const view = await viewOf(req.params.batchId);
      const members = await db
        .select({
          cycleId: visaBatchMembers.cycleId,
          nationalId: candidates.nationalId,
          firstName: candidates.firstName,
          lastName: candidates.lastName,
          attempt: visaBatchMembers.attempt,
          stage: workerCycles.stage,
          decision: visaBatchMembers.decision,
          decidedAt: visaBatchMembers.decidedAt,
        })
        .from(visaBatchMembers)
        .innerJoin(workerCycles, eq(workerCycles.id, visaBatchMembers.cycleId))
        .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
        .where(eq(visaBatchMembers.batchId, view.batchId))
        .orderBy(asc(workerCycles.candidateId));
      return {
        ...view,
        memberList: members.map((m, i) => ({
          n: i + 1,
          cycleId: m.cycleId,
          nationalId: m.nationalId,
          name: `${m.firstName} ${m.lastName}`,
          attempt: m.attempt,
          stage: m.stage,
          decision: m.decision,
          decidedAt: m.decidedAt?.toISOString() ?? null,
        })),
      };
    },
  );

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
      const batch = await batchOr404(req.params.batchId);
      if (batch.status !== 'assembled') {
        throw conflict(`visa batch ${batch.id} is ${batchState(batch).replace(/_/g, ' ')}${batch.lodgedOn ? ` (lodged on ${batch.lodgedOn})` : ''}; only an assembled batch can be lodged`);
      }
      try {
        await temporal.workflow.getHandle<typeof visaBatchWorkflow>(batch.id).executeUpdate(lodgeBatchUpdate, { args: [req.body] });
      } catch (err) {
        if (workflowClosed(err)) {
          throw conflict(`visa batch ${batch.id} is closed`);
        }
        throw err; // out of order (409) and invalid (422) updates are mapped by the app's error handler
      }
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
        response: { 200: intakeResultView, 201: intakeResultView, 400: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const batch = await batchOr404(req.params.batchId);
      if (batch.status === 'assembled' || !batch.lodgedOn) throw conflict(`visa batch ${batch.id} is not lodged yet`);
      const [lodgement] = await db
        .select({ status: bulkOperations.status })
        .from(bulkOperations)
        .where(eq(bulkOperations.id, visaBatchLodgeOperationId(batch.campaignId, batch.seq)));
      if (!lodgement || lodgement.status !== 'done') {
        throw conflict(`the lodgement of visa batch ${batch.id} is still being applied to its workers' cycles; retry shortly`);
      }

      /** One signal per decisions file; the workflow counts each operation once, so a repeat is harmless. */
      async function tellBatch(operationId: string): Promise<void> {
        try {
          await temporal.workflow.getHandle(batch.id).signal(decisionsRecordedSignal, { operationId });
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) {
            req.log.warn({ batchId: batch.id, operationId }, 'visa batch workflow closed: decisions recorded on the cycles only');
            return;
          }
          throw err;
        }
      }

      const kind = `visa_decisions:${batch.id}`;
      const { format, rows, raw } = readRows(req, req.body);
      const hash = sha256(raw);
      const loaded = await findLoadedFile(db, batch.campaignId, kind, hash);
      if (loaded) {
        if (loaded.operationId) await tellBatch(loaded.operationId); // in case the first load stopped before its signal
        return reply.code(200).send(loaded);
      }
      const { ok, errors } = validateRows(rows, decisionRow);
      const members = await db
        .select({ nationalId: candidates.nationalId, cycleId: visaBatchMembers.cycleId, decision: visaBatchMembers.decision })
        .from(visaBatchMembers)
        .innerJoin(workerCycles, eq(workerCycles.id, visaBatchMembers.cycleId))
        .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
        .where(eq(visaBatchMembers.batchId, batch.id));
      const byNid = new Map(members.map((m) => [m.nationalId, m]));
      const items: { line: number; cycleId: string; payload: BulkItemPayload }[] = [];
      const seen = new Set<string>();
      for (const { line, row } of ok) {
        const member = byNid.get(row.nationalId);
        const issue: RowError | undefined = !member
          ? { line, field: 'nationalId', reason: `${row.nationalId} is not a member of visa batch ${batch.id}` }
          : seen.has(row.nationalId)
            ? { line, field: 'nationalId', reason: `${row.nationalId} appears more than once in this file` }
            : member.decision
              ? { line, field: 'decision', reason: `${row.nationalId} already has a decision in this batch (${member.decision})` }
              : undefined;
        if (issue || !member) {
          if (issue) errors.push(issue);
          continue;
        }
        seen.add(row.nationalId);
        items.push({
          line,
          cycleId: member.cycleId,
          payload: {
            args: { decision: row.decision, visaNumber: row.visaNumber, reason: row.reason, recordedBy: req.query.loadedBy },
            context: { batchId: batch.id },
          },
        });
      }
      errors.sort((a, b) => a.line - b.line);
      const operationId = items.length
        ? await startBulkOperation(db, temporal, {
            campaignId: batch.campaignId,
            kind: 'visa_decision',
            sourceKey: `${visaBatchSourceKey(batch.seq)}-${hash.slice(0, 16)}`,
            source: `decisions file ${hash.slice(0, 16)} for visa batch ${batch.id}`,
            createdBy: req.query.loadedBy,
            items,
          })
        : null;
      const result = await recordLoadedFile(db, { campaignId: batch.campaignId, kind, hash, format, rowsTotal: rows.length, accepted: items.length, errors, operationId, loadedBy: req.query.loadedBy });
      if (operationId) await tellBatch(operationId);
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
