// A consulate's week on the real servers: its places are shared by every campaign lodging there (two campaigns
// assembling at once never exceed it), any day names its ISO week, single lodgings take places too, a batch never
// lodged holds its places only until the end of its week, passports expiring before the contract end are left out
// by worker, and the files a week cannot take are proposed for the next weeks.
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { campaigns, candidates, visaBatchMembers, visaBatches, workerCycles } from '../db/schema';
import { byRegistration } from '../db/queries/registration-order';
import { fastTimings, openSampleCampaign, patientSteps, requestsTo, sampleCandidate, uniqueSuffix, waitUntil, withTestStack, type TestStack } from './support';

let stack: TestStack;
const { post, get } = requestsTo(() => stack);
const consulateId = `cw-${uniqueSuffix()}`.toLowerCase();
const timings = { ...fastTimings, ...patientSteps };
let a: { campaignId: string; offerId: string; cycles: string[] };
let b: { campaignId: string; offerId: string; cycles: string[] };

async function authorised(campaignId: string, offerId: string, n: number): Promise<string[]> {
  const cycles: string[] = [];
  for (let i = 0; i < n; i++) {
    const person = await post('/candidates', sampleCandidate());
    expect(person.statusCode, person.body).toBe(201);
    const started = await post(`/campaigns/${campaignId}/cycles`, { candidateId: person.json().id, timings });
    expect(started.statusCode, started.body).toBe(201);
    const cycleId = started.json().cycleId as string;
    await waitUntil(async () => (await get(`/cycles/${cycleId}`)).json().state?.waitingFor);
    expect((await post(`/cycles/${cycleId}/selection`, { decision: 'selected', offerId })).statusCode).toBe(200);
    expect((await post(`/cycles/${cycleId}/authorisation`, { authorisationNumber: `AUT-${cycleId.slice(-8)}`, issuedOn: '2026-12-01' })).statusCode).toBe(200);
    cycles.push(cycleId);
  }
  return cycles;
}

async function onConsulate(prefix: string, employerId: string) {
  const opened = await openSampleCampaign(stack, prefix, employerId);
  await stack.db.update(campaigns).set({ consulateId }).where(eq(campaigns.id, opened.campaignId));
  return opened;
}

const assemble = (campaignId: string, weekStart: string, capacity?: number) =>
  post(`/campaigns/${campaignId}/visa-batches`, { weekStart, ...(capacity ? { capacity } : {}), timings: { lodgeDeadline: '1h', decisionDeadline: '1h', escalationGrace: '1h' } });

withTestStack(async (s) => {
  stack = s;
  expect((await stack.app.inject({ method: 'PUT', url: `/consulates/${consulateId}`, payload: { name: 'Consulado (prueba)', city: 'Rabat', weeklyCapacity: 4 } })).statusCode).toBe(200);
  const oa = await onConsulate('cwa', 'B21777001');
  const ob = await onConsulate('cwb', 'B21777002');
  a = { ...oa, cycles: await authorised(oa.campaignId, oa.offerId, 3) };
  b = { ...ob, cycles: await authorised(ob.campaignId, ob.offerId, 4) };
}, async () => {
  // leave nothing running on the shared dev server for the next test files
  for (const campaignId of [a.campaignId, b.campaignId]) {
    const ids = [
      ...(await stack.db.select({ id: visaBatches.id }).from(visaBatches).where(eq(visaBatches.campaignId, campaignId))).map((r) => r.id),
      ...(await stack.db.select({ id: workerCycles.id }).from(workerCycles).where(eq(workerCycles.campaignId, campaignId))).map((r) => r.id),
    ];
    await Promise.all(ids.map((id) => stack.client.workflow.getHandle(id).terminate('test finished').catch(() => undefined)));
  }
});

