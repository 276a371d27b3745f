// The one pipeline for coordinators' files (candidates, selection, authorisations, pre-departure, visa decisions,
// embarkations, returns): read → validate rows → recognise a reloaded file → commit the rows, the file record and
// the bulk operation in one transaction → start the operation's workflow. It takes what spreadsheets produce:
// `,` or `;` separated CSV (the French and Spanish Excel default is `;`), UTF-8 or Windows-1252, dd/mm/yyyy
// dates, XLSX workbooks (first sheet), and JSON rows. Bad rows come back by line, field and reason.
import type { Reach } from './auth/jurisdiction';
import { cyclesInReach } from './queries/cycles';
import { createHash } from 'node:crypto';
import { parse, type Options as CsvOptions } from 'csv-parse';
import { setImmediate as nextTurn } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import { and, eq } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db, Tx } from '../db/client';
import { candidates, intakeFiles, workerCycles } from '../db/schema';
import type { BulkKind } from '../workflows/contracts/bulk';
import { startBulkWorkflow, writeBulkOperation } from '../activities/bulk-start';
import type { BulkItemPayload } from '../activities/coordination';
import { unprocessable } from './errors';
import { unsafeTextReason } from './text-safety';

export interface RowError {
  line: number;
  field: string;
  reason: string;
}

export interface RawRow {
  line: number;
  values: Record<string, unknown>;
}

export type FileFormat = 'csv' | 'json' | 'xlsx';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Text of a CSV upload: UTF-8 when it is valid UTF-8, else Windows-1252 (what Excel writes in France and Spain). */
export function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

function csvCell(v: unknown): string {
  const s = v instanceof Date ? v.toISOString().slice(0, 10) : v === null || v === undefined ? '' : typeof v === 'object' && 'text' in v ? String((v as { text: unknown }).text) : typeof v === 'object' && 'result' in v ? String((v as { result: unknown }).result) : String(v as string | number | boolean);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The first sheet of a workbook as CSV text, so a workbook's rows keep their spreadsheet line numbers. */
export async function xlsxToCsv(bytes: Buffer): Promise<string> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheet = wb.worksheets[0];
  if (!sheet) return '';
  const lines: string[] = [];
  const width = sheet.getRow(1).cellCount;
  for (let r = 1; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    const cells: string[] = [];
    for (let c = 1; c <= width; c++) cells.push(csvCell(row.getCell(c).value));
    lines.push(cells.join(','));
  }
  return lines.join('\n');
}

/** Lets routes take CSV (any encoding) and XLSX bodies; JSON bodies keep Fastify's own parser. */
export function registerFileParsers(app: FastifyInstance): void {
  // no limit of their own: each route's applies (20 MB on file routes, 1 MB elsewhere, whatever the content type)
  app.addContentTypeParser(['text/csv', 'application/csv', 'text/plain'], { parseAs: 'buffer' }, (_req, body, done) => done(null, decodeText(body as Buffer)));
  app.addContentTypeParser([XLSX_TYPE], { parseAs: 'buffer' }, (_req, body, done) => {
    xlsxToCsv(body as Buffer).then(
      (csv) => done(null, csv),
      (err: Error) => done(Object.assign(new Error(`the workbook cannot be read: ${err.message}`), { statusCode: 400 })),
    );
  });
}

/** Body schema for file routes: a CSV text (or XLSX, read as CSV), a JSON array of row objects, or { rows: [...] }. */
export const fileBody = z.union([
  z.string().min(1).describe('CSV with a header line (`,` or `;`, UTF-8 or Windows-1252), or an XLSX workbook'),
  z.array(z.record(z.string(), z.unknown())),
  z.object({ rows: z.array(z.record(z.string(), z.unknown())) }),
]);
export type FileBody = z.infer<typeof fileBody>;
/** The media types a file route takes, as the OpenAPI document declares them (`consumes`). */
export const FILE_MEDIA_TYPES = ['text/csv', XLSX_TYPE, 'application/json'];

/** `;` when the header line has more of them than commas (outside quotes), else `,`. */
function delimiterOf(text: string): string {
  const header = (text.split(/\r?\n/, 1)[0] ?? '').replace(/"[^"]*"/g, '');
  const count = (ch: string) => header.split(ch).length - 1;
  if (count(';') > count(',')) return ';';
  if (count('\t') > count(',')) return '\t';
  return ',';
}

// A 5,000-row file takes 0.1-0.4 s of CPU to read and as much to validate on a busy server: done in one go, every
// other request waits behind it (the API's event-loop lag reached 1.7 s in a 20,000-worker season). Both are done a
// slice at a time, giving the event loop back between slices.
const CSV_SLICE_CHARS = 32 * 1024;
const ROWS_PER_SLICE = 250;

