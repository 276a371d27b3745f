// The access log: who read a person's full record, when, through which route (SQL only).
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { accessLog } from '../../db/schema';

export type AccessLogEntry = typeof accessLog.$inferInsert;

export async function logAccess(db: Db, entry: AccessLogEntry): Promise<void> {
  await db.insert(accessLog).values(entry);
}

/** A person's access log, newest first. */
export async function accessLogPage(db: Db, candidateId: number, page: { limit: number; offset: number }) {
  const where = eq(accessLog.candidateId, candidateId);
  const total = await db.$count(accessLog, where);
  const items = await db.select().from(accessLog).where(where).orderBy(desc(accessLog.at), desc(accessLog.id)).limit(page.limit).offset(page.offset);
  return { total, items };
}
