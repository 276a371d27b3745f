// Worker cycles as PostgreSQL mirrors them: the rows the cycle routes read.
import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { Reach } from '../auth/jurisdiction';
import type { Db } from '../../db/client';
import { auditEvents, campaigns, candidates, documents, offers, workerCycles } from '../../db/schema';
import { byRegistration } from '../../db/queries/registration-order';

export async function findCycle(db: Db, cycleId: string) {
  const [row] = await db
    .select({ id: workerCycles.id, campaignId: workerCycles.campaignId, candidateId: workerCycles.candidateId, province: workerCycles.province, employerId: workerCycles.employerId, stage: workerCycles.stage, outcome: workerCycles.outcome, campaignStage: campaigns.stage })
    .from(workerCycles)
    .innerJoin(campaigns, eq(campaigns.id, workerCycles.campaignId))
    .where(eq(workerCycles.id, cycleId));
  return row;
}

/** The cycles within a caller's reach (api/auth/jurisdiction.ts), as a condition every cycle query adds. */
export function cyclesInReach(reach: Reach): SQL | undefined {
  return and(reach.province !== undefined ? eq(workerCycles.province, reach.province) : undefined, reach.employerId !== undefined ? eq(workerCycles.employerId, reach.employerId) : undefined);
}

/**
 * A page of a campaign's cycles in registration order, and how many the filtered list holds. `after` (a cycle of the
 * campaign, from the previous page) starts the page just after that cycle, read from the (campaign, stage, seq) index
 * instead of skipping `offset` rows: a desk walking a stage of 10,000 cycles reads each row once. Undefined when
 * `after` names no cycle of the campaign within the caller's reach.
 */
export async function listCycles(db: Db, q: { campaignId: string; stage?: string; outcome?: string; after?: string; limit: number; offset: number; reach: Reach }) {
  let afterSeq: number | undefined;
  if (q.after !== undefined) {
    // a cursor beyond the caller's reach is no cycle of the campaign for that caller
    const [row] = await db.select({ seq: workerCycles.registrationSeq }).from(workerCycles).where(and(eq(workerCycles.id, q.after), eq(workerCycles.campaignId, q.campaignId), cyclesInReach(q.reach)));
    if (!row) return undefined;
    afterSeq = row.seq;
  }
  const where = and(eq(workerCycles.campaignId, q.campaignId), q.stage ? eq(workerCycles.stage, q.stage) : undefined, q.outcome ? eq(workerCycles.outcome, q.outcome) : undefined, cyclesInReach(q.reach));
  // side by side on the pool: a desk polls this list through the season
  const [total, rows] = await Promise.all([
    db.$count(workerCycles, where),
    db
      .select()
      .from(workerCycles)
      .where(afterSeq !== undefined ? and(where, gt(workerCycles.registrationSeq, afterSeq)) : where)
      .orderBy(byRegistration)
      .limit(q.limit)
      .offset(q.offset),
  ]);
  return { total, rows };
}

/** A cycle with its person, audit trail and documents (the documents' bytes stay in PostgreSQL). */
export async function cycleRecord(db: Db, cycleId: string) {
  const [row] = await db.select({ cycle: workerCycles, candidate: candidates }).from(workerCycles).innerJoin(candidates, eq(candidates.id, workerCycles.candidateId)).where(eq(workerCycles.id, cycleId));
  if (!row) return undefined;
  const audit = await db.select().from(auditEvents).where(eq(auditEvents.cycleId, cycleId)).orderBy(asc(auditEvents.seq));
  const docs = await db
    .select({ id: documents.id, kind: documents.kind, version: documents.version, filename: documents.filename, sizeBytes: documents.sizeBytes, sha256: documents.sha256, createdAt: documents.createdAt })
    .from(documents)
    .where(eq(documents.cycleId, cycleId))
    .orderBy(asc(documents.id));
  return { ...row, audit, docs };
}

export async function insertCycleRow(db: Db, row: { id: string; campaignId: string; candidateId: number; province: string; rehire?: boolean; reserveRank?: number | null }): Promise<boolean> {
  const created = await db
    .insert(workerCycles)
    .values({ ...row, stage: 'preselected' })
    .onConflictDoNothing()
    .returning({ id: workerCycles.id });
  return created.length > 0;
}

/** The farm (CIF) an offer belongs to, or undefined for an unknown offer. */
export async function offerEmployer(db: Db, offerId: string): Promise<string | undefined> {
  const [row] = await db.select({ employerId: offers.employerId }).from(offers).where(eq(offers.id, offerId));
  return row?.employerId;
}
