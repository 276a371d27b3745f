// Visa batch reads and writes (SQL only; the routes map and answer). The manifest's data and the decision counts
// are shared with the batch's activities (activities/visa-batches.ts).
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { bulkOperations, candidates, visaBatchMembers, visaBatches, workerCycles } from '../../db/schema';
import { isoWeekMonday, visaBatchId, visaBatchLodgeOperationId } from '../../workflows/contracts/visa-batch';
import { lockConsulate, placesLeft, proposeNextWeeks } from './consular-weeks';
import { passportRefusal } from '../../workflows/contracts/eligibility';
import { conflict, notFound, unprocessable } from '../errors';
import type { Page } from '../paging';
import type { CampaignRow } from './campaigns';

import { batchMembers } from '../../activities/visa-batches';
import { byRegistration } from '../../db/queries/registration-order';

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
 * its decision), in registration order, up to the places left in the consulate's week (shared with every campaign
 * lodging there, and the campaign's own weekly ceiling) and to `capacity`. `weekStart` may be any day: the week is
 * its ISO week. Files whose passport expires before the contract ends are left out, by worker, with the reason;
 * the files the week cannot take are proposed for the following weeks. One assembly or single lodging at a time per
 * consulate, so two never share a week's places twice. With a `requestKey` (the request's Idempotency-Key) the same
 * request sent again finds the batch it assembled (`created: false`) instead of assembling another.
 */
export async function assembleBatch(db: Db, campaign: CampaignRow, a: { weekStart: string; capacity?: number; createdBy: string; requestKey?: string }) {
  const weekStart = isoWeekMonday(a.weekStart);
  return db.transaction(async (tx) => {
    const consulate = await lockConsulate(tx, campaign.consulateId);
    const eligibleNow = async () => {
      const rows = await tx
        .select({ cycleId: workerCycles.id, contractEnd: workerCycles.contractEnd, passportExpiry: candidates.passportExpiry })
        .from(workerCycles)
        .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
        .where(
          and(
            eq(workerCycles.campaignId, campaign.id),
            inArray(workerCycles.stage, ELIGIBLE_STAGES),
            // not in a batch still waiting for its decision (a batch never lodged has released its members)
            sql`not exists (select 1 from ${visaBatchMembers} m join ${visaBatches} b on b.id = m.batch_id
              where m.cycle_id = ${workerCycles.id} and m.decision is null and not (b.status = 'escalated' and b.lodged_on is null))`,
          ),
        )
        .orderBy(byRegistration);
      // the consulate refuses a passport that expires before the contract ends: such files wait for a new passport
      const refusedPassports = rows.flatMap((r) => {
        const refusal = passportRefusal(r.passportExpiry, r.contractEnd);
        return refusal ? [{ cycleId: r.cycleId, field: refusal.field, reason: refusal.reason }] : [];
      });
      const refused = new Set(refusedPassports.map((r) => r.cycleId));
      return { eligible: rows.filter((r) => !refused.has(r.cycleId)).map((r) => r.cycleId), refusedPassports };
    };
    /** The answer: the files still waiting after this batch (those it took are no longer eligible) and where they would go. */
    const outcome = async (batchId: string, created: boolean, week: string, waiting: { remaining: number; refusedPassports: { cycleId: string; field: string; reason: string }[] }) => {
      const { left } = await placesLeft(tx, consulate, campaign, week);
      const nextWeeks = await proposeNextWeeks(tx, consulate, campaign, week, waiting.remaining);
      return { batchId, created, consulateId: consulate.id, remainingEligible: waiting.remaining, weekCapacityLeft: left, refusedPassports: waiting.refusedPassports, nextWeeks };
    };
    if (a.requestKey) {
      const [same] = await tx.select().from(visaBatches).where(and(eq(visaBatches.campaignId, campaign.id), eq(visaBatches.requestKey, a.requestKey)));
      if (same) {
        if (same.weekStart !== weekStart) {
          throw unprocessable(`this Idempotency-Key assembled visa batch ${same.id} for the week of ${same.weekStart}, not ${weekStart}`, [
            { field: 'headers.idempotency-key', reason: 'already used for another request' },
          ]);
        }
        const { eligible, refusedPassports } = await eligibleNow();
        return outcome(same.id, false, same.weekStart, { remaining: eligible.length, refusedPassports });
      }
    }
    const { left, used, capacity } = await placesLeft(tx, consulate, campaign, weekStart);
    if (left <= 0) {
      throw conflict(`the consulate's capacity for the week of ${weekStart} is used up: ${used} of ${capacity} visa files are already in batches for that week`, [
        { field: 'body.weekStart', reason: 'weekly capacity used up' },
      ]);
    }
    const { eligible, refusedPassports } = await eligibleNow();
    if (eligible.length === 0) {
      const why = refusedPassports.length ? ` (${refusedPassports.length} left out: passport expiring before the contract end)` : '';
      throw conflict(`no visa file of campaign ${campaign.id} is waiting for a batch (cycles at stage authorised or visa_incomplete, not already in an open batch)${why}`);
    }
    const size = Math.min(a.capacity ?? left, left);
    const take = eligible.slice(0, size);
    const [last] = await tx.select({ seq: sql<number>`coalesce(max(${visaBatches.seq}), 0)::int` }).from(visaBatches).where(eq(visaBatches.campaignId, campaign.id));
    const seq = (last?.seq ?? 0) + 1;
    const batchId = visaBatchId(campaign.id, seq);
    const previous = await tx
      .select({ cycleId: visaBatchMembers.cycleId, attempts: sql<number>`max(${visaBatchMembers.attempt})::int` })
      .from(visaBatchMembers)
      .where(inArray(visaBatchMembers.cycleId, take))
      .groupBy(visaBatchMembers.cycleId);
    const attempts = new Map(previous.map((p) => [p.cycleId, p.attempts]));
    await tx.insert(visaBatches).values({ id: batchId, campaignId: campaign.id, seq, weekStart, consulateId: consulate.id, capacity: size, status: 'assembled', members: take.length, createdBy: a.createdBy, requestKey: a.requestKey ?? null });
    for (let i = 0; i < take.length; i += 1000) {
      await tx.insert(visaBatchMembers).values(take.slice(i, i + 1000).map((cycleId) => ({ batchId, cycleId, attempt: (attempts.get(cycleId) ?? 0) + 1 })));
    }
    return outcome(batchId, true, weekStart, { remaining: eligible.length - take.length, refusedPassports });
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
export async function membersByNationalId(db: Db | Tx, batchId: string) {
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
