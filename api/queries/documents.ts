// Document reads (SQL only).
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { documents } from '../../db/schema';
import { notFound } from '../errors';

/** A cycle's documents, without their content. */
export function cycleDocuments(db: Db, cycleId: string) {
  return db
    .select({ id: documents.id, kind: documents.kind, version: documents.version, filename: documents.filename, sizeBytes: documents.sizeBytes, sha256: documents.sha256, createdAt: documents.createdAt })
    .from(documents)
    .where(eq(documents.cycleId, cycleId))
    .orderBy(asc(documents.id));
}

export async function documentOr404(db: Db, documentId: number) {
  const [doc] = await db.select().from(documents).where(eq(documents.id, documentId));
  if (!doc) throw notFound(`document ${documentId}`);
  return doc;
}
