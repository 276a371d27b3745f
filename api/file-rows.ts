// The coordinator files of the departure and visa-batch contexts (embarkations, returns, consular decisions):
// read once per content hash, rows matched to worker cycles by national ID, accepted rows applied by one bulk
// operation that tells the context's workflow when it is done.
import type { FastifyRequest } from 'fastify';
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { Db } from '../db/client';
import type { BulkItemPayload } from '../activities/coordination';
import type { BulkKind } from '../workflows/contracts/bulk';
import { findLoadedFile, readRows, recordLoadedFile, sha256, startBulkOperation, type intakeBody, type IntakeResult, type RowError } from './intake';

export interface FileItem {
  line: number;
  cycleId: string;
  payload: BulkItemPayload;
}

/** Reads a file and finds whether this exact content was already loaded for this campaign and kind. */
export async function readFileOnce(db: Db, req: FastifyRequest, body: z.infer<typeof intakeBody>, campaignId: string, kind: string) {
  const { format, rows, raw } = readRows(req, body);
  const hash = sha256(raw);
  return { format, rows, hash, loaded: await findLoadedFile(db, campaignId, kind, hash) };
}

/**
 * Matches validated rows to cycles by national ID. Unknown workers, a worker twice in the file, and rows `refuse`
 * turns down are reported by line and field; the others become bulk items.
 */
export function itemsByNationalId<R extends { nationalId: string }, M extends { cycleId: string }>(
  ok: { line: number; row: R }[],
  errors: RowError[],
  cycles: Map<string, M>,
  how: { unknown: (nationalId: string) => string; refuse?: (m: M, row: R) => { field: string; reason: string } | undefined; payload: (row: R) => BulkItemPayload },
): FileItem[] {
  const items: FileItem[] = [];
  const seen = new Set<string>();
  for (const { line, row } of ok) {
    const m = cycles.get(row.nationalId);
    const issue = !m
      ? { field: 'nationalId', reason: how.unknown(row.nationalId) }
      : seen.has(m.cycleId)
        ? { field: 'nationalId', reason: `${row.nationalId} appears more than once in this file` }
        : how.refuse?.(m, row);
    if (issue || !m) {
      if (issue) errors.push({ line, ...issue });
      continue;
    }
    seen.add(m.cycleId);
    items.push({ line, cycleId: m.cycleId, payload: how.payload(row) });
  }
  return items;
}

export type ReadFile = Awaited<ReturnType<typeof readFileOnce>>;

/**
 * Starts the bulk operation of the accepted rows (if any) and records the file with its errors, by line. The
 * operation's source key is `keyPrefix` and the file's hash; its source reads "<what> file <hash> [for <of>]".
 */
export async function loadBulkFile(
  db: Db,
  temporal: Client,
  file: ReadFile,
  f: { campaignId: string; kind: string; bulkKind: BulkKind; keyPrefix?: string; what: string; of?: string; errors: RowError[]; items: FileItem[]; loadedBy: string; notify?: string },
): Promise<IntakeResult> {
  f.errors.sort((a, b) => a.line - b.line);
  const ref = file.hash.slice(0, 16);
  const operationId = f.items.length
    ? await startBulkOperation(db, temporal, {
        campaignId: f.campaignId,
        kind: f.bulkKind,
        sourceKey: f.keyPrefix ? `${f.keyPrefix}-${ref}` : ref,
        source: `${f.what} file ${ref}${f.of ? ` for ${f.of}` : ''}`,
        createdBy: f.loadedBy,
        items: f.items,
        ...(f.notify ? { notify: f.notify } : {}),
      })
    : null;
  return recordLoadedFile(db, { campaignId: f.campaignId, kind: f.kind, hash: file.hash, format: file.format, rowsTotal: file.rows.length, accepted: f.items.length, errors: f.errors, operationId, loadedBy: f.loadedBy });
}
