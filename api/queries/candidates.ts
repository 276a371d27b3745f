// Candidate reads and writes (SQL only). One record per person, keyed on the national ID.
import { eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { candidates } from '../../db/schema';
import { notFound } from '../errors';

export type CandidateRow = typeof candidates.$inferSelect;

export async function personOr404(db: Db, candidateId: number): Promise<CandidateRow> {
  const [c] = await db.select().from(candidates).where(eq(candidates.id, candidateId));
  if (!c) throw notFound(`candidate ${candidateId}`);
  return c;
}

export async function personByNationalId(db: Db, nationalId: string): Promise<CandidateRow | undefined> {
  const [c] = await db.select().from(candidates).where(eq(candidates.nationalId, nationalId));
  return c;
}

/** Registers the person once: the record, and whether this call created it. */
export async function registerCandidate(db: Db, c: typeof candidates.$inferInsert) {
  const [created] = await db.insert(candidates).values(c).onConflictDoNothing().returning();
  if (created) return { candidate: created, created: true };
  const [existing] = await db.select().from(candidates).where(eq(candidates.nationalId, c.nationalId));
  return { candidate: existing!, created: false };
}

/** Registers a file's people in the file's transaction (the known are kept as they are); national ID -> id, province. */
export async function registerPeople(tx: Db | Tx, people: (typeof candidates.$inferInsert)[]): Promise<Map<string, { id: number; province: string }>> {
  for (let i = 0; i < people.length; i += 1000) await tx.insert(candidates).values(people.slice(i, i + 1000)).onConflictDoNothing();
  const out = new Map<string, { id: number; province: string }>();
  const nids = people.map((p) => p.nationalId);
  for (let i = 0; i < nids.length; i += 1000) {
    const found = await tx.select({ id: candidates.id, nationalId: candidates.nationalId, province: candidates.province }).from(candidates).where(inArray(candidates.nationalId, nids.slice(i, i + 1000)));
    for (const c of found) out.set(c.nationalId, { id: c.id, province: c.province });
  }
  return out;
}
