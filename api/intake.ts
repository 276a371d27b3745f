// Bulk intake of coordinator files (CSV or JSON): every row is validated; bad rows are reported by line and
// field, good rows are kept; the file's content hash makes loading the same file twice change nothing.
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../db/client';
import { candidates, intakeFiles, workerCycles } from '../db/schema';
export { startBulkOperation, type BulkStart } from '../activities/bulk-start';
import { unprocessable } from './errors';

export interface RowError {
  line: number;
  field: string;
  reason: string;
}

export interface RawRow {
  line: number;
  values: Record<string, unknown>;
}

/** Lets routes take `text/csv` bodies as strings (JSON bodies keep Fastify's own parser). */
export function registerCsvParser(app: FastifyInstance): void {
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string', bodyLimit: 50 * 1024 * 1024 }, (_req, body, done) => done(null, body));
}

/** Body schema for intake routes: a CSV text, or a JSON array of row objects (or { rows: [...] }). */
export const intakeBody = z.union([
  z.string().min(1).describe('CSV with a header line'),
  z.array(z.record(z.string(), z.unknown())),
  z.object({ rows: z.array(z.record(z.string(), z.unknown())) }),
]);

export function readRows(req: FastifyRequest, body: z.infer<typeof intakeBody>): { format: 'csv' | 'json'; rows: RawRow[]; raw: string } {
  if (typeof body === 'string') {
    let records: { record: Record<string, string>; info: { lines: number } }[];
    try {
      records = parse(body, { columns: (h: string[]) => h.map((c) => c.trim()), skip_empty_lines: true, trim: true, info: true, bom: true, relax_column_count: false });
    } catch (err) {
      throw unprocessable(`the CSV cannot be read: ${(err as Error).message}`, [{ field: 'body', reason: (err as Error).message }]);
    }
    // Empty cells are absent values, so optional columns may be left blank.
    const rows = records.map((r) => ({
      line: r.info.lines,
      values: Object.fromEntries(Object.entries(r.record).filter(([, v]) => v !== '')),
    }));
    return { format: 'csv', rows, raw: body };
  }
  const list = Array.isArray(body) ? body : body.rows;
  void req;
  return { format: 'json', rows: list.map((values, i) => ({ line: i + 1, values })), raw: JSON.stringify(list) };
}

/** Validates each row; CSV cells are strings, so row schemas coerce numbers and booleans. */
export function validateRows<S extends z.ZodType>(rows: RawRow[], schema: S): { ok: { line: number; row: z.infer<S> }[]; errors: RowError[] } {
  const ok: { line: number; row: z.infer<S> }[] = [];
  const errors: RowError[] = [];
  for (const r of rows) {
    const parsed = schema.safeParse(r.values);
    if (parsed.success) ok.push({ line: r.line, row: parsed.data });
    else for (const issue of parsed.error.issues) errors.push({ line: r.line, field: issue.path.join('.') || 'row', reason: issue.message });
  }
  return { ok, errors };
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const csvBoolean = z.union([z.boolean(), z.enum(['true', 'false', 'yes', 'no', 'oui', 'non', '1', '0']).transform((v) => ['true', 'yes', 'oui', '1'].includes(v))]);

/** nationalId -> cycle ID for every cycle of the campaign (one query, for files of thousands of rows). */
export async function cyclesByNationalId(db: Db, campaignId: string): Promise<Map<string, string>> {
  const rows = await db
    .select({ nationalId: candidates.nationalId, cycleId: workerCycles.id })
    .from(workerCycles)
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .where(eq(workerCycles.campaignId, campaignId));
  return new Map(rows.map((r) => [r.nationalId, r.cycleId]));
}

export interface IntakeResult {
  fileId: number;
  duplicate: boolean;
  format: 'csv' | 'json';
  rowsTotal: number;
  rowsAccepted: number;
  rowsRejected: number;
  errors: RowError[];
  operationId: string | null;
}

/** Returns the stored result when this exact file was already loaded for this campaign and kind. */
export async function findLoadedFile(db: Db, campaignId: string, kind: string, hash: string): Promise<IntakeResult | undefined> {
  const [f] = await db.select().from(intakeFiles).where(and(eq(intakeFiles.campaignId, campaignId), eq(intakeFiles.kind, kind), eq(intakeFiles.sha256, hash)));
  if (!f) return undefined;
  return { fileId: f.id, duplicate: true, format: f.format, rowsTotal: f.rowsTotal, rowsAccepted: f.rowsAccepted, rowsRejected: f.rowsRejected, errors: f.errors, operationId: f.operationId };
}

export async function recordLoadedFile(
  db: Db,
  f: { campaignId: string; kind: string; hash: string; format: 'csv' | 'json'; rowsTotal: number; accepted: number; errors: RowError[]; operationId: string | null; loadedBy: string },
): Promise<IntakeResult> {
  const [row] = await db
    .insert(intakeFiles)
    .values({ campaignId: f.campaignId, kind: f.kind, sha256: f.hash, format: f.format, rowsTotal: f.rowsTotal, rowsAccepted: f.accepted, rowsRejected: f.rowsTotal - f.accepted, errors: f.errors, operationId: f.operationId, loadedBy: f.loadedBy })
    .onConflictDoNothing()
    .returning();
  if (!row) return (await findLoadedFile(db, f.campaignId, f.kind, f.hash))!;
  return { fileId: row.id, duplicate: false, format: f.format, rowsTotal: f.rowsTotal, rowsAccepted: f.accepted, rowsRejected: f.rowsTotal - f.accepted, errors: f.errors, operationId: f.operationId };
}

export const intakeResultView = z.object({
  fileId: z.number(),
  duplicate: z.boolean().describe('true when this exact file was loaded before: nothing changed'),
  format: z.enum(['csv', 'json']),
  rowsTotal: z.number(),
  rowsAccepted: z.number(),
  rowsRejected: z.number(),
  errors: z.array(z.object({ line: z.number(), field: z.string(), reason: z.string() })),
  operationId: z.string().nullable().describe('the bulk operation applying the accepted rows (GET /bulk-operations/:id)'),
});