/** csv-parse's records, fed a slice of the text at a time (cut after a line break: never inside a character). */
async function parseCsv<R>(text: string, options: CsvOptions): Promise<R[]> {
  const parser = parse(options);
  const records: R[] = [];
  let failure: Error | undefined;
  parser.on('data', (r: R) => records.push(r));
  parser.on('error', (err: Error) => (failure ??= err));
  const ended = new Promise<void>((resolve) => parser.on('end', resolve).on('close', resolve));
  for (let at = 0; at < text.length && !failure; ) {
    const cut = text.indexOf('\n', at + CSV_SLICE_CHARS);
    const next = cut === -1 ? text.length : cut + 1;
    parser.write(text.slice(at, next));
    at = next;
    await nextTurn();
  }
  if (!failure) {
    parser.end();
    // 'end' once the last records are out; 'close' when the end found an error (an unclosed quote)
    await ended;
  }
  if (failure) throw failure;
  return records;
}

export async function readRows(req: FastifyRequest, body: FileBody): Promise<{ format: FileFormat; rows: RawRow[]; raw: string }> {
  if (typeof body === 'string') {
    let records: { record: Record<string, string>; info: { lines: number } }[];
    const columns = (h: string[]) => {
      const names = h.map((c) => c.trim());
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup !== undefined) throw new Error(`the column "${dup}" appears twice in the header`);
      return names;
    };
    try {
      records = await parseCsv(body, { columns, delimiter: delimiterOf(body), skip_empty_lines: true, trim: true, info: true, bom: true, relax_column_count: false });
    } catch (err) {
      throw unprocessable(`the file cannot be read: ${(err as Error).message}`, [{ field: 'body', reason: (err as Error).message }]);
    }
    // Empty cells are absent values, so optional columns may be left blank.
    const rows = records.map((r) => ({
      line: r.info.lines,
      values: Object.fromEntries(Object.entries(r.record).filter(([, v]) => v !== '')),
    }));
    const format: FileFormat = String(req.headers['content-type'] ?? '').startsWith(XLSX_TYPE) ? 'xlsx' : 'csv';
    return { format, rows, raw: body };
  }
  const list = Array.isArray(body) ? body : body.rows;
  return { format: 'json', rows: list.map((values, i) => ({ line: i + 1, values })), raw: JSON.stringify(list) };
}

/** Validates each row; CSV cells are strings, so row schemas coerce numbers, booleans and dates. */
export async function validateRows<S extends z.ZodType>(rows: RawRow[], schema: S): Promise<{ ok: { line: number; row: z.infer<S> }[]; errors: RowError[] }> {
  const ok: { line: number; row: z.infer<S> }[] = [];
  const errors: RowError[] = [];
  for (const [i, r] of rows.entries()) {
    if (i > 0 && i % ROWS_PER_SLICE === 0) await nextTurn();
    const unsafe = Object.entries(r.values).flatMap(([field, v]) => {
      const reason = typeof v === 'string' ? unsafeTextReason(v) : undefined;
      return reason ? [{ line: r.line, field, reason }] : [];
    });
    if (unsafe.length) {
      errors.push(...unsafe);
      continue;
    }
    const parsed = schema.safeParse(r.values);
    if (parsed.success) ok.push({ line: r.line, row: parsed.data });
    else for (const issue of parsed.error.issues) errors.push({ line: r.line, field: issue.path.join('.') || 'row', reason: issue.message });
  }
  return { ok, errors };
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

// --- cells as spreadsheets write them ----------------------------------------------------------------------
export const csvBoolean = z.union([
  z.boolean(),
  z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(['true', 'false', 'yes', 'no', 'oui', 'non', 'si', 'sí', '1', '0', 'vrai', 'faux', 'verdadero', 'falso']))
    .transform((v) => ['true', 'yes', 'oui', 'si', 'sí', '1', 'vrai', 'verdadero'].includes(v)),
]);

/** yyyy-mm-dd, or dd/mm/yyyy (also dd-mm-yyyy, dd.mm.yyyy) as French and Spanish spreadsheets write dates. */
export const fileDate = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(v.trim());
  return m ? `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}` : v.trim();
}, z.iso.date()).describe('yyyy-mm-dd or dd/mm/yyyy');

export const nationalIdCell = z.string().transform((s) => s.trim().toUpperCase());

