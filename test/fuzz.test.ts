// A bounded, seeded fuzzer over every route of the OpenAPI document: bodies generated from each route's schema with
// hostile values mixed in (NUL bytes, lone surrogates, integers beyond their columns, wrong types, huge strings,
// malformed JSON and CSV), hostile path and query parameters. No answer may be a 5xx: bad input is a 4xx naming
// the field, whatever route a later change adds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCampaign, sampleCandidate, startTestStack, uniqueSuffix, waitUntil, type TestStack } from './support';

/** Requests per run: enough to visit every route many times (the acceptance run used 5,000). */
const REQUESTS = 1_200;
const SEED = 20261202;

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

// --- a small seeded PRNG (mulberry32): the same run every time -----------------------------------------
let state = SEED;
function rnd(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const HOSTILE: unknown[] = [
  'a\u0000b',
  '\u0000',
  'x\uD800',
  '\uDFFFy',
  '',
  ' ',
  'x'.repeat(5_000),
  '🍓'.repeat(300),
  "'; drop table candidates; --",
  '=HYPERLINK("http://x")',
  '../../etc/passwd',
  '٠١٢٣٤',
  '2027-02-30',
  '0000-00-00T00:00:00Z',
  2147483648,
  -2147483649,
  Number.MAX_SAFE_INTEGER + 2,
  -1,
  0,
  1.5,
  1e308,
  null,
  true,
  [],
  {},
  [null, 'a\u0000'],
  { nested: { deeper: 'x\u0000' } },
];
const HOSTILE_PARAMS = ['%00', 'a%00b', '%ED%A0%80', '%', '..', '2147483648', '-1', '0', '1e3', 'x'.repeat(300), '%F0%9F%8D%93', 'worker-x-2147483648', 'AB123456'];

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
};

const SAMPLES: Record<string, () => unknown> = {
  nationalId: () => `FZ${100000 + Math.floor(rnd() * 899999)}`,
  phone: () => '+212 600 000 000',
  passportNumber: () => 'MA1234567',
  email: () => 'rh@fresas.test',
  id: () => `fuzz-${Math.floor(rnd() * 1e6)}`,
};

function generate(schema: Schema | undefined, name: string, depth: number, hostileRate: number): unknown {
  if (!schema) return pick(HOSTILE);
  if (rnd() < hostileRate) return pick(HOSTILE);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return generate(pick(alternatives), name, depth, hostileRate);
  if (schema.enum) return pick(schema.enum);
  const type = Array.isArray(schema.type) ? pick(schema.type) : schema.type;
  switch (type) {
    case 'object': {
      if (depth > 4) return {};
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(k) ? rnd() < 0.95 : rnd() < 0.5) out[k] = generate(s, k, depth + 1, hostileRate);
      }
      return out;
    }
    case 'array':
      return Array.from({ length: Math.floor(rnd() * 3) }, () => generate(schema.items, name, depth + 1, hostileRate));
    case 'integer':
    case 'number':
      return pick([schema.minimum ?? 0, schema.maximum ?? 10, 1, 2, 6]);
    case 'boolean':
      return rnd() < 0.5;
    case 'string':
      if (schema.format === 'date') return pick(['2027-02-01', '2026-12-01', '2027-07-31']);
      if (schema.format === 'date-time') return pick(['2027-03-01T08:00:00Z', '2027-03-01T08:00:00+01:00']);
      if (schema.format === 'email') return 'rh@fresas.test';
      return SAMPLES[name]?.() ?? pick(['Fresas SL', 'coordinator@anapec.test', 'AUT-12345', 'VF-2027-1', 'Kénitra', 'selected', '14 days']);
    default:
      return schema.default ?? 'x';
  }
}

interface Operation {
  method: 'GET' | 'POST';
  path: string;
  pathParams: string[];
  queryParams: string[];
  body?: Schema;
}

describe('fuzzer', () => {
  it(`answers ${REQUESTS} hostile requests over every route without a 5xx`, { timeout: 600_000 }, async () => {
    const spec = (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
    };
    const operations: Operation[] = [];
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        operations.push({
          method: method.toUpperCase() as 'GET' | 'POST',
          path,
          pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
          queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
          body: op.requestBody?.content['application/json']?.schema,
        });
      }
    }
    expect(operations.length).toBeGreaterThan(20);

    // real ids for the parameters, so requests reach the handlers and the workflows, not only the 404s
    const campaignId = `fuzz-${uniqueSuffix()}`;
    expect((await stack.app.inject({ method: 'POST', url: '/campaigns', payload: sampleCampaign(campaignId, 'B21000077') })).statusCode).toBe(201);
    const candidate = (await stack.app.inject({ method: 'POST', url: '/candidates', payload: sampleCandidate() })).json();
    const started = await stack.app.inject({ method: 'POST', url: `/campaigns/${campaignId}/cycles`, payload: { candidateId: candidate.id, startedBy: 'fuzz', timings: { selectionDeadline: '1h' } } });
    const cycleId = started.json().cycleId as string;
    await waitUntil(async () => (await stack.app.inject({ method: 'GET', url: `/cycles/${cycleId}` })).json().state?.waitingFor);
    const valid: Record<string, string[]> = {
      campaignId: [campaignId],
      cycleId: [cycleId],
      candidateId: [String(candidate.id)],
      season: ['2027'],
      programme: ['agricultural_training', 'business_creation'],
    };

    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const op = pick(operations);
      let url = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
        rnd() < 0.6 && valid[name] ? encodeURIComponent(pick(valid[name]!)) : pick(HOSTILE_PARAMS),
      );
      const query = op.queryParams.filter(() => rnd() < 0.5).map((q) => `${q}=${rnd() < 0.5 ? pick(HOSTILE_PARAMS) : 'x'}`);
      if (query.length) url += `?${query.join('&')}`;
      let headers: Record<string, string> | undefined;
      let payload: string | undefined;
      if (op.method === 'POST') {
        const r = rnd();
        if (r < 0.05) {
          headers = { 'content-type': 'application/json' };
          payload = pick(['{"a":', '\u0000', 'null', '[]', '"text"', '{"__proto__":{"x":1}}', '{"decidedBy":"a\\u0000b"}', '{"reason":"\\ud800"}']);
        } else if (r < 0.1 && url.includes('intake')) {
          headers = { 'content-type': 'text/csv' };
          payload = pick(['nationalId,decision\nAB123456,selected\n', 'a,b\n"unclosed\n', `nationalId,firstName\nAB1\u0000,x\n`, 'nationalId,nationalId\nA,B\n']);
        } else {
          headers = { 'content-type': 'application/json' };
          payload = JSON.stringify(generate(op.body, 'body', 0, 0.15));
        }
      }
      const res = await stack.app.inject({ method: op.method, url, headers, payload });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500) failures.push(`${res.statusCode} ${op.method} ${url} ${payload?.slice(0, 300) ?? ''} -> ${res.body.slice(0, 300)}`);
    }
    const summary = [...statuses.entries()].sort(([a], [b]) => a - b).map(([code, n]) => `${code}: ${n}`).join(', ');
    console.log(`fuzzer: ${REQUESTS} requests over ${operations.length} operations; ${summary}`);
    expect(failures, failures.slice(0, 10).join('\n')).toEqual([]);
    // the cycle the fuzzer hammered still answers
    expect((await stack.app.inject({ method: 'GET', url: `/cycles/${cycleId}` })).statusCode).toBe(200);
  });
});
