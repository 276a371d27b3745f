// Text PostgreSQL can store, or a 400: a NUL byte or a lone UTF-16 surrogate cannot be stored in a text
// column (PostgreSQL refuses U+0000; a lone surrogate has no UTF-8 form and is silently turned into U+FFFD,
// or refused inside jsonb as "unsupported Unicode escape sequence"). Refused at the edge, naming the field,
// they never reach a workflow or an activity that would retry them forever.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem, type FieldIssue } from './errors';

// A NUL or a lone surrogate: with the `u` flag a well-formed surrogate pair is one code point (U+10000 and up),
// so only an unpaired half matches the surrogate range.
const UNSAFE_TEXT = /\u0000|[\uD800-\uDFFF]/u;

/**
 * Why a string cannot be stored as text, or undefined when it can. Pure: the CSV pipeline calls it per cell.
 */
export function unsafeTextReason(value: string): string | undefined {
  const m = UNSAFE_TEXT.exec(value);
  if (!m) return undefined;
  const at = `at character ${m.index + 1}`;
  if (m[0] === '\u0000') return `contains a NUL character (U+0000) ${at}, which cannot be stored`;
  return `contains a lone UTF-16 surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()}) ${at}: not valid Unicode text`;
}

/** Most issues reported for one request: a hostile body of 100,000 NULs answers a short 400. */
const MAX_ISSUES = 20;
/** Deeper than any request schema: deeper input is refused rather than walked (and overflowing the stack). */
const MAX_DEPTH = 32;

/** Every unsafe string (and object key) in a parsed input, by its field path, e.g. `body.offers.0.name`. */
export function findUnsafeText(input: unknown, path: string, issues: FieldIssue[] = []): FieldIssue[] {
  walk(input, path, 0, issues);
  return issues;
}

function walk(value: unknown, path: string, depth: number, issues: FieldIssue[]): void {
  if (issues.length >= MAX_ISSUES) return;
  if (typeof value === 'string') {
    const reason = unsafeTextReason(value);
    if (reason) issues.push({ field: path, reason });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_DEPTH) {
    issues.push({ field: path, reason: `nested more than ${MAX_DEPTH} levels deep` });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${path}.${i}`, depth + 1, issues));
    return;
  }
  if (Buffer.isBuffer(value)) return;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const keyReason = unsafeTextReason(key);
    // the key itself is unsafe: name it in a printable form
    if (keyReason) issues.push({ field: `${path}.${JSON.stringify(key).slice(1, -1)}`, reason: `field name ${keyReason}` });
    else walk(v, `${path}.${key}`, depth + 1, issues);
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks each CSV cell itself (unsafeTextReason) and reports bad cells by line and column. */
    checksCsvCells?: boolean;
  }
}

/**
 * preValidation hook: refuses a request with unstorable text anywhere in its path parameters, query string or
 * body with a 400 naming each field. A CSV body is refused naming its line, unless the route reports bad
 * cells itself (config.checksCsvCells).
 */
export async function refuseUnsafeText(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const issues: FieldIssue[] = [];
  findUnsafeText(req.params, 'params', issues);
  findUnsafeText(req.query, 'querystring', issues);
  // A string body is a coordinator's file: the file pipeline (api/files.ts) reports each bad cell by line and column.
  if (typeof req.body === 'string') {
    if (req.routeOptions.config.checksCsvCells === false) csvIssues(req.body, issues);
  } else findUnsafeText(req.body, 'body', issues);
  if (!issues.length) return;
  await sendProblem(reply, 400, `text that cannot be stored: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`, issues);
  return reply;
}

/** A text body (CSV): the first unsafe cells by line, e.g. `body line 1001`. */
function csvIssues(body: string, issues: FieldIssue[]): void {
  if (!UNSAFE_TEXT.test(body)) return;
  const lines = body.split('\n');
  for (let i = 0; i < lines.length && issues.length < MAX_ISSUES; i++) {
    const reason = unsafeTextReason(lines[i]!);
    if (reason) issues.push({ field: `body line ${i + 1}`, reason });
  }
}