/** nationalId -> cycle ID for every cycle of the campaign (one query, for files of thousands of rows). */
export async function cyclesByNationalId(db: Db | Tx, campaignId: string, reach: Reach = {}): Promise<Map<string, string>> {
  // a cycle outside the loader's reach is as unknown as an absent one
  const rows = await db
    .select({ nationalId: candidates.nationalId, cycleId: workerCycles.id })
    .from(workerCycles)
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .where(and(eq(workerCycles.campaignId, campaignId), cyclesInReach(reach)));
  return new Map(rows.map((r) => [r.nationalId, r.cycleId]));
}

// --- the loaded-files register and the pipeline ---------------------------------------------------------------
/** A file's answer carries this many of its errors; the whole list is a CSV download (a 50,000-row file of bad
 * rows answered 5 MB of JSON). */
export const ERRORS_IN_ANSWER = 1000;

/**
 * Cells a spreadsheet would run as a formula (=, @, or + and - before anything but a digit: a phone number or a
 * negative count is data). They are kept as the text they are, flagged in the file's answer so the loader can check
 * them, and neutralised in every CSV the system writes (api/csv.ts).
 */
export function formulaCells(rows: RawRow[]): RowError[] {
  const flagged: RowError[] = [];
  for (const { line, values } of rows) {
    for (const [field, value] of Object.entries(values)) {
      if (typeof value === 'string' && /^\s*(?:[=@]|[+-](?![\d\s]))/.test(value)) flagged.push({ line, field, reason: 'starts like a spreadsheet formula: kept as text, neutralised in every CSV written' });
    }
  }
  return flagged;
}

export interface IntakeResult {
  fileId: number;
  duplicate: boolean;
  format: FileFormat;
  rowsTotal: number;
  rowsAccepted: number;
  rowsRejected: number;
  errors: RowError[];
  errorsTotal: number;
  errorsUrl: string | null;
  operationId: string | null;
  /** cells that start like a spreadsheet formula (the first ERRORS_IN_ANSWER) */
  formulaCells?: RowError[];
}

export const intakeResultView = z.object({
  fileId: z.number(),
  duplicate: z.boolean().describe('true when this exact file was loaded before: nothing changed'),
  format: z.enum(['csv', 'json', 'xlsx']),
  rowsTotal: z.number(),
  rowsAccepted: z.number(),
  rowsRejected: z.number(),
  errors: z.array(z.object({ line: z.number(), field: z.string(), reason: z.string() })).describe(`the first ${ERRORS_IN_ANSWER} refused rows, by line`),
  errorsTotal: z.number().describe('every refused cell and row'),
  errorsUrl: z.string().nullable().describe('all of them as CSV, when there are any'),
  operationId: z.string().nullable().describe('the bulk operation applying the accepted rows (GET /bulk-operations/:id)'),
  formulaCells: z.array(z.object({ line: z.number(), field: z.string(), reason: z.string() })).optional().describe('cells that start like a spreadsheet formula (=, @, +, -): kept as text, flagged for checking'),
}).meta({ id: 'FileLoadResult' });

type FileRecord = typeof intakeFiles.$inferSelect;
const resultOf = (f: FileRecord, duplicate: boolean): IntakeResult => ({
  fileId: f.id,
  duplicate,
  format: f.format as FileFormat,
  rowsTotal: f.rowsTotal,
  rowsAccepted: f.rowsAccepted,
  rowsRejected: f.rowsRejected,
  errors: f.errors.slice(0, ERRORS_IN_ANSWER),
  errorsTotal: f.errors.length,
  errorsUrl: f.errors.length ? `/intake-files/${f.id}/errors.csv` : null,
  operationId: f.operationId,
});


export interface FileItem {
  line: number;
  cycleId: string;
  payload: BulkItemPayload;
}

/** Reads a file and finds whether this exact content was already loaded for this campaign and kind. */
async function readFileOnce(db: Db, req: FastifyRequest, body: FileBody, campaignId: string, kind: string) {
  const { format, rows, raw } = await readRows(req, body);
  const hash = sha256(raw);
  return { format, rows, hash, loaded: await findLoadedFile(db, campaignId, kind, hash) };
}
type ReadFile = Awaited<ReturnType<typeof readFileOnce>>;

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

export interface FileCommit {
  campaignId: string;
  /** the register's kind (candidates, selection, authorisation, visa_decisions:<batch>, …) */
  kind: string;
  bulkKind: BulkKind;
  /** prefixed to the file hash in the operation's business key (a batch's or sailing's own key) */
  keyPrefix?: string;
  /** describes the source in the bulk operation ("selection", "decisions … for visa batch …") */
  what: string;
  of?: string;
  loadedBy: string;
  /** the workflow the operation signals when every row is applied */
  notify?: string;
}

