// What the visa batch routes take and answer (zod: validation, serialisation and the OpenAPI document).
import { z } from 'zod';
import { visaBatchLodgeOperationId, type VisaBatchCounts } from '../../workflows/contracts/visa-batch';
import type { BatchRow, MemberRow } from '../queries/visa-batches';
import { note, duration } from '../schemas';

const isoDate = z.iso.date().describe('yyyy-mm-dd');

export const batchParams = z.object({ batchId: z.string().regex(/^visa-[a-z0-9-]+-\d+$/, 'a visa batch id, e.g. visa-huelva-2027-3') });

export const assembleBody = z.object({
  weekStart: isoDate.describe("a day of the consular week the batch is lodged in (yyyy-mm-dd): the batch takes that ISO week (its Monday); the week's places are the consulate's, shared by every campaign lodging there"),
  capacity: z.number().int().min(1).max(100_000).optional().describe("at most this many files (default and ceiling: the week's capacity left)"),
  note,
  timings: z
    .object({ lodgeDeadline: duration, decisionDeadline: duration, escalationGrace: duration })
    .partial()
    .strict()
    .optional()
    .describe('overrides of the default deadlines (14 days to lodge, 21 days for the decisions, 14 days of grace after an escalation)'),
});
export const lodgeBody = z.object({ lodgedOn: isoDate, note });

export const decisionRow = z
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
export const batchView = z.object({
  batchId: z.string(),
  campaignId: z.string(),
  seq: z.number(),
  weekStart: z.string().describe('the Monday of its ISO week'),
  consulateId: z.string(),
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
  membersUrl: z.string().describe('the members, paged'),
});
export const assembledView = batchView.extend({
  remainingEligible: z.number().describe('eligible files left out of this batch by the capacity: they go into a later batch'),
  weekCapacityLeft: z.number().describe("the week's places left for this campaign after this batch (the consulate's or the campaign's ceiling, whichever is fewer)"),
  refusedPassports: z.array(z.object({ cycleId: z.string(), field: z.string(), reason: z.string() })).describe('files left out: the passport expires before the contract ends'),
  nextWeeks: z.array(z.object({ weekStart: z.string(), files: z.number() })).describe('where the files this week could not take would go: the following weeks with places left'),
});
export const memberView = z.object({
  n: z.number().describe('line of the manifest'),
  cycleId: z.string(),
  nationalId: z.string(),
  name: z.string(),
  attempt: z.number().describe('1 for a first file, 2+ for a file resubmitted after an incomplete decision'),
  stage: z.string().describe("the worker cycle's stage now"),
  decision: z.enum(['issued', 'refused', 'incomplete']).nullable(),
  decidedAt: z.string().nullable(),
});

export function batchState(b: BatchRow): (typeof BATCH_STATES)[number] {
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

export function toView(b: BatchRow, counts: VisaBatchCounts | undefined): z.infer<typeof batchView> {
  return {
    batchId: b.id,
    campaignId: b.campaignId,
    seq: b.seq,
    weekStart: b.weekStart,
    consulateId: b.consulateId,
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
    membersUrl: `/visa-batches/${b.id}/members`,
  };
}

/** A member; `index` is its place in the whole list (the manifest's line, minus one). */
export function member(m: MemberRow, index: number): z.infer<typeof memberView> {
  return {
    n: index + 1,
    cycleId: m.cycleId,
    nationalId: m.nationalId,
    name: `${m.firstName} ${m.lastName}`,
    attempt: m.attempt,
    stage: m.stage,
    decision: m.decision,
    decidedAt: m.decidedAt?.toISOString() ?? null,
  };
}
