// Bulk operations as PostgreSQL records them: the progress a coordinator polls while a file is applied.
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { bulkItems, bulkOperations, intakeFiles } from '../../db/schema';

/** The operation's counts, and only the refused rows (the first 1,000 by line). */
export async function bulkProgress(db: Db, operationId: string) {
  // Polled every few hundred ms while a file is applied: the operation's counts are kept by the database as its rows
  // are applied or refused (migration 0017), so a poll reads one row, and the refused ones from their own index.
  const [op] = await db.select().from(bulkOperations).where(eq(bulkOperations.id, operationId));
  if (!op) return undefined;
  const refusals = op.refused === 0
    ? []
    : await db
        .select({ line: bulkItems.line, cycleId: bulkItems.cycleId, error: bulkItems.error })
        .from(bulkItems)
        .where(and(eq(bulkItems.operationId, op.id), eq(bulkItems.status, 'refused')))
        .orderBy(asc(bulkItems.line))
        .limit(1000);
  return {
    id: op.id,
    campaignId: op.campaignId,
    kind: op.kind,
    source: op.source,
    status: op.status,
    total: op.total,
    applied: op.applied,
    refused: op.refused,
    pending: op.total - op.applied - op.refused,
    refusals: refusals.map((i) => ({ line: i.line, cycleId: i.cycleId, reason: i.error ?? '' })),
  };
}

/** A loaded file's refused rows, all of them. */
export async function loadedFileErrors(db: Db, fileId: number) {
  const [f] = await db.select({ id: intakeFiles.id, kind: intakeFiles.kind, errors: intakeFiles.errors }).from(intakeFiles).where(eq(intakeFiles.id, fileId));
  return f;
}
