// What a hostile or careless client meets at the edge: security headers on every answer, CORS closed to unlisted
// origins, a per-caller rate limit (429 + Retry-After), body limits (1 MB JSON, 20 MB files, whatever the
// content type claims), and CSV downloads that never hand a spreadsheet a formula.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { parse } from 'csv-parse/sync';
import { buildApp } from '../api/app';
import { authHeader } from './tokens';
import { openCampaignForSteps, sampleCampaign, sampleCandidate, testConfig, uniqueSuffix, waitUntil, withTestStack, type TestStack } from './support';

let stack: TestStack;
withTestStack((s) => (stack = s));

const inject = (opts: InjectOptions): Promise<LightMyRequestResponse> => stack.app.inject(opts);

describe('security headers', () => {
  // The six usually asked for: Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options,
  // Content-Security-Policy, Referrer-Policy and Permissions-Policy. Helmet sends the first five (and no
  // Permissions-Policy: a JSON API has no browser features to restrict), plus the cross-origin isolation headers;
  // HSTS and the upgrade to https only in production (a developer's API is plain http).
  const HELMET = {
    'x-content-type-options': /^nosniff$/,
    'x-frame-options': /^SAMEORIGIN$/,
    'content-security-policy': /default-src 'self'/,
    'referrer-policy': /^no-referrer$/,
    'cross-origin-opener-policy': /^same-origin$/,
    'cross-origin-resource-policy': /^same-origin$/,
    'x-permitted-cross-domain-policies': /^none$/,
    'x-dns-prefetch-control': /^off$/,
    'x-xss-protection': /^0$/,
  };

  it('add HSTS and the upgrade to https in production', async () => {
    const dev = await inject({ method: 'GET', url: '/health', headers: { authorization: '' } });
    expect(dev.headers['strict-transport-security']).toBeUndefined();
    const app = await buildApp({ db: stack.db, temporal: stack.client, config: { ...testConfig, NODE_ENV: 'production', PAYLOAD_KEYS: JSON.stringify({ k1: randomBytes(32).toString('base64') }), PAYLOAD_KEY_ID: 'k1', ERASURE_HMAC_KEY: randomBytes(32).toString('hex') },
      logger: false,
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/health' });
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
      for (const [name, value] of Object.entries(HELMET)) expect(res.headers[name], name).toMatch(value);
    } finally {
      await app.close();
    }
  });

  it.each([
    ['a probe', { method: 'GET', url: '/health', headers: { authorization: '' } }],
    ['an answer', { method: 'GET', url: '/campaigns?limit=1' }],
    ['a 401', { method: 'GET', url: '/campaigns', headers: { authorization: '' } }],
    ['a 400', { method: 'GET', url: '/campaigns?limit=0' }],
    ['a 404', { method: 'GET', url: '/no-such-route' }],
  ] as const)('are on %s', async (_what, req) => {
    const res = await inject(req as InjectOptions);
    for (const [name, value] of Object.entries(HELMET)) expect(res.headers[name], name).toMatch(value);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('CORS', () => {
  const evil = 'https://evil.example';
  it('answers no Access-Control-Allow-Origin to an unlisted origin, preflight or not', async () => {
    const preflight = await inject({ method: 'OPTIONS', url: '/campaigns', headers: { authorization: '', origin: evil, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(preflight.statusCode).toBeLessThan(500);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    const simple = await inject({ method: 'GET', url: '/campaigns?limit=1', headers: { origin: evil } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    const codec = await inject({ method: 'OPTIONS', url: '/codec/decode', headers: { authorization: '', origin: evil, 'access-control-request-method': 'POST' } });
    expect(codec.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("answers the Temporal Web UI's origin on the codec's routes only", async () => {
    const ui = 'http://127.0.0.1:8233';
    const codec = await inject({ method: 'OPTIONS', url: '/codec/decode', headers: { authorization: '', origin: ui, 'access-control-request-method': 'POST' } });
    expect(codec.headers['access-control-allow-origin']).toBe(ui);
    const api = await inject({ method: 'OPTIONS', url: '/campaigns', headers: { authorization: '', origin: ui, 'access-control-request-method': 'POST' } });
    expect(api.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After and a problem past the limit, per caller', async () => {
    const app = await buildApp({ db: stack.db, temporal: stack.client, config: { ...testConfig, API_RATE_LIMIT_PER_MINUTE: 50 }, logger: false });
    try {
      const headers = await authHeader('coordinator');
      const statuses: number[] = [];
      let limited: LightMyRequestResponse | undefined;
      for (let i = 0; i < 60; i++) {
        const res = await app.inject({ method: 'GET', url: '/campaigns?limit=1', headers });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) limited ??= res;
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(50);
      expect(statuses.filter((s) => s === 429)).toHaveLength(10);
      expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited!.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(limited!.json()).toMatchObject({ status: 429, title: 'Too Many Requests', detail: expect.stringMatching(/at most 50 a minute/) });
      // another caller is counted apart
      expect((await app.inject({ method: 'GET', url: '/campaigns?limit=1', headers: await authHeader('auditor') })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('body limits', () => {
  const twoMegabytes = 2 * 1024 * 1024;

  it('refuses a 2 MB body to a JSON route with 413, whatever content type it claims', async () => {
    const big = JSON.stringify({ id: 'x', name: 'y'.repeat(twoMegabytes) });
    for (const type of ['application/json', 'text/csv', 'text/plain']) {
      const res = await inject({ method: 'POST', url: '/campaigns', headers: { 'content-type': type }, payload: big });
      expect(res.statusCode, `${type}: ${res.body.slice(0, 200)}`).toBe(413);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('takes a 2 MB CSV on a file route (its rows may be refused, the file is read), and refuses one over 20 MB', async () => {
    const campaignId = `ab-${uniqueSuffix()}`;
    expect((await inject({ method: 'POST', url: '/campaigns', payload: sampleCampaign(campaignId, 'B21000001') })).statusCode).toBe(201);
    await openCampaignForSteps(stack.db, campaignId);
    const reason = 'r'.repeat(400);
    const lines = ['nationalId,decision,reason'];
    for (let i = 0; lines.join('\n').length < twoMegabytes; i++) lines.push(`ZZ${100000 + i},rejected,${reason}`);
    const csv = lines.join('\n');
    const res = await inject({ method: 'POST', url: `/campaigns/${campaignId}/intake/selection`, headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
    expect(res.json()).toMatchObject({ rowsTotal: lines.length - 1, rowsAccepted: 0, rowsRejected: lines.length - 1 });
    const huge = await inject({ method: 'POST', url: `/campaigns/${campaignId}/intake/selection`, headers: { 'content-type': 'text/csv' }, payload: `${csv}\n`.repeat(11) });
    expect(huge.statusCode).toBe(413);
  });
});

describe('CSV downloads never carry a formula (CSV injection)', () => {
  const FORMULA = /^[=+\-@\t\r]/;
  const cellsOf = (csv: string) => (parse(csv, { relax_column_count: true }) as string[][]).flat();

  it("neutralises names, phones and messages on an agency's call list", async () => {
    const run = uniqueSuffix();
    const province = `Abuse-${run}`;
    const agencyId = `anapec-abuse-${run}`.toLowerCase();
    expect((await inject({ method: 'PUT', url: `/agencies/${agencyId}`, payload: { name: 'ANAPEC test', province, email: 'abuse@anapec.test' } })).statusCode).toBe(200);
    const campaignId = `ab-${run}`;
    const created = await inject({ method: 'POST', url: '/campaigns', payload: sampleCampaign(campaignId, 'B21000001') });
    await openCampaignForSteps(stack.db, campaignId);
    const person = sampleCandidate({ firstName: '=HYPERLINK("http://evil.test","click")', lastName: '+cmd|\' /C calc\'!A0', province, phone: '+212 600 000 999' });
    const candidate = (await inject({ method: 'POST', url: '/candidates', payload: person })).json();
    const cycleId = (await inject({ method: 'POST', url: `/campaigns/${campaignId}/cycles`, payload: { candidateId: candidate.id } })).json().cycleId as string;
    await waitUntil(async () => (await inject({ method: 'GET', url: `/cycles/${cycleId}` })).json().state?.waitingFor);
    const selected = await inject({ method: 'POST', url: `/cycles/${cycleId}/selection`, payload: { decision: 'selected', offerId: created.json().offers[0].id } });
    expect(selected.statusCode, selected.body).toBe(200);
    const csv = await waitUntil(async () => {
      const res = await inject({ method: 'GET', url: `/agencies/${agencyId}/call-list?format=csv` });
      return res.body.split('\n').length > 2 ? res : undefined;
    });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const cells = cellsOf(csv.body);
    expect(cells.filter((c) => FORMULA.test(c))).toEqual([]);
    expect(cells).toContain(`'${person.firstName} ${person.lastName}`);
    expect(cells).toContain(`'${person.phone}`);
    await stack.client.workflow.getHandle(cycleId).terminate('abuse test done');
  });

  it("neutralises column names and values in a file's refused rows (errors.csv)", async () => {
    const campaignId = `ab-${uniqueSuffix()}`;
    expect((await inject({ method: 'POST', url: '/campaigns', payload: sampleCampaign(campaignId, 'B21000001') })).statusCode).toBe(201);
    await openCampaignForSteps(stack.db, campaignId);
    // unstorable cells are reported under their column's name, which the file chose
    const csv = ['nationalId,decision,"=HYPERLINK(""http://evil.test"")",@SUM(A1),-2+3', 'AB123456,selected,a\u0000b,c\u0000d,e\u0000f', '=1+2,-1,,,'].join('\n');
    const res = await inject({ method: 'POST', url: `/campaigns/${campaignId}/intake/selection`, headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode, res.body).toBe(201);
    const fields = (res.json().errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['=HYPERLINK("http://evil.test")', '@SUM(A1)', '-2+3']));
    const errors = await inject({ method: 'GET', url: res.json().errorsUrl });
    expect(errors.statusCode).toBe(200);
    const cells = cellsOf(errors.body);
    expect(cells.filter((c) => FORMULA.test(c))).toEqual([]);
    expect(cells).toEqual(expect.arrayContaining([`'=HYPERLINK("http://evil.test")`, `'@SUM(A1)`, `'-2+3`]));
  });
});
