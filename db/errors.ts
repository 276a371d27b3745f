// What a database error means for the caller, and its description without personal data.
// Drizzle wraps every failed query in a DrizzleQueryError whose message is "Failed query: <sql>\nparams: <values>"
// (names, national IDs, phones, passports…); PostgreSQL's `detail` repeats the failing row. Logs, HTTP answers and
// Temporal failures (stored in clear in the history) get the SQL and the SQLSTATE, never the values.
import { DrizzleQueryError } from 'drizzle-orm';

/** The parts of postgres.js's PostgresError we read (and the system error codes of a refused connection). */
export interface PgErrorFields {
  code?: string;
  message: string;
  severity?: string;
  constraint_name?: string;
  table_name?: string;
  column_name?: string;
}

/** Network and postgres.js connection error codes: the server is down, restarting or unreachable. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/**
 * The error a database call failed with: the cause of Drizzle's wrapper, a PostgresError, or a connection error
 * (postgres.js throws those unwrapped from a transaction's BEGIN). Undefined for any other error.
 */
export function dbCause(err: unknown): (Error & PgErrorFields) | undefined {
  if (err instanceof DrizzleQueryError) {
    return (err.cause instanceof Error ? (dbCause(err.cause) ?? err.cause) : err) as Error & PgErrorFields;
  }
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (err.name === 'PostgresError' || (typeof code === 'string' && CONNECTION_CODES.has(code))) return err as Error & PgErrorFields;
  // Node reports a refused connection to a name with several addresses as an AggregateError of them
  const inner = (err as { errors?: unknown[] }).errors?.[0];
  if (inner instanceof Error && CONNECTION_CODES.has(String((inner as { code?: unknown }).code))) return inner as Error & PgErrorFields;
  return undefined;
}

/** The SQL of a failed query, without its parameters. */
export function failedSql(err: unknown): string | undefined {
  return err instanceof DrizzleQueryError ? err.query : undefined;
}

/** PostgreSQL is down, restarting, out of connections or unreachable: worth retrying later (503). */
export function isDbUnavailable(err: unknown): boolean {
  const e = dbCause(err);
  if (!e?.code) return false;
  return (
    CONNECTION_CODES.has(e.code) ||
    e.code.startsWith('08') || // connection exception
    e.code === '57P01' || // admin_shutdown
    e.code === '57P02' || // crash_shutdown
    e.code === '57P03' || // cannot_connect_now (starting up)
    e.code === '53300' || // too_many_connections
    e.code === '40001' || // serialization_failure
    e.code === '40P01' // deadlock_detected
  );
}

/**
 * The database refused the data itself: retrying the same statement can never succeed. Class 22 (data exception:
 * NUL byte, bad encoding, value out of range, too long, bad date, "unsupported Unicode escape sequence"), a NOT
 * NULL or CHECK violation, or a value too large for an index. Unique and foreign-key violations stay retryable:
 * they can come from a concurrent writer and succeed on the next attempt.
 */
export function isPermanentDbError(err: unknown): boolean {
  const e = dbCause(err);
  if (!e?.code || !/^[0-9A-Z]{5}$/.test(e.code)) return false;
  return e.code.startsWith('22') || e.code === '23502' || e.code === '23514' || e.code === '54000';
}

/** PostgreSQL's message with a quoted input value cut out (`invalid input syntax for type date: "…"`). */
export function safePgMessage(e: PgErrorFields): string {
  return e.message.replace(/: "[^"]*"$/, ': "…"').replace(/^value "[^"]*" is out of range/, 'value is out of range');
}

/** One line for people and histories: SQLSTATE, message and (withSql) the failed statement; no values. */
export function describeDbError(err: unknown, { withSql = true } = {}): string | undefined {
  const e = dbCause(err);
  if (!e) return undefined;
  const sql = withSql ? failedSql(err) : undefined;
  return `database error${e.code ? ` ${e.code}` : ''}: ${safePgMessage(e)}${sql ? ` (query: ${sql.slice(0, 500)})` : ''}`;
}

const SAFE_PG_FIELDS = ['code', 'severity', 'constraint_name', 'table_name', 'column_name', 'routine'] as const;

/**
 * A pino `err` serializer that keeps a failed query's SQL and SQLSTATE and drops its values: Drizzle's params, the
 * message and stack that repeat them, PostgreSQL's `detail` and `where`. Other errors pass through pino's own.
 */
export function safeErrSerializer(stdSerializer: (e: Error) => Record<string, unknown>) {
  const serialize = (err: unknown, depth = 0): unknown => {
    if (!(err instanceof Error)) return err;
    const pg = dbCause(err);
    if (!pg) {
      // pino's own serializer folds the causes into message and stack: serialize this error without its cause
      // and each cause on its own, so a database error deeper in the chain is described safely too.
      const copy = Object.assign(Object.create(Object.getPrototypeOf(err) as object) as Error, err, { message: err.message, stack: err.stack });
      const out = stdSerializer(copy);
      if (err.cause !== undefined && depth < 5) out.cause = serialize(err.cause, depth + 1);
      return out;
    }
    const message = describeDbError(err, { withSql: false }) ?? 'database error'; // the SQL goes in its own field
    const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
    const out: Record<string, unknown> = { type: err.constructor?.name ?? 'Error', message, stack: [`${err.name}: ${message}`, ...frames].join('\n') };
    const sql = failedSql(err);
    if (sql) out.sql = sql;
    for (const k of SAFE_PG_FIELDS) {
      const v = (pg as unknown as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = v;
    }
    return out;
  };
  return (err: unknown) => serialize(err);
}
