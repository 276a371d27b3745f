// A bounded, seeded fuzzer driven by the OpenAPI document (app.swagger()): for every operation, fast-check
// generates path and query parameters, headers and bodies from the operation's own schemas, with hostile values
// mixed in at every level (NUL bytes, lone surrogates, integers beyond their columns, wrong types, oversized and
// deeply nested values, injection strings, malformed JSON and CSV, wrong content types), and sends them with the
// admin's token and, one request in five, another role's. The run is the same every time (fixed seed).
//   - No answer may be a 5xx: bad input is a 4xx naming the field (RFC 9457 problem JSON), whatever route a later
//     change adds.
//   - Phase 1 counts rows: after every refused request (4xx) the row counts of the tables the API writes are what
//     they were before it. Tables only workflows and activities write (audit_events, documents, email_outbox,
//     sms_receipts, call_list_entries, reserve_calls, work_authorisations) are not counted: they change on their own
//     while the workers run, and no request writes them. After an accepted request (2xx) the counts are taken again:
//     at once after a read (it may have logged itself in access_log), once its workflows are quiet after a write.
// Figures go to the test output and to .data/fuzz-results.json.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { agencies } from '../db/schema';
import type { LightMyRequestResponse } from 'fastify';
import type { DemoLogin } from '../scripts/lib/demo-identities';
import { authHeader } from './tokens';
import { openCampaignForSteps, sampleCampaign, sampleCandidate, startTestStack, uniqueSuffix, waitUntil, type TestStack } from './support';

const SEED = 20261202;
/** Requests with a row count after each refused one, then requests without (the acceptance run asks >= 5,000). */
const COUNTED = 2_000;
const UNCOUNTED = 3_000;

/** The tables a request writes (see the header: the workflow-written ones are left out). */
const COUNTED_TABLES = [
  'campaigns', 'employers', 'offers', 'candidates', 'worker_cycles', 'agencies', 'call_attempts', 'intake_files', 'bulk_operations', 'bulk_items',
  'visa_batches', 'visa_batch_members', 'departures', 'departure_passengers', 'offer_seats', 'reintegration_enrolments', 'reintegration_steps',
  'access_log', 'erasures', 'selection_sessions', 'session_invitations', 'in_season_cases',
];

let stack: TestStack;
const startedAt = new Date();
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  // the fuzzer may have started workflows (cycles, campaigns, batches): close them so no later file's worker runs them
  if (stack) {
    for await (const wf of stack.client.workflow.list({ query: `ExecutionStatus = "Running" AND StartTime >= "${startedAt.toISOString()}"` })) {
      await stack.client.workflow.getHandle(wf.workflowId, wf.runId).terminate('fuzz done').catch(() => undefined);
    }
  }
  await stack?.stop();
});

// --- the OpenAPI document, as far as the fuzzer reads it ------------------------------------------------------
type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
};
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema?: Schema;
}
interface Doc {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
}
interface Operation {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  params: Parameter[];
  body?: Schema;
  /** takes CSV and spreadsheet files */
  file: boolean;
}

function operationsOf(doc: Doc): Operation[] {
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase() as Operation['method'],
      path: p,
      params: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema,
      file: Boolean(op.requestBody?.content['text/csv']),
    })),
  );
}

