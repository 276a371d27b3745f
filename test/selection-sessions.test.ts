// Selection sessions on the real servers (issue 13): the 4 default sites; a session invites two candidates a post left,
// in registration order, and tells each one by SMS (and e-mail) in Arabic, gendered, through the outbox; attendance;
// results select through the one eligibility gate (a blocked candidate and one over the offer's quota are refused
// with their reason), reserves join the campaign's reserve list in rank order; employers see only their own sessions.
import { describe, expect, it } from 'vitest';
import { eq, inArray, like } from 'drizzle-orm';
import { candidates, emailOutbox, workerCycles } from '../db/schema';
import { bulkOperationDone, openCampaignForSteps, patientSteps, sampleCampaign, sampleCandidate, smscMessages, uniqueSuffix, waitUntil, withTestStack, type TestStack } from './support';
import { authHeader } from './tokens';
import type { DemoLogin } from '../scripts/lib/demo-identities';

let stack: TestStack;
const campaignId = `sel-${uniqueSuffix()}`;
let offerId = '';
const people: { id: number; nid: string; cycle: string; phone: string; sex: 'F' | 'M' }[] = [];

async function call(method: 'GET' | 'POST', url: string, as: DemoLogin = 'coordinator', payload?: unknown) {
  return stack.app.inject({ method, url, payload: payload as object, headers: await authHeader(as) });
}
async function ok(res: Awaited<ReturnType<typeof call>>, status = 200) {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}

withTestStack(async (s) => {
  stack = s;
  const campaign = sampleCampaign(campaignId, 'B21000001');
  campaign.offers[0]!.posts = 2;
  campaign.offers[0]!.employer.name = 'Fresas del Condado S.L.';
  const created = await ok(await call('POST', '/campaigns', 'coordinator', campaign), 201);
  offerId = created.offers[0].id;
  await openCampaignForSteps(s.db, campaignId);
  // six preselected candidates, registered in this order (the second one a man, the first one with an e-mail address)
  for (let i = 0; i < 6; i++) {
    const phone = `+212 6${String(Date.now() + i).slice(-8)}`;
    const sex = i === 1 ? 'M' : 'F';
    const c = await ok(await call('POST', '/candidates', 'coordinator', sampleCandidate({ province: 'Kenitra', phone, sex, language: 'ar', ...(i === 0 ? { email: `w${i}-${uniqueSuffix()}@mail.test` } : {}) })), 201);
    const { cycleId } = await ok(await call('POST', `/campaigns/${campaignId}/cycles`, 'coordinator', { candidateId: c.id, timings: patientSteps }), 201);
    people.push({ id: c.id, nid: c.nationalId, cycle: cycleId, phone, sex });
  }
  await waitUntil(async () => {
    const rows = await s.db.select({ stage: workerCycles.stage }).from(workerCycles).where(inArray(workerCycles.id, people.map((p) => p.cycle)));
    return rows.length === 6 && rows.every((r) => r.stage === 'preselected');
  });
});

let sessionId = 0;
let secondId = 0;

describe('selection sites', () => {
  it('has the 4 default sites', async () => {
    const sites = (await ok(await call('GET', '/selection-sites', 'agent-kenitra'))) as { id: string; province: string }[];
    expect(sites.map((s) => s.id)).toEqual(expect.arrayContaining(['kenitra', 'larache', 'ksar-el-kebir', 'sidi-kacem']));
    expect(sites.length).toBeGreaterThanOrEqual(4);
  });
});

