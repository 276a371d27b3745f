// Candidate reads and writes (SQL only). One record per person, keyed on the national ID.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
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