// --- hostile values -------------------------------------------------------------------------------------------
const HOSTILE_STRINGS = [
  'a\u0000b', '\u0000', 'x\uD800', '\uDFFFy', '\uD83D', '', ' ', '\t', '\r\n', '\uFEFF', '\u202Eevil', "'; drop table candidates; --", "' OR '1'='1",
  '=HYPERLINK("http://evil.test")', '+cmd|', '@SUM(A1)', '-2+3', '../../etc/passwd', '%00', '%', '${7*7}', '{{7*7}}', '<script>alert(1)</script>',
  '\\', '"', '٠١٢٣٤', '2027-02-30', '0000-00-00T00:00:00Z', '9999-12-31', '1970-01-01T00:00:00+25:00', 'NaN', 'Infinity', '-0', '1e999',
  '2147483648', '-9223372036854775809', 'worker-x-2147483648', 'visa-x-1', 'departure-x-1', 'AB123456', '__proto__', 'constructor',
];
const hostileString = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 300, maxLength: 400 }).map((s) => s.repeat(200)) }, // ~70 KB
);
const hostileNumber = fc.oneof(
  fc.constantFrom(2147483648, -2147483649, Number.MAX_SAFE_INTEGER + 2, -1, 0, 1.5, 1e308, -1e308, 4294967296),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const deep = (n: number) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown;
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, deep(40), { nested: { deeper: 'x\u0000' } }, ['a\u0000'], { __proto__: { polluted: 1 } }) },
  { weight: 1, arbitrary: fc.object({ maxDepth: 2, maxKeys: 3 }) },
);

const ISO_DATES = fc.constantFrom('2027-02-01', '2026-12-01', '2027-07-31', '2027-01-15', '2030-01-01');
const DATE_TIMES = fc.constantFrom('2027-03-01T08:00:00Z', '2027-03-01T08:00:00+01:00', new Date(Date.now() + 3_600_000).toISOString(), new Date(Date.now() - 60_000).toISOString());

interface Known {
  /** real ids by parameter or field name, so requests reach the handlers and the workflows, not only the 404s */
  ids: Record<string, string[]>;
}

/** A value for a schema: valid for its type most of the time, hostile at every level otherwise. */
function valueOf(schema: Schema | undefined, name: string, doc: Doc, known: Known, depth = 0): fc.Arbitrary<unknown> {
  const valid = validOf(schema, name, doc, known, depth);
  return fc.oneof({ weight: 17, arbitrary: valid }, { weight: 3, arbitrary: hostileValue });
}

function deref(schema: Schema | undefined, doc: Doc): Schema | undefined {
  for (let i = 0; schema?.$ref && i < 10; i++) schema = doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
  return schema;
}

function validOf(raw: Schema | undefined, name: string, doc: Doc, known: Known, depth: number): fc.Arbitrary<unknown> {
  const schema = deref(raw, doc);
  if (!schema) return hostileValue;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((a) => validOf(a, name, doc, known, depth)));
  if (schema.allOf?.length) return validOf(schema.allOf[0], name, doc, known, depth);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      if (depth > 4) return fc.constant({});
      const props = Object.entries(schema.properties ?? {});
      if (!props.length) return fc.dictionary(fc.string({ maxLength: 12 }), hostileValue, { maxKeys: 4 });
      const model = Object.fromEntries(props.map(([k, s]) => [k, valueOf(s, k, doc, known, depth + 1)]));
      const required = (schema.required ?? []).filter((k) => k in model);
      // now and then a required field is missing or an unknown one is added
      return fc.tuple(fc.record(model, { requiredKeys: required }), fc.boolean(), fc.nat(9), hostileValue).map(([o, drop, i, extra]) => {
        const out: Record<string, unknown> = { ...o };
        if (drop && i === 0 && required.length) delete out[required[i % required.length]!];
        if (drop && i === 1) out.unexpected = extra;
        return out;
      });
    }
    case 'array':
      return fc.array(valueOf(schema.items, name, doc, known, depth + 1), { maxLength: depth === 0 ? 4 : 3 });
    case 'integer':
      return fc.oneof(fc.integer({ min: schema.minimum ?? -10, max: Math.min(schema.maximum ?? 1000, 2 ** 31) }), fc.constantFrom(...[schema.minimum, schema.maximum, 1, 2, 6].filter((v) => v !== undefined)));
    case 'number':
      return fc.oneof(fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true }), fc.constantFrom(0, 1, 41.5));
    case 'boolean':
      return fc.boolean();
    case 'string': {
      if (known.ids[name]) return fc.constantFrom(...known.ids[name]!);
      if (schema.format === 'date') return ISO_DATES;
      if (schema.format === 'date-time') return DATE_TIMES;
      if (schema.format === 'email') return fc.oneof(fc.constant('rh@fresas.test'), fc.emailAddress());
      const plain = fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 60) });
      return fc.oneof(plain, fc.constantFrom('Fresas SL', 'AUT-12345', 'VF-2027-1', 'Kénitra', '14 days', '30s', 'WAFIRA', 'Tanger Ville', 'FZ123456'));
    }
    default:
      return schema.default !== undefined ? fc.constant(schema.default) : hostileValue;
  }
}

