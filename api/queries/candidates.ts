// Candidate reads and writes (SQL only). One record per person, keyed on the national ID.
import { and, asc, eq, exists, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Reach } from '../auth/jurisdiction';
import type { Db, Tx } from '../../db/client';
import { candidates, workerCycles } from '../../db/schema';
import { notFound } from '../errors';
import { inheritErasedBlocks } from '../../db/queries/erasure';

export type CandidateRow = typeof candidates.$inferSelect;

/** The people within a caller's reach: an agency's province of origin, or the workers an employer has employed. */
function peopleInReach(db: Db, reach: Reach): SQL | undefined {
  const employed = reach.employerId !== undefined
    ? exists(db.select({ one: workerCycles.id }).from(workerCycles).where(and(eq(workerCycles.candidateId, candidates.id), eq(workerCycles.employerId, reach.employerId))))
    : undefined;
  return and(reach.province !== undefined ? eq(candidates.province, reach.province) : undefined, employed);
}

/** A person within the caller's reach (404 outside it, as if unknown). */
export async function personOr404(db: Db, candidateId: number, reach: Reach = {}): Promise<CandidateRow> {
  const [c] = await db.select().from(candidates).where(and(eq(candidates.id, candidateId), peopleInReach(db, reach)));
  if (!c) throw notFound(`candidate ${candidateId}`);
  return c;
}

/**
 * The people within reach found by national ID (exact, any case) or by a part of their name (first, last, or both in
 * either order), by name then ID.
 */
export async function searchPeople(db: Db, q: { text: string; limit: number; offset: number }, reach: Reach) {
  const pattern = `%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const where = and(
    or(
      eq(candidates.nationalId, q.text.toUpperCase()),
      ilike(sql`${candidates.firstName} || ' ' || ${candidates.lastName}`, pattern),
      ilike(sql`${candidates.lastName} || ' ' || ${candidates.firstName}`, pattern),
    ),
    peopleInReach(db, reach),
  );
  const total = await db.$count(candidates, where);
  const rows = await db.select().from(candidates).where(where).orderBy(asc(candidates.lastName), asc(candidates.firstName), asc(candidates.id)).limit(q.limit).offset(q.offset);
  return { total, rows };
}

export async function personByNationalId(db: Db, nationalId: string, reach: Reach = {}): Promise<CandidateRow | undefined> {
  const [c] = await db.select().from(candidates).where(and(eq(candidates.nationalId, nationalId), peopleInReach(db, reach)));
  return c;
}

/**
 * Registers the person once: the record, and whether this call created it. A person whose earlier record was erased
 * is recognised by her national ID's token (`hmacKey`, config ERASURE_HMAC_KEY) and keeps a block it carried.
 */
export async function registerCandidate(db: Db, c: typeof candidates.$inferInsert, hmacKey: string) {
  const [inserted] = await db.insert(candidates).values(c).onConflictDoNothing().returning();
  if (inserted) {
    const blocked = await inheritErasedBlocks(db, [inserted], hmacKey);
    const [created] = blocked ? await db.select().from(candidates).where(eq(candidates.id, inserted.id)) : [inserted];
    return { candidate: created!, created: true };
  }
  const [existing] = await db.select().from(candidates).where(eq(candidates.nationalId, c.nationalId));
  return { candidate: existing!, created: false };
}

/**
 * Registers a file's people in the file's transaction (the known are kept as they are); national ID -> id, province.
 * The new inherit a block their erased record carried (registerCandidate), before the eligibility gate reads it.
 */
export async function registerPeople(tx: Db | Tx, people: (typeof candidates.$inferInsert)[], hmacKey: string): Promise<Map<string, { id: number; province: string }>> {
  for (let i = 0; i < people.length; i += 1000) {
    const inserted = await tx.insert(candidates).values(people.slice(i, i + 1000)).onConflictDoNothing().returning({ id: candidates.id, nationalId: candidates.nationalId });
    await inheritErasedBlocks(tx, inserted, hmacKey);
  }
  const out = new Map<string, { id: number; province: string }>();
  const nids = people.map((p) => p.nationalId);
  for (let i = 0; i < nids.length; i += 1000) {
    const found = await tx.select({ id: candidates.id, nationalId: candidates.nationalId, province: candidates.province }).from(candidates).where(inArray(candidates.nationalId, nids.slice(i, i + 1000)));
    for (const c of found) out.set(c.nationalId, { id: c.id, province: c.province });
  }
  return out;
}
