// Call lists: the ANAPEC agency of a worker's province phones her about each selection and convocation, and about
// any message that could not reach her (no phone, SMS not delivered). One entry per worker and message.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { agencies, callListEntries } from '../db/schema';

export type CallReason = 'announcement' | 'no_phone' | 'sms_failed';

/** Messages the agency phones every worker about, whether or not an SMS reached her. */
export const ALWAYS_CALLED: readonly string[] = ['selection', 'convocation'];

export async function agencyForProvince(db: Db, province: string): Promise<typeof agencies.$inferSelect | undefined> {
  const [agency] = await db.select().from(agencies).where(eq(agencies.province, province));
  return agency;
}

export interface CallListInput {
  cycleId: string;
  campaignId: string;
  province: string;
  purpose: string;
  reason: CallReason;
  message: string;
  dueOn: string;
  departureId?: string | null;
  /** her province's agency, when the caller has already read it (a step's notification): one query less */
  agencyId?: string | null;
}

/**
 * Puts the worker on her agency's list for this message (once: keyed on cycle and purpose). A later, more urgent
 * reason (no phone, SMS failed) replaces 'announcement' and reopens an entry already called.
 */
export async function addToCallList(db: Db, e: CallListInput): Promise<number> {
  const agencyId = e.agencyId !== undefined ? e.agencyId : ((await agencyForProvince(db, e.province))?.id ?? null);
  const [row] = await db
    .insert(callListEntries)
    .values({
      idempotencyKey: `${e.cycleId}:${e.purpose}`,
      agencyId,
      province: e.province,
      campaignId: e.campaignId,
      cycleId: e.cycleId,
      purpose: e.purpose,
      reason: e.reason,
      message: e.message,
      dueOn: e.dueOn,
      departureId: e.departureId ?? null,
    })
    .onConflictDoUpdate({
      target: callListEntries.idempotencyKey,
      set: { reason: sql`excluded.reason`, outcome: null },
      setWhere: sql`excluded.reason <> 'announcement' and ${callListEntries.reason} = 'announcement'`,
    })
    .returning({ id: callListEntries.id });
  if (row) return row.id;
  const [existing] = await db.select({ id: callListEntries.id }).from(callListEntries).where(eq(callListEntries.idempotencyKey, `${e.cycleId}:${e.purpose}`));
  return existing!.id;
}
