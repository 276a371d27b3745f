// Bulk operations as PostgreSQL records them: the progress a coordinator polls while a file is applied.
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { bulkItems, bulkOperations, intakeFiles } from '../../db/schema';

/** Counts in SQL, and only the refused rows (the first 1,000 by line) come back. */
export async function bulkProgress(db: Db, operationId: string) {
  // Polled every few hundred ms while a file is applied: the operation and its counts in one statement.
  const counts = db
    .select({
      all: sql<number>`count(*)::int`.as('items_all'),
      applied: sql<number>`(count(*) filter (where ${bulkItems.status} = 'applied'))::int`.as('items_applied'),
      refused: sql<number>`(count(*) filter (where ${bulkItems.status} = 'refused'))::int`.as('items_refused'),
    })
    .from(bulkItems)
    .where(eq(bulkItems.operationId, bulkOperations.id))
    .as('counts');
  const [row] = await db
    .select({ op: bulkOperations, all: counts.all, applied: counts.applied, refused: counts.refused })
    .from(bulkOperations)
    .innerJoinLateral(counts, sql`true`)
    .where(eq(bulkOperations.id, operationId));
  if (!row) return undefined;
  const { op, ...c } = row;
  const refusals = c.refused === 0
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
    applied: c.applied,
    refused: c.refused,
    pending: c.all - c.applied - c.refused,
    refusals: refusals.map((i) => ({ line: i.line, cycleId: i.cycleId, reason: i.error ?? '' })),
  };
}

/** A loaded file's refused rows, all of them. */
export async function loadedFileErrors(db: Db, fileId: number) {
  const [f] = await db.select({ id: intakeFiles.id, kind: intakeFiles.kind, errors: intakeFiles.errors }).from(intakeFiles).where(eq(intakeFiles.id, fileId));
  return f;
}