/**
 * The pipeline's last steps, the same for every file: the rows `plan` writes (if any), the bulk operation of the
 * accepted rows and the file record are committed in one transaction, then the operation's workflow is started
 * by its business ID. A crash after the commit is repaired by loading the same file again: it finds the record and
 * starts the workflow if it never was (`repairLoaded`).
 */
async function commitFile(
  deps: { db: Db; temporal: Client },
  file: ReadFile,
  f: FileCommit,
  plan: (tx: Tx, errors: RowError[]) => Promise<FileItem[]>,
  errors: RowError[],
): Promise<IntakeResult> {
  const { db, temporal } = deps;
  const ref = file.hash.slice(0, 16);
  const committed = await db.transaction(async (tx) => {
    const items = await plan(tx, errors);
    errors.sort((a, b) => a.line - b.line);
    const operationId = items.length
      ? await writeBulkOperation(tx, { campaignId: f.campaignId, kind: f.bulkKind, sourceKey: f.keyPrefix ? `${f.keyPrefix}-${ref}` : ref, source: `${f.what} file ${ref}${f.of ? ` for ${f.of}` : ''}`, createdBy: f.loadedBy, items })
      : null;
    const [row] = await tx
      .insert(intakeFiles)
      .values({ campaignId: f.campaignId, kind: f.kind, sha256: file.hash, format: file.format, rowsTotal: file.rows.length, rowsAccepted: items.length, rowsRejected: file.rows.length - items.length, errors, operationId, loadedBy: f.loadedBy })
      .onConflictDoNothing()
      .returning();
    return row ? resultOf(row, false) : undefined;
  });
  // a concurrent load of the same file committed first: answer with its record
  const result = committed ?? (await findLoadedFile(db, f.campaignId, f.kind, file.hash))!;
  await repairLoaded(temporal, result, f.notify);
  return result;
}

/** Starts the workflow of a loaded file's operation if it is not running or done yet (idempotent). */
async function repairLoaded(temporal: Client, loaded: IntakeResult, notify?: string): Promise<void> {
  if (loaded.operationId) await startBulkWorkflow(temporal, loaded.operationId, { notify });
}

export interface FileLoad<S extends z.ZodType> extends FileCommit {
  body: FileBody;
  schema: S;
  /** turns the valid rows into bulk rows, reporting refusals by line; `tx` is the file's transaction */
  plan: (rows: { line: number; row: z.infer<S> }[], errors: RowError[], tx: Tx) => Promise<FileItem[]>;
  /**
   * Tells the workflow following these files of the file's bulk operation. Told again when the same file is loaded
   * again: harmless (the workflow counts an operation once), and it repairs a signal lost after the first load.
   */
  tell?: (operationId: string) => Promise<void>;
}

/** The whole pipeline for a file: read, recognise, validate, plan, commit (then tell the workflow following it). */
export async function loadFile<S extends z.ZodType>(deps: { db: Db; temporal: Client }, req: FastifyRequest, f: FileLoad<S>): Promise<IntakeResult> {
  const file = await readFileOnce(deps.db, req, f.body, f.campaignId, f.kind);
  let result = file.loaded;
  if (result) await repairLoaded(deps.temporal, result, f.notify);
  else {
    const { ok, errors } = await validateRows(file.rows, f.schema);
    result = await commitFile(deps, file, f, (tx, errs) => f.plan(ok, errs, tx), errors);
  }
  if (result.operationId && f.tell) await f.tell(result.operationId);
  return { ...result, formulaCells: formulaCells(file.rows).slice(0, ERRORS_IN_ANSWER) };
}

/** What a file route declares (`route({ ...fileUpload, scope, ... })`): the file body and the load's result. */
export const fileUpload = { body: fileBody, consumes: FILE_MEDIA_TYPES, response: { 200: intakeResultView, 201: intakeResultView } };

/** The load's result: 201 for a new file, 200 for a file loaded before (nothing changed). */
export function sendFileResult(reply: FastifyReply, result: IntakeResult) {
  return reply.code(result.duplicate ? 200 : 201).send(result);
}

export async function findLoadedFile(db: Db, campaignId: string, kind: string, hash: string): Promise<IntakeResult | undefined> {
  const [f] = await db.select().from(intakeFiles).where(and(eq(intakeFiles.campaignId, campaignId), eq(intakeFiles.kind, kind), eq(intakeFiles.sha256, hash)));
  return f ? resultOf(f, true) : undefined;
}
