// In-season cases as PostgreSQL keeps them: a cycle's cases, one case within the caller's reach, the late resolution
// of a case whose workflow has ended, and the season's report by employer.
import { and, asc, desc, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { campaigns, employers, inSeasonCases, offers, workerCycles } from '../../db/schema';
import { notFound } from '../errors';
import { withinReach } from '../auth/jurisdiction';
import type { Actor } from '../auth/roles';

export type CaseRow = typeof inSeasonCases.$inferSelect & { newEmployerId: string | null };

const caseColumns = { c: inSeasonCases, newEmployerId: offers.employerId };
const withNewEmployer = (r: { c: typeof inSeasonCases.$inferSelect; newEmployerId: string | null }): CaseRow => ({ ...r.c, newEmployerId: r.newEmployerId });

/** Writes a case, or finds the one the same request (cycle and Idempotency-Key) wrote before. */
export async function insertCase(tx: Tx, row: typeof inSeasonCases.$inferInsert): Promise<{ row: typeof inSeasonCases.$inferSelect; created: boolean }> {
  const [created] = await tx.insert(inSeasonCases).values(row).onConflictDoNothing().returning();
  if (created) return { row: created, created: true };
  const [found] = await tx.select().from(inSeasonCases).where(and(eq(inSeasonCases.cycleId, row.cycleId), eq(inSeasonCases.requestKey, row.requestKey ?? '')));
  if (!found) throw new Error(`case of ${row.cycleId} neither written nor found`);
  return { row: found, created: false };
}

export async function casesOfCycle(db: Db, cycleId: string, page: { limit: number; offset: number }) {
  const where = eq(inSeasonCases.cycleId, cycleId);
  const total = await db.$count(inSeasonCases, where);
  const rows = await db.select(caseColumns).from(inSeasonCases).leftJoin(offers, eq(offers.id, inSeasonCases.newOfferId)).where(where).orderBy(desc(inSeasonCases.reportedAt), desc(inSeasonCases.id)).limit(page.limit).offset(page.offset);
  return { total, rows: rows.map(withNewEmployer) };
}

export async function caseById(db: Db, caseId: number): Promise<CaseRow | undefined> {
  const [row] = await db.select(caseColumns).from(inSeasonCases).leftJoin(offers, eq(offers.id, inSeasonCases.newOfferId)).where(eq(inSeasonCases.id, caseId));
  return row && withNewEmployer(row);
}

/** The case, or 404 when unknown or its worker is outside the caller's reach (her province, her employer). */
export async function caseOr404(db: Db, caseId: number, actor: Actor): Promise<CaseRow> {
  const [row] = await db
    .select({ ...caseColumns, province: workerCycles.province })
    .from(inSeasonCases)
    .innerJoin(workerCycles, eq(workerCycles.id, inSeasonCases.cycleId))
    .leftJoin(offers, eq(offers.id, inSeasonCases.newOfferId))
    .where(eq(inSeasonCases.id, caseId));
  if (!row) throw notFound(`in-season case ${caseId}`);
  withinReach(actor, { province: row.province, employerId: row.c.employerId }, `in-season case ${caseId}`);
  return withNewEmployer(row);
}

/** A case resolved after its workflow ended (escalated, and its last wait over): the row is the record. */
export async function resolveClosedCase(db: Db, r: { caseId: number; resolution: string; resolvedBy: string }): Promise<boolean> {
  const done = await db
    .update(inSeasonCases)
    .set({ status: 'resolved', resolution: r.resolution, resolvedBy: r.resolvedBy, resolvedAt: new Date() })
    .where(and(eq(inSeasonCases.id, r.caseId), ne(inSeasonCases.status, 'resolved')))
    .returning({ id: inSeasonCases.id });
  return done.length > 0;
}

/**
 * A season's cases by employer: the cases by kind and status, and the employer's workers — its cycles of the
 * season's campaigns that reached the season (embarked), the denominator of the rates per 100 workers.
 */
export async function seasonCasesByEmployer(db: Db, season: number) {
  const workers = await db
    .select({ employerId: workerCycles.employerId, n: sql<number>`count(*)::int` })
    .from(workerCycles)
    .innerJoin(campaigns, eq(campaigns.id, workerCycles.campaignId))
    .where(and(eq(campaigns.season, season), isNotNull(workerCycles.employerId), isNotNull(workerCycles.embarkedAt)))
    .groupBy(workerCycles.employerId);
  const cases = await db
    .select({ employerId: inSeasonCases.employerId, kind: inSeasonCases.kind, status: inSeasonCases.status, n: sql<number>`count(*)::int` })
    .from(inSeasonCases)
    .innerJoin(campaigns, eq(campaigns.id, inSeasonCases.campaignId))
    .where(eq(campaigns.season, season))
    .groupBy(inSeasonCases.employerId, inSeasonCases.kind, inSeasonCases.status);
  const ids = [...new Set([...workers.map((w) => w.employerId!), ...cases.map((c) => c.employerId)])];
  const names = ids.length ? await db.select({ id: employers.id, name: employers.name }).from(employers).where(inArray(employers.id, ids)).orderBy(asc(employers.id)) : [];
  return { workers, cases, names };
}
