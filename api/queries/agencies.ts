// SQL of the agencies context: agencies by province, their call lists, call outcomes and escalations, and the
// confirmations of a sailing's convocations.
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { agencies, callAttempts, callListEntries, candidates, departurePassengers } from '../../db/schema';

export type CallOutcome = 'reached' | 'confirmed' | 'unreachable' | 'wrong_number';
export const CALL_OUTCOMES = ['reached', 'confirmed', 'unreachable', 'wrong_number'] as const;

export type Agency = typeof agencies.$inferSelect;

export async function upsertAgency(db: Db, a: { id: string; name: string; province: string; email: string; phone?: string | null }): Promise<Agency | undefined> {
  const [row] = await db
    .insert(agencies)
    .values({ ...a, phone: a.phone ?? null })
    .onConflictDoUpdate({ target: agencies.id, set: { name: a.name, province: a.province, email: a.email, phone: a.phone ?? null } })
    .returning();
  return row;
}

export async function agencyByProvince(db: Db, province: string): Promise<Agency | undefined> {
  const [row] = await db.select().from(agencies).where(eq(agencies.province, province));
  return row;
}

export const listAgencies = (db: Db) => db.select().from(agencies).orderBy(asc(agencies.province));

export async function getAgency(db: Db, id: string): Promise<Agency | undefined> {
  const [row] = await db.select().from(agencies).where(eq(agencies.id, id));
  return row;
}

export interface CallListFilter {
  purpose?: string;
  dueOn?: string;
  departureId?: string;
  campaignId?: string;
  /** only entries not yet reached or confirmed */
  open?: boolean;
}

/** An agency's workers to phone, in due date and name order. */
export async function callList(db: Db, agencyId: string, f: CallListFilter) {
  const rows = await db
    .select({
      entryId: callListEntries.id,
      cycleId: callListEntries.cycleId,
      firstName: candidates.firstName,
      lastName: candidates.lastName,
      phone: candidates.phone,
      language: candidates.language,
      purpose: callListEntries.purpose,
      reason: callListEntries.reason,
      message: callListEntries.message,
      dueOn: callListEntries.dueOn,
      departureId: callListEntries.departureId,
      attempts: callListEntries.attempts,
      outcome: callListEntries.outcome,
      escalatedAt: callListEntries.escalatedAt,
    })
    .from(callListEntries)
    .innerJoin(sql`worker_cycles w`, sql`w.id = ${callListEntries.cycleId}`)
    .innerJoin(candidates, sql`${candidates.id} = w.candidate_id`)
    .where(
      and(
        eq(callListEntries.agencyId, agencyId),
        f.purpose ? eq(callListEntries.purpose, f.purpose) : undefined,
        f.dueOn ? eq(callListEntries.dueOn, f.dueOn) : undefined,
        f.departureId ? eq(callListEntries.departureId, f.departureId) : undefined,
        f.campaignId ? eq(callListEntries.campaignId, f.campaignId) : undefined,
        f.open ? sql`coalesce(${callListEntries.outcome}, '') not in ('reached', 'confirmed')` : undefined,
      ),
    )
    .orderBy(asc(callListEntries.dueOn), asc(candidates.lastName), asc(candidates.firstName));
  return rows.map((r) => ({ ...r, name: `${r.firstName} ${r.lastName}`, escalatedAt: r.escalatedAt?.toISOString() ?? null }));
}

export interface RecordedCall {
  entryId: number;
  cycleId: string;
  attempts: number;
  outcome: CallOutcome;
  /** true when this call made the worker escalated (unreachable or wrong number after the configured calls) */
  escalated: boolean;
  worker: { name: string; province: string };
}

/** Records one call; the call that reaches the configured number of failed calls escalates the entry (once). */
export async function recordCall(db: Db, entryId: number, call: { outcome: CallOutcome; calledBy: string; note?: string }, escalateAfter: number): Promise<RecordedCall | undefined> {
  return db.transaction(async (tx) => {
    const [entry] = await tx
      .update(callListEntries)
      .set({ attempts: sql`${callListEntries.attempts} + 1`, outcome: call.outcome, lastCalledAt: new Date() })
      .where(eq(callListEntries.id, entryId))
      .returning();
    if (!entry) return undefined;
    await tx.insert(callAttempts).values({ entryId, outcome: call.outcome, calledBy: call.calledBy, note: call.note ?? null });
    const [{ failed } = { failed: 0 }] = await tx
      .select({ failed: sql<number>`count(*)::int` })
      .from(callAttempts)
      .where(and(eq(callAttempts.entryId, entryId), inArray(callAttempts.outcome, ['unreachable', 'wrong_number'])));
    let escalated = false;
    if (failed >= escalateAfter && (call.outcome === 'unreachable' || call.outcome === 'wrong_number')) {
      const marked = await tx
        .update(callListEntries)
        .set({ escalatedAt: new Date() })
        .where(and(eq(callListEntries.id, entryId), isNull(callListEntries.escalatedAt)))
        .returning({ id: callListEntries.id });
      escalated = marked.length > 0;
    }
    const [person] = await tx.execute<{ name: string; province: string }>(
      sql`select c.first_name || ' ' || c.last_name as name, c.province from worker_cycles w join candidates c on c.id = w.candidate_id where w.id = ${entry.cycleId}`,
    );
    return { entryId, cycleId: entry.cycleId, attempts: entry.attempts, outcome: call.outcome, escalated, worker: person ?? { name: '?', province: entry.province } };
  });
}

/** The province of a call list entry (whose agency may record calls on it), or undefined when unknown. */
export async function callEntryProvince(db: Db, entryId: number): Promise<string | undefined> {
  const [row] = await db.select({ province: callListEntries.province }).from(callListEntries).where(eq(callListEntries.id, entryId));
  return row?.province;
}

/** Entry ids of this agency among the given ids (a call-outcome file may only touch the agency's own list). */
export async function agencyEntryIds(db: Db, agencyId: string, ids: number[]): Promise<Set<number>> {
  if (!ids.length) return new Set();
  const rows = await db.select({ id: callListEntries.id }).from(callListEntries).where(and(eq(callListEntries.agencyId, agencyId), inArray(callListEntries.id, ids)));
  return new Set(rows.map((r) => r.id));
}

/** Convocations of a sailing as the agencies' calls left them. */
export async function departureConfirmations(db: Db, departureId: string) {
  const [row] = await db.execute<{ convoked: number; confirmed: number; reached: number; unreachable: number; wrong_number: number; escalated: number }>(sql`
    select count(*)::int as convoked,
           count(*) filter (where e.outcome = 'confirmed')::int as confirmed,
           count(*) filter (where e.outcome = 'reached')::int as reached,
           count(*) filter (where e.outcome = 'unreachable')::int as unreachable,
           count(*) filter (where e.outcome = 'wrong_number')::int as wrong_number,
           count(*) filter (where e.escalated_at is not null)::int as escalated
    from ${departurePassengers} p
    left join ${callListEntries} e on e.cycle_id = p.cycle_id and e.purpose = 'convocation'
    where p.departure_id = ${departureId}`);
  const r = row ?? { convoked: 0, confirmed: 0, reached: 0, unreachable: 0, wrong_number: 0, escalated: 0 };
  return { departureId, convoked: r.convoked, confirmed: r.confirmed, reached: r.reached, unreachable: r.unreachable, wrongNumber: r.wrong_number, escalated: r.escalated, notCalled: r.convoked - r.confirmed - r.reached - r.unreachable - r.wrong_number };
}