/** What goes in a URL: the value encoded, or a raw hostile encoding (an invalid escape, an encoded NUL or surrogate). */
const RAW_PARAMS = ['%00', 'a%00b', '%ED%A0%80', '%', '%zz', '..', '.', '%2e%2e%2f', '2147483648', '-1', '0', '1e3', 'x'.repeat(300)];
function urlValue(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80'; // a lone surrogate: encodeURIComponent refuses it, a client could still send its bytes
  }
}
const paramArb = (p: Parameter, doc: Doc, known: Known) =>
  fc.oneof(
    { weight: 6, arbitrary: (known.ids[p.name] ? fc.constantFrom(...known.ids[p.name]!) : validOf(p.schema, p.name, doc, known, 0)).map(urlValue) },
    { weight: 2, arbitrary: hostileValue.map(urlValue) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_PARAMS) },
  );
const headerValue = fc.oneof(fc.stringMatching(/^[ -~]{0,120}$/), fc.constantFrom('', ' ', 'x'.repeat(8), '${jndi:ldap://x}', '../..'));

const CSV_BODIES = ['nationalId,decision\nAB123456,selected\n', 'a,b\n"unclosed\n', 'nationalId,firstName\nAB1\u0000,x\n', 'nationalId,nationalId\nA,B\n', '\uFEFF', ';;;;\n;;', 'nationalId\n=1+2\n', 'x'.repeat(10_000)];
const MALFORMED_JSON = ['{"a":', '\u0000', 'null', '[]', '"text"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '[1,2', '1e400', '\uFEFF{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '['.repeat(5000)];

interface FuzzRequest {
  login: DemoLogin;
  method: Operation['method'];
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

const OTHER_LOGINS: DemoLogin[] = ['coordinator', 'agent-kenitra', 'agent-larache', 'consular', 'port', 'employer-b21000001', 'employer-b21000002', 'mediator', 'auditor'];

function requestArb(op: Operation, doc: Doc, known: Known): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const query = op.params.filter((p) => p.in === 'query');
  const headers = op.params.filter((p) => p.in === 'header');
  const jsonBody = valueOf(op.body, 'body', doc, known).map((v) => ({ type: 'application/json', payload: JSON.stringify(v) ?? 'null' }));
  const bodies: fc.WeightedArbitrary<{ type?: string; payload?: string | Buffer }>[] = [
    { weight: 14, arbitrary: jsonBody },
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((payload) => ({ type: 'application/json', payload })) },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').map((type) => ({ type, payload: 'a=1&b=\u0000' })) },
    { weight: 1, arbitrary: fc.constant({ type: 'application/json', payload: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) }) },
    { weight: 1, arbitrary: fc.constant({ type: undefined, payload: '{"a":1}' }) },
  ];
  if (op.file) bodies.push({ weight: 3, arbitrary: fc.constantFrom(...CSV_BODIES).map((payload) => ({ type: 'text/csv', payload })) });
  return fc.record({
    login: fc.oneof({ weight: 4, arbitrary: fc.constant<DemoLogin>('admin') }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_LOGINS) }),
    path: fc.tuple(...pathParams.map((p) => paramArb(p, doc, known))).map((values) => {
      let i = 0;
      return op.path.replace(/\{\w+\}/g, () => values[i++]!);
    }),
    query: fc.array(
      fc.tuple(fc.oneof({ weight: 5, arbitrary: query.length ? fc.constantFrom(...query) : fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(undefined) }), fc.oneof(fc.constant(''), hostileValue)),
      { maxLength: 4 },
    ).chain((pairs) =>
      fc.tuple(...pairs.map(([p, hostile]) => (p ? fc.oneof({ weight: 3, arbitrary: validOf(p.schema, p.name, doc, known, 0) }, { weight: 2, arbitrary: fc.constant(hostile) }).map((v) => `${p.name}=${urlValue(v)}`) : fc.constantFrom('unknown=1', '__proto__[x]=1', 'limit=1&limit=2', `x=${urlValue(hostile)}`)))),
    ),
    headers: fc.tuple(...headers.map((h) => fc.option(headerValue.map((v) => [h.name, v] as const), { nil: undefined }))),
    body: op.method === 'GET' ? fc.constant({ type: undefined, payload: undefined }) : fc.oneof(...bodies),
  }).map(({ login, path: p, query: q, headers: h, body }) => ({
    login,
    method: op.method,
    url: q.length ? `${p}?${q.join('&')}` : p,
    headers: { ...Object.fromEntries(h.filter((x): x is readonly [string, string] => !!x)), ...(body.type ? { 'content-type': body.type } : {}) },
    payload: body.payload,
  }));
}

