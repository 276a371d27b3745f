// Kept for the route files that still read files step by step; new code uses loadFile() in ./files.
export {
  csvBoolean,
  cyclesByNationalId,
  fileBody as intakeBody,
  findLoadedFile,
  intakeResultView,
  readRows,
  sha256,
  validateRows,
  type IntakeResult,
  type RawRow,
  type RowError,
} from './files';
export { startBulkOperation, type BulkStart } from '../activities/bulk-start';
import type { Db } from '../db/client';
import { intakeFiles } from '../db/schema';
import { findLoadedFile, type FileFormat, type IntakeResult, type RowError } from './files';

export async function recordLoadedFile(
  db: Db,
  f: { campaignId: string; kind: string; hash: string; format: FileFormat; rowsTotal: number; accepted: number; errors: RowError[]; operationId: string | null; loadedBy: string },
): Promise<IntakeResult> {
  const [row] = await db
    .insert(intakeFiles)
    .values({ campaignId: f.campaignId, kind: f.kind, sha256: f.hash, format: f.format, rowsTotal: f.rowsTotal, rowsAccepted: f.accepted, rowsRejected: f.rowsTotal - f.accepted, errors: f.errors, operationId: f.operationId, loadedBy: f.loadedBy })
    .onConflictDoNothing()
    .returning();
  if (!row) return (await findLoadedFile(db, f.campaignId, f.kind, f.hash))!;
  return { fileId: row.id, duplicate: false, format: f.format, rowsTotal: f.rowsTotal, rowsAccepted: f.accepted, rowsRejected: f.rowsTotal - f.accepted, errors: f.errors, operationId: f.operationId };
}