describe("a consulate's weeks", () => {
  it('shares a week between two campaigns assembling at once, by ISO week, and proposes the next week for the rest', async () => {
    // Wednesday and Friday of the week of Monday 2027-03-01
    const [ra, rb] = await Promise.all([assemble(a.campaignId, '2027-03-03'), assemble(b.campaignId, '2027-03-05', 2)]);
    expect([ra.statusCode, rb.statusCode], `${ra.body}\n${rb.body}`).toEqual([201, 201]);
    const [va, vb] = [ra.json(), rb.json()];
    expect([va.weekStart, vb.weekStart]).toEqual(['2027-03-01', '2027-03-01']);
    expect(va.consulateId).toBe(consulateId);
    // 4 places, 7 files waiting: 4 taken whoever came first (A 3 + B 1, or B 2 + A 2), the rest proposed next week
    expect(va.members + vb.members).toBe(4);
    expect(va.remainingEligible + vb.remainingEligible).toBe(3);
    const proposed = [...va.nextWeeks, ...vb.nextWeeks];
    expect(new Set(proposed.map((w: { weekStart: string }) => w.weekStart))).toEqual(new Set(['2027-03-08']));
    expect(Math.max(...proposed.map((w: { files: number }) => w.files))).toBeLessThanOrEqual(3);
    const full = await assemble(b.campaignId, '2027-03-07');
    expect(full.statusCode).toBe(409);
    expect(full.json().message).toMatch(/week of 2027-03-01 is used up: 4 of 4/);
  });

  it('counts a single lodging in its week, and leaves out a passport that expires before the contract ends', async () => {
    // B's files in no batch: 3 when A assembled first (B took 1), 2 when B did (B took 2)
    const inBatch = new Set((await stack.db.select({ cycleId: visaBatchMembers.cycleId }).from(visaBatchMembers)).map((m) => m.cycleId));
    const waiting = (await stack.db.select({ id: workerCycles.id, candidateId: workerCycles.candidateId }).from(workerCycles).where(eq(workerCycles.campaignId, b.campaignId)).orderBy(byRegistration))
      .filter((c) => !inBatch.has(c.id));
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    const [single, expiring] = waiting;
    const lodged = await post(`/cycles/${single!.id}/visa-file`, { fileReference: `VF-${single!.id.slice(-6)}`, submittedOn: '2027-03-10' });
    expect(lodged.statusCode, lodged.body).toBe(200);
    await stack.db.update(candidates).set({ passportExpiry: '2027-05-01' }).where(eq(candidates.id, expiring!.candidateId));
    const weeks = (await get(`/consulates/${consulateId}/weeks?from=2027-03-02&weeks=2`)).json();
    expect(weeks.weeks.map((w: { weekStart: string }) => w.weekStart)).toEqual(['2027-03-01', '2027-03-08']);
    expect(weeks.weeks[0]).toMatchObject({ capacity: 4, assembled: 4, left: 0, campaigns: 2 });
    expect(weeks.weeks[1]).toMatchObject({ single: 1, left: 3 });
    const next = await assemble(b.campaignId, '2027-03-08');
    const refusedOnly = waiting.length === 2;
    if (refusedOnly) {
      expect(next.statusCode).toBe(409);
      expect(next.json().message).toMatch(/passport expiring before the contract end/);
    } else {
      expect(next.statusCode, next.body).toBe(201);
      expect(next.json().refusedPassports).toEqual([expect.objectContaining({ cycleId: expiring!.id, field: 'passportExpiry' })]);
      expect(next.json().members).toBe(waiting.length - 2);
    }
  });

  it("frees a batch's places when its week ends without its lodgement, and counts a lodged one", async () => {
    const [batch] = await stack.db.select().from(visaBatches).where(eq(visaBatches.campaignId, a.campaignId));
    // the same batch, had its week been last month: assembled, never lodged, its week over
    await stack.db.update(visaBatches).set({ weekStart: '2026-11-02' }).where(eq(visaBatches.id, batch!.id));
    const past = (await get(`/consulates/${consulateId}/weeks?from=2026-11-02&weeks=1`)).json();
    expect(past.weeks[0]).toMatchObject({ assembled: 0, lodged: 0, left: 4 });
    await stack.db.update(visaBatches).set({ weekStart: '2027-03-01' }).where(eq(visaBatches.id, batch!.id));
    const lodged = await post(`/visa-batches/${batch!.id}/lodge`, { lodgedOn: '2027-03-02' });
    expect(lodged.statusCode, lodged.body).toBe(200);
    const week = (await get(`/consulates/${consulateId}/weeks?from=2027-03-01&weeks=1`)).json();
    expect(week.weeks[0]).toMatchObject({ lodged: batch!.members, assembled: 4 - batch!.members, left: 0 });
  });

  it('refuses a campaign on an unknown consulate, naming the field', async () => {
    const res = await post('/campaigns', { ...(await import('./support')).sampleCampaign(`cwx-${uniqueSuffix()}`, 'B21777003'), consulateId: 'atlantis' });
    expect(res.statusCode).toBe(422);
    expect(res.json().issues[0].field).toBe('body.consulateId');
  });
});