/** Deterministic requests spread evenly over the operations (the same seed, the same run). */
function generate(ops: Operation[], doc: Doc, known: Known, count: number, seed: number): FuzzRequest[] {
  const perOp = Math.ceil(count / ops.length);
  const byOp = ops.map((op, i) => fc.sample(requestArb(op, doc, known), { seed: seed + i, numRuns: perOp }));
  const out: FuzzRequest[] = [];
  for (let i = 0; out.length < count; i++) out.push(byOp[i % ops.length]![Math.floor(i / ops.length)]!);
  return out;
}

async function rowCounts(): Promise<Record<string, number>> {
  const rows = await stack.db.execute<Record<string, string>>(sql.raw(`select ${COUNTED_TABLES.map((t) => `(select count(*) from ${t}) as ${t}`).join(', ')}`));
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
}
const diff = (a: Record<string, number>, b: Record<string, number>) => COUNTED_TABLES.filter((t) => a[t] !== b[t]).map((t) => `${t} ${a[t]} -> ${b[t]}`);

/** Counts once the workflows an accepted write started have done their part (unchanged over 300 ms). */
async function quietCounts(): Promise<Record<string, number>> {
  let last = await rowCounts();
  for (let i = 0, same = 0; i < 60 && same < 3; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await rowCounts();
    same = diff(last, now).length ? 0 : same + 1;
    last = now;
  }
  return last;
}

