// API behaviour with app.inject on real PostgreSQL and Temporal: bad input, unknown ids, conflicts, docs.
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { campaigns, offers, workerCycles } from '../db/schema';
import { requestsTo, withTestStack, sampleCampaign, sampleCandidate, uniqueSuffix, waitUntil, type TestStack } from './support';

let stack: TestStack;
withTestStack((s) => (stack = s));

const { post, get } = requestsTo(() => stack);

describe('campaigns', () => {
  it('creates a campaign with the generic offer terms as defaults and reads it back', async () => {
    const id = `api-${uniqueSuffix()}`;
    const res = await post('/campaigns', sampleCampaign(id, 'B21000001'));
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    // contracts under the multi-year framework unless the campaign says fixed_term
    expect(body.framework).toBe('multi_year');
    expect(body.offers).toHaveLength(1);
    expect(body.offers[0]).toMatchObject({
      id: `${id}-b21000001-1`,
      dailyWageEur: '41.00',
      hoursPerDay: '6.50',
      breakMinutes: 30,
      trialDays: 15,
      daysOffPerWeek: 1,
      housingProvided: true,
      transportPaid: true,
      medicalCover: true,
      filled: 0,
    });
    expect((await get(`/campaigns/${id}`)).json().id).toBe(id);
    // Lists are paged: { total, limit, offset, items }, at most 1000 items a page.
    const page = (await get('/campaigns?limit=1')).json();
    expect(page).toMatchObject({ limit: 1, offset: 0 });
    expect(page.total).toBeGreaterThanOrEqual(1);
    expect(page.items).toHaveLength(1);
    expect((await get('/campaigns?limit=1001')).statusCode).toBe(400);
    const again = await post('/campaigns', sampleCampaign(id, 'B21000001'));
    expect(again.statusCode).toBe(409);
    expect(again.json().issues[0].field).toBe('body.id');
  });

  it('refuses bad input with 400 naming the field, and writes nothing', async () => {
    const id = `api-${uniqueSuffix()}`;
    const bad = sampleCampaign(id, 'B21000002');
    (bad.offers[0] as Record<string, unknown>).contractMonths = 10;
    const res = await post('/campaigns', bad);
    expect(res.statusCode).toBe(400);
    expect(res.json().issues).toEqual([{ field: 'body.offers.0.contractMonths', reason: 'at most 9 months of work a year' }]);
    expect(await stack.db.select().from(campaigns).where(eq(campaigns.id, id))).toHaveLength(0);

    const missing = await post('/campaigns', { name: 'x' });
    expect(missing.statusCode).toBe(400);
    const fields = missing.json().issues.map((i: { field: string }) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['body.id', 'body.season', 'body.offers']));

    const badJson = await stack.app.inject({ method: 'POST', url: '/campaigns', headers: { 'content-type': 'application/json' }, payload: '{"id":' });
    expect(badJson.statusCode).toBe(400);
  });

  it('refuses offer dates that do not fit the contract with 422, and writes nothing', async () => {
    const id = `api-${uniqueSuffix()}`;
    const bad = sampleCampaign(id, 'B21000003');
    bad.offers[0]!.contractEnd = '2027-12-31'; // 11 months
    const res = await post('/campaigns', bad);
    expect(res.statusCode).toBe(422);
    expect(res.json().issues[0]).toMatchObject({ field: 'body.offers.0.contractEnd' });
    expect(await stack.db.select().from(offers).where(eq(offers.campaignId, id))).toHaveLength(0);
  });

  it('answers 404 for an unknown campaign and route', async () => {
    expect((await get('/campaigns/nope-2099')).statusCode).toBe(404);
    expect((await get('/no-such-route')).statusCode).toBe(404);
  });
});

