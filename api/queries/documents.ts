// Document reads (SQL only).
import { and, asc, eq } from 'drizzle-orm';
import type { Reach } from '../auth/jurisdiction';
import { cyclesInReach } from './cycles';
import type { Db } from '../../db/client';
import { documents, workerCycles } from '../../db/schema';
import { notFound } from '../errors';

/** A cycle's documents, without their content. */
export function cycleDocuments(db: Db, cycleId: string, reach: Reach) {
  return db
    .select({ id: documents.id, kind: documents.kind, version: documents.version, filename: documents.filename, sizeBytes: documents.sizeBytes, sha256: documents.sha256, createdAt: documents.createdAt })
    .from(documents)
    .innerJoin(workerCycles, eq(workerCycles.id, documents.cycleId))
    .where(and(eq(documents.cycleId, cycleId), cyclesInReach(reach)))
    .orderBy(asc(documents.id));
}

/** A document within the caller's reach (a document outside it answers 404, as if absent). */
export async function documentOr404(db: Db, documentId: number | undefined, reach: Reach) {
  if (documentId === undefined) throw notFound('document');
  const [row] = await db.select({ doc: documents }).from(documents).leftJoin(workerCycles, eq(workerCycles.id, documents.cycleId)).where(and(eq(documents.id, documentId), cyclesInReach(reach)));
  const doc = row?.doc;
  if (!doc) throw notFound(`document ${documentId}`);
  return doc;
}
