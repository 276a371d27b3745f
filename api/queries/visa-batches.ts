// Visa batch reads and writes (SQL only; the routes map and answer). The manifest's data and the decision counts
// are shared with the batch's activities (activities/visa-batches.ts).
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { bulkOperations, candidates, visaBatchMembers, visaBatches, workerCycles } from '../../db/schema';
import { visaBatchId, visaBatchLodgeOperationId } from '../../workflows/contracts/visa-batch';
import { conflict, notFound } from '../errors';
import type { Page } from '../paging';
import type { CampaignRow } from './campaigns';

import { batchMembers } from '../../activities/visa-batches';

export { loadVisaBatchManifestData, visaBatchCounts } from '../../activities/visa-batches';

export type BatchRow = typeof visaBatches.$inferSelect;

/** Cycles waiting for a visa file: authorised, or sent back by the consulate as incomplete. */
const ELIGIBLE_STAGES = ['authorised', 'visa_incomplete'];

export async function batchOr404(db: Db, batchId: string): Promise<BatchRow> {
  const [b] = await db.select().from(visaBatches).where(eq(visaBatches.id, batchId));
  if (!b) throw notFound(`visa batch ${batchId}`);
  return b;
}

/**
 * Batches whose workflow may never have started (their request stopped between the commit and the start): still
 * assembled a minute after they were written (a request starts its batch's workflow right after its commit).
 */
export function unstartedBatchCandidates(db: Db, campaignId: string): Promise<BatchRow[]> {
  return db
    .select()
    .from(visaBatches)
    .where(and(eq(visaBatches.campaignId, campaignId), eq(visaBatches.status, 'assembled'), lt(visaBatches.createdAt, sql`now() - interval '1 minute'`)));
}

/**
 * Writes a batch and its members in one transaction: the files waiting for one (not in a batch still waiting for
 * its decision), in candidate order, up to the week's consular capacity left and to `capacity`. One assembly at a
 * time per campaign, so two requests never share the week's capacity twice.
 */
export async function assembleBatch(db: Db, campaign: CampaignRow, a: { weekStart: string; capacity?: number; createdBy: string }) {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`visa-batches:${campaign.id}`}))`);
    const [week] = await tx
      .select({ used: sql<number>`coalesce(sum(${visaBatches.members}), 0)::int` })
      .from(visaBatches)
      .where(and(eq(visaBatches.campaignId, campaign.id), eq(visaBatches.weekStart, a.weekStart)));
    const used = week?.used ?? 0;
    const left = campaign.visaWeeklyCapacity - used;
    if (left <= 0) {
      throw conflict(`the consulate's capacity for the week of ${a.weekStart} is used up: ${used} of ${campaign.visaWeeklyCapacity} visa files are already in batches for that week`, [
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
    const size = Math.min(a.capacity ?? campaign.visaWeeklyCapacity, left);
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
    await tx.insert(visaBatches).values({ id: batchId, campaignId: campaign.id, seq, weekStart: a.weekStart, capacity: size, status: 'assembled', members: take.length, createdBy: a.createdBy });
    for (let i = 0; i < take.length; i += 1000) {
      await tx.insert(visaBatchMembers).values(take.slice(i, i + 1000).map((cycleId) => ({ batchId, cycleId, attempt: (attempts.get(cycleId) ?? 0) + 1 })));
    }
    return { batchId, remainingEligible: eligible.length - take.length, weekCapacityLeft: left - take.length };
  });
}

export async function listBatches(db: Db, campaignId: string, page: Page) {
  const where = eq(visaBatches.campaignId, campaignId);
  const total = await db.$count(visaBatches, where);
  const rows = await db.select().from(visaBatches).where(where).orderBy(asc(visaBatches.seq)).limit(page.limit).offset(page.offset);
  return { total, rows };
}

export async function membersPage(db: Db, batchId: string, page: Page) {
  const total = await db.$count(visaBatchMembers, eq(visaBatchMembers.batchId, batchId));
  const rows = await batchMembers(db, batchId).limit(page.limit).offset(page.offset);
  return { total, rows };
}
export type MemberRow = Awaited<ReturnType<typeof membersPage>>['rows'][number];

/** nationalId -> member (cycle and decision so far), for a decisions file. */
export async function membersByNationalId(db: Db, batchId: string) {
  const rows = await db
    .select({ nationalId: candidates.nationalId, cycleId: visaBatchMembers.cycleId, decision: visaBatchMembers.decision })
    .from(visaBatchMembers)
    .innerJoin(workerCycles, eq(workerCycles.id, visaBatchMembers.cycleId))
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .where(eq(visaBatchMembers.batchId, batchId));
  return new Map(rows.map((m) => [m.nationalId, m]));
}

/** Whether the lodgement's bulk operation has been applied to every member's cycle. */
export async function lodgementApplied(db: Db, b: BatchRow): Promise<boolean> {
  const [op] = await db.select({ status: bulkOperations.status }).from(bulkOperations).where(eq(bulkOperations.id, visaBatchLodgeOperationId(b.campaignId, b.seq)));
  return op?.status === 'done';
}