describe('a selection session', () => {
  it('invites two candidates a post left, in registration order; the same request again finds it', async () => {
    const body = { siteId: 'kenitra', heldOn: '2027-01-12', startsAt: '10:00', offerId };
    const session = await ok(await call('POST', `/campaigns/${campaignId}/selection-sessions`, 'coordinator', body), 201);
    expect(session).toMatchObject({ employerId: 'B21000001', invited: 4, site: { id: 'kenitra', province: 'Kenitra' } });
    expect(session.createdBy).toContain('Samira Alaoui');
    sessionId = session.id;
    const view = await ok(await call('GET', `/selection-sessions/${sessionId}`));
    expect(view.invitations.map((i: { cycleId: string }) => i.cycleId)).toEqual(people.slice(0, 4).map((p) => p.cycle));
    expect(view.invitations.map((i: { position: number }) => i.position)).toEqual([1, 2, 3, 4]);
    const again = await ok(await call('POST', `/campaigns/${campaignId}/selection-sessions`, 'coordinator', body), 200);
    expect(again.id).toBe(sessionId);
    // another session of the same offer invites only those not invited yet
    const second = await ok(await call('POST', `/campaigns/${campaignId}/selection-sessions`, 'agent-kenitra', { ...body, heldOn: '2027-01-13' }), 201);
    secondId = second.id;
    const secondView = await ok(await call('GET', `/selection-sessions/${secondId}`));
    expect(secondView.invitations.map((i: { cycleId: string }) => i.cycleId)).toEqual(people.slice(4).map((p) => p.cycle));
    // an agency officer plans sessions at the sites of her province only; errors name the field
    expect((await call('POST', `/campaigns/${campaignId}/selection-sessions`, 'agent-larache', { ...body, heldOn: '2027-01-14' })).statusCode).toBe(404);
    const unknown = await call('POST', `/campaigns/${campaignId}/selection-sessions`, 'coordinator', { ...body, siteId: 'nowhere' });
    expect(unknown.statusCode, unknown.body).toBe(422);
    expect(unknown.json().issues).toEqual([{ field: 'body.siteId', reason: expect.any(String) }]);
    const nobody = await call('POST', `/campaigns/${campaignId}/selection-sessions`, 'coordinator', { ...body, siteId: 'sidi-kacem' });
    expect(nobody.statusCode, nobody.body).toBe(409);
  });

  it('tells each invited worker by SMS in Arabic, gendered, and by e-mail when she has one, once', async () => {
    const session = await ok(await call('GET', `/selection-sessions/${sessionId}`));
    await bulkOperationDone(stack.app, session.invitationsOperationId);
    const keys = people.slice(0, 4).map((p) => `session-invitation:${sessionId}:${p.cycle}:sms`);
    const sms = await stack.db.select().from(emailOutbox).where(inArray(emailOutbox.idempotencyKey, keys));
    expect(sms).toHaveLength(4);
    const byCycle = new Map(sms.map((m) => [m.cycleId, m]));
    expect(byCycle.get(people[0]!.cycle)!.body).toMatch(/^أنابيك: أنت مدعوة لمقابلة الانتقاء مع Fresas del Condado S\.L\. يوم 12\/01\/2027 على الساعة 10:00/);
    expect(byCycle.get(people[1]!.cycle)!.body).toMatch(/^أنابيك: أنت مدعو لمقابلة الانتقاء .*أحضر بطاقتك/);
    expect(sms.every((m) => m.channel === 'sms' && m.subject === 'session_invitation')).toBe(true);
    const mail = await stack.db.select().from(emailOutbox).where(like(emailOutbox.idempotencyKey, `session-invitation:${sessionId}:%`));
    expect(mail.filter((m) => m.channel === 'email').map((m) => m.cycleId)).toEqual([people[0]!.cycle]);
    const digits = people[0]!.phone.replace(/\D/g, '');
    const received = await waitUntil(async () => (await smscMessages()).find((m) => m.destination === digits), 20_000);
    expect(received.dataCoding).toBe(8);
    expect(received.text).toContain('مقابلة الانتقاء');
  });

  it('is seen by its employer, not by another', async () => {
    expect((await call('GET', `/selection-sessions/${sessionId}`, 'employer-b21000001')).statusCode).toBe(200);
    expect((await call('GET', `/selection-sessions/${sessionId}`, 'employer-b21000002')).statusCode).toBe(404);
    expect(await ok(await call('GET', `/campaigns/${campaignId}/selection-sessions`, 'employer-b21000002'))).toEqual([]);
    expect((await ok(await call('GET', `/campaigns/${campaignId}/selection-sessions`, 'employer-b21000001'))).map((s: { id: number }) => s.id)).toEqual([sessionId, secondId]);
    expect((await call('GET', `/selection-sessions/${sessionId}`, 'agent-larache')).statusCode).toBe(404);
    expect((await call('POST', `/selection-sessions/${sessionId}/results`, 'employer-b21000002', [{ nationalId: people[0]!.nid, result: 'selected' }])).statusCode).toBe(404);
  });

  it('records attendance by rows (CSV), refusing someone not invited', async () => {
    const csv = ['nationalId;attendance', ...people.slice(0, 4).map((p, i) => `${p.nid};${i === 3 ? 'absent' : 'present'}`), `${people[5]!.nid};present`].join('\n');
    const res = await stack.app.inject({ method: 'POST', url: `/selection-sessions/${sessionId}/attendance`, payload: csv, headers: { ...(await authHeader('agent-kenitra')), 'content-type': 'text/csv' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ recorded: 4, errors: [{ line: 6, field: 'nationalId', reason: expect.stringMatching(/not invited/) }] });
    expect((await call('POST', `/selection-sessions/${sessionId}/attendance`, 'agent-larache', [{ nationalId: people[0]!.nid, attendance: 'present' }])).statusCode).toBe(404);
  });

  it('selects through the eligibility gate: a blocked candidate and an absent one are refused with their reason; reserves are ranked', async () => {
    await stack.db.update(candidates).set({ blockedUntil: '2030-01-01', blockedReason: 'non-return 2026' }).where(eq(candidates.id, people[1]!.id));
    const res = await ok(await call('POST', `/selection-sessions/${sessionId}/results`, 'employer-b21000001', [
      { nationalId: people[0]!.nid, result: 'selected' },
      { nationalId: people[1]!.nid, result: 'selected' },
      { nationalId: people[2]!.nid, result: 'reserve', rank: 1 },
      { nationalId: people[3]!.nid, result: 'reserve', rank: 2 },
    ]));
    expect(res).toMatchObject({ selected: 1, rejected: 0, reserves: 1 });
    expect(res.errors).toEqual([
      { line: 2, field: 'nationalId', reason: 'blocked until 2030-01-01: non-return 2026' },
      { line: 4, field: 'result', reason: expect.stringMatching(/not recorded present.*absent/) },
    ]);
    const op = await bulkOperationDone(stack.app, res.operationId);
    expect(op).toMatchObject({ kind: 'selection', applied: 1, refused: 0 });
    const [row] = await waitUntil(async () => {
      const rows = await stack.db.select().from(workerCycles).where(eq(workerCycles.id, people[0]!.cycle));
      return rows[0]?.stage === 'selected' ? rows : undefined;
    });
    expect(row!.offerId).toBe(offerId);
    const cycle = await ok(await call('GET', `/cycles/${people[0]!.cycle}`));
    expect((cycle.audit as { step: string; actor: string }[]).find((a) => a.step === 'selection')?.actor).toContain('Manuel García López');
    // the same result again is refused by line: recorded already
    const again = await ok(await call('POST', `/selection-sessions/${sessionId}/results`, 'employer-b21000001', [{ nationalId: people[0]!.nid, result: 'selected' }]));
    expect(again).toMatchObject({ selected: 0, operationId: null, errors: [{ line: 1, field: 'result', reason: 'the result is recorded already (selected)' }] });
  });

  it('refuses a selection over the offer quota with its reason; the second session ranks its reserves after the first', async () => {
    await ok(await call('POST', `/selection-sessions/${secondId}/attendance`, 'coordinator', people.slice(4).map((p) => ({ nationalId: p.nid, attendance: 'present' }))));
    const res = await ok(await call('POST', `/selection-sessions/${secondId}/results`, 'coordinator', people.slice(4).map((p) => ({ nationalId: p.nid, result: 'selected' }))));
    expect(res.selected).toBe(1);
    expect(res.errors).toEqual([{ line: 2, field: 'offerId', reason: `offer ${offerId} is full: 2 of 2 posts filled` }]);
    await bulkOperationDone(stack.app, res.operationId);
    const reserve = await ok(await call('POST', `/selection-sessions/${secondId}/results`, 'coordinator', [{ nationalId: people[5]!.nid, result: 'reserve', rank: 1, reason: 'second choice' }]));
    expect(reserve).toMatchObject({ reserves: 1, errors: [] });
    const ranks = await stack.db.select({ id: workerCycles.id, rank: workerCycles.reserveRank }).from(workerCycles).where(eq(workerCycles.campaignId, campaignId));
    const rankOf = new Map(ranks.map((r) => [r.id, r.rank]));
    expect([rankOf.get(people[2]!.cycle), rankOf.get(people[5]!.cycle)]).toEqual([1, 2]);
    const campaign = await ok(await call('GET', `/campaigns/${campaignId}`));
    expect(campaign.reserve.onList).toBe(2);
    const view = await ok(await call('GET', `/selection-sessions/${secondId}`));
    expect(view.invitations.map((i: { result: string | null; rank: number | null }) => [i.result, i.rank])).toEqual([['selected', null], ['reserve', 1]]);
  });
});