describe('candidates and cycles', () => {
  it('registers a candidate once per national ID', async () => {
    const c = sampleCandidate({ nationalId: `ab${Date.now().toString().slice(-6)}` });
    const first = await post('/candidates', c);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().nationalId).toBe(String(c.nationalId).toUpperCase());
    const second = await post('/candidates', c);
    expect(second.statusCode).toBe(200);
    expect(second.json().id).toBe(first.json().id);
    expect((await get(`/candidates/${first.json().id}`)).statusCode).toBe(200);
    expect((await get('/candidates/99999999')).statusCode).toBe(404);
    expect((await get('/candidates/abc')).statusCode).toBe(400);
  });

  it('validates candidate fields', async () => {
    const res = await post('/candidates', sampleCandidate({ nationalId: '123', sex: 'X', birthDate: '12/04/1990' }));
    expect(res.statusCode).toBe(400);
    const fields = res.json().issues.map((i: { field: string }) => i.field).sort();
    expect(fields).toEqual(['body.birthDate', 'body.nationalId', 'body.sex']);
  });

  it('starts a cycle idempotently and refuses unknown ids', async () => {
    const id = `api-${uniqueSuffix()}`;
    expect((await post('/campaigns', sampleCampaign(id, 'B21000004'))).statusCode).toBe(201);
    const candidate = (await post('/candidates', sampleCandidate())).json();
    const body = { candidateId: candidate.id, startedBy: 'coordinator@anapec.test', timings: { selectionDeadline: '1h' } };
    const first = await post(`/campaigns/${id}/cycles`, body);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().cycleId).toBe(`worker-${id}-${candidate.id}`);
    const second = await post(`/campaigns/${id}/cycles`, body);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ cycleId: first.json().cycleId, created: false });

    expect((await post(`/campaigns/nope-2099/cycles`, body)).statusCode).toBe(404);
    expect((await post(`/campaigns/${id}/cycles`, { ...body, candidateId: 99999999 })).statusCode).toBe(404);
    const badTimings = await post(`/campaigns/${id}/cycles`, { ...body, timings: { selectionDeadline: 'soon' } });
    expect(badTimings.statusCode).toBe(400);
    expect(badTimings.json().issues[0].field).toBe('body.timings.selectionDeadline');

    const list = (await get(`/campaigns/${id}/cycles?stage=preselected`)).json();
    expect(list.total).toBe(1);
    expect(list.items[0].cycleId).toBe(first.json().cycleId);
    // the first transition is persisted by an activity: wait until the cycle is waiting for the employer
    const view = await waitUntil(async () => {
      const v = (await get(`/cycles/${first.json().cycleId}`)).json();
      return v.state.waitingFor ? v : undefined;
    });
    expect(view).toMatchObject({ running: true, state: { stage: 'preselected', waitingFor: 'employer selection' } });
    expect(view.state.deadlineAt).toBeTruthy();

    expect((await get('/cycles/worker-nope-2099-1')).statusCode).toBe(404);
    expect((await get('/cycles/not-a-cycle')).statusCode).toBe(400);
    const unknownStep = await post('/cycles/worker-nope-2099-1/authorisation', { authorisationNumber: 'AUT-1', issuedOn: '2026-12-01', recordedBy: 'x' });
    expect(unknownStep.statusCode).toBe(404);
    // terminate so the open cycle doesn't linger on the shared dev server
    await stack.client.workflow.getHandle(first.json().cycleId).terminate('test done');
  });

  it("walks a campaign's cycle list page after page with `after`, in registration order", async () => {
    const id = `api-${uniqueSuffix()}`;
    expect((await post('/campaigns', sampleCampaign(id, 'B21000005'))).statusCode).toBe(201);
    const people = [];
    for (let i = 0; i < 7; i++) people.push((await post('/candidates', sampleCandidate())).json() as { id: number; province: string });
    // the list reads rows only: cycles written as the worker mirrors them, two of them at another stage
    await stack.db.insert(workerCycles).values(people.map((p, i) => ({ id: `worker-${id}-${p.id}`, campaignId: id, candidateId: p.id, province: p.province, stage: i % 3 === 2 ? 'selected' : 'preselected' })));
    const whole = (await get(`/campaigns/${id}/cycles?stage=preselected&limit=100`)).json();
    expect(whole.total).toBe(5);
    const walked: string[] = [];
    let after = '';
    for (;;) {
      const res = await get(`/campaigns/${id}/cycles?stage=preselected&limit=2${after}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { total: number; items: { cycleId: string }[] };
      expect(page.total).toBe(5);
      walked.push(...page.items.map((c) => c.cycleId));
      if (page.items.length < 2) break;
      after = `&after=${page.items.at(-1)!.cycleId}`;
    }
    // the same cycles in the same order as one page, each once
    expect(walked).toEqual(whole.items.map((c: { cycleId: string }) => c.cycleId));
    // a cursor from another stage still places the page: the cycles registered after it
    const selected = `worker-${id}-${people[2]!.id}`;
    const afterSelected = (await get(`/campaigns/${id}/cycles?stage=preselected&after=${selected}`)).json();
    expect(afterSelected.items.map((c: { cycleId: string }) => c.cycleId)).toEqual(walked.slice(2));
    const unknown = await get(`/campaigns/${id}/cycles?after=worker-nope-1`);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().issues[0].field).toBe('querystring.after');
    expect((await get(`/campaigns/nope-2099/cycles?after=${selected}`)).statusCode).toBe(404);
  });

  it('serves the OpenAPI document and the docs UI', async () => {
    const spec = (await get('/docs/json')).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/campaigns', '/cycles/{cycleId}/consular-decision', '/documents/{documentId}']));
    expect((await get('/docs')).statusCode).toBeLessThan(400);
    expect((await get('/documents/99999999')).statusCode).toBe(404);
  });
});