describe('fuzzer', () => {
  it(`answers ${COUNTED + UNCOUNTED} generated requests over every operation without a 5xx; refused ones write nothing`, { timeout: 300_000 }, async () => {
    const doc = stack.app.swagger() as unknown as Doc;
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThan(50);

    // real ids for the parameters
    const run = uniqueSuffix();
    const campaignId = `fuzz-${run}`;
    const created = await stack.app.inject({ method: 'POST', url: '/campaigns', payload: sampleCampaign(campaignId, 'B21000077') });
    expect(created.statusCode, created.body).toBe(201);
    await openCampaignForSteps(stack.db, campaignId);
    const candidate = (await stack.app.inject({ method: 'POST', url: '/candidates', payload: sampleCandidate() })).json();
    const started = await stack.app.inject({ method: 'POST', url: `/campaigns/${campaignId}/cycles`, payload: { candidateId: candidate.id, timings: { selectionDeadline: '1h' } } });
    const cycleId = started.json().cycleId as string;
    await waitUntil(async () => (await stack.app.inject({ method: 'GET', url: `/cycles/${cycleId}` })).json().state?.waitingFor);
    const agencyId = `fuzz-agency-${run}`.toLowerCase();
    expect((await stack.app.inject({ method: 'PUT', url: `/agencies/${agencyId}`, payload: { name: 'Fuzz', province: `Fuzz-${run}`, email: 'fuzz@anapec.test' } })).statusCode).toBe(200);
    const consulateId = `fuzz-consulate-${run}`.toLowerCase();
    expect((await stack.app.inject({ method: 'PUT', url: `/consulates/${consulateId}`, payload: { name: 'Fuzz', city: 'Fuzz', weeklyCapacity: 10 } })).statusCode).toBe(200);
    const known: Known = {
      ids: {
        consulateId: [consulateId],
        campaignId: [campaignId],
        cycleId: [cycleId],
        candidateId: [String(candidate.id)],
        offerId: [created.json().offers[0].id],
        nationalId: [candidate.nationalId],
        agencyId: [agencyId],
        season: ['2027'],
        programme: ['WAFIRA'],
      },
    };

    const requests = generate(ops, doc, known, COUNTED + UNCOUNTED, SEED);
    const statuses = new Map<number, number>();
    const byLogin = new Map<string, number>();
    const failures: string[] = [];
    const notProblems: string[] = [];
    const leftRows: string[] = [];
    let refusedCounted = 0;
    const t0 = Date.now();
    let counts = await quietCounts();
    for (const [i, r] of requests.entries()) {
      const counting = i < COUNTED;
      const headers = { ...(await authHeader(r.login)), ...r.headers };
      let res: LightMyRequestResponse;
      try {
        res = await stack.app.inject({ method: r.method, url: r.url, headers, payload: r.payload });
      } catch (err) {
        failures.push(`inject threw ${String(err)}: ${r.method} ${r.url.slice(0, 200)}`);
        continue;
      }
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      byLogin.set(r.login, (byLogin.get(r.login) ?? 0) + 1);
      const what = () => `${r.login} ${r.method} ${r.url.slice(0, 200)} ${String(r.payload ?? '').slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
      if (res.statusCode >= 500) failures.push(what());
      else if (res.statusCode >= 400 && !String(res.headers['content-type']).startsWith('application/problem+json')) notProblems.push(what());
      if (!counting) continue;
      if (res.statusCode >= 400) {
        refusedCounted += 1;
        const after = await rowCounts();
        const changed = diff(counts, after);
        if (changed.length) leftRows.push(`${changed.join(', ')} after ${what()}`);
        counts = after;
      } else counts = r.method === 'GET' ? await rowCounts() : await quietCounts(); // a read may log itself (access_log)
    }
    const seconds = (Date.now() - t0) / 1000;

    const histogram = Object.fromEntries([...statuses.entries()].sort(([a], [b]) => a - b));
    const results = {
      seed: SEED,
      operations: ops.length,
      requests: requests.length,
      seconds,
      statuses: histogram,
      byLogin: Object.fromEntries(byLogin),
      serverErrors: failures.length,
      refusedWithRowCounts: refusedCounted,
      refusedLeavingRows: leftRows.length,
      countedTables: COUNTED_TABLES,
    };
    fs.mkdirSync('.data', { recursive: true });
    fs.writeFileSync(path.join('.data', 'fuzz-results.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(
      `fuzzer: ${requests.length} requests over ${ops.length} operations in ${seconds.toFixed(1)} s (seed ${SEED}); ` +
        `statuses ${Object.entries(histogram).map(([c, n]) => `${c}: ${n}`).join(', ')}; 5xx: ${failures.length}; ` +
        `${refusedCounted} refused requests row-counted, ${leftRows.length} left rows`,
    );
    // the fuzzer rewrites its own agency (and consulate): its province goes back to its own, or a generated one
    // ('Kénitra') would route the next files' notices to a generated address
    await stack.db.update(agencies).set({ province: `Fuzz-${run}`, email: 'fuzz@anapec.test' }).where(eq(agencies.id, agencyId));
    expect(failures, failures.slice(0, 10).join('\n')).toEqual([]);
    expect(leftRows, leftRows.slice(0, 10).join('\n')).toEqual([]);
    expect(notProblems, notProblems.slice(0, 10).join('\n')).toEqual([]);
    expect(refusedCounted).toBeGreaterThan(COUNTED / 2);
    // the cycle the fuzzer hammered still answers
    expect((await stack.app.inject({ method: 'GET', url: `/cycles/${cycleId}` })).statusCode).toBe(200);
  });
});
