// One eligibility decision on every path into a contract: the pure rules, then every rule against every path on
// the real servers (single selection, selection file, reserve call, candidate intake), and concurrent selections
// that cannot over-fill an offer.
import { describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { candidates, offerSeats, offers, reserveCalls, workerCycles } from '../db/schema';
import { eligibilityRefusals, type EligibilityQuestion } from '../workflows/contracts/eligibility';
import { requestsTo, withTestStack, bulkOperationDone, openCampaignForSteps, uniqueSuffix, waitUntil, type TestStack } from './support';

describe('eligibility rules (pure)', () => {
  const base: EligibilityQuestion = {
    today: '2026-12-02',
    person: { otherContracts: [], passportExpiry: '2030-01-01' },
    offer: { id: 'o1', sector: 'agriculture', posts: 10, filled: 0, contractStart: '2027-02-01', contractEnd: '2027-07-31' },
  };
  const cases: [string, EligibilityQuestion, string, string][] = [
    ['blocked', { ...base, person: { ...base.person, blockedUntil: '2029-08-01', blockedReason: 'non-return (worker-x)' } }, 'nationalId', 'blocked until 2029-08-01'],
    ['nine_in_twelve', { ...base, person: { ...base.person, otherContracts: [{ start: '2027-08-01', end: '2028-01-31', label: 'c2' }] } }, 'offerId', 'at most 9 months of work'],
    ['authorisation', { ...base, person: { ...base.person, authorisation: { number: 'A1', startsOn: '2023-01-01', endsOn: '2027-03-31', status: 'active', sector: 'agriculture' } } }, 'offerId', 'after the authorisation A1 expires'],
    ['contract_length', { ...base, offer: { ...base.offer!, contractEnd: '2027-04-10' } }, 'offerId', 'at least 3 months'],
    ['contract_length', { ...base, offer: { ...base.offer!, contractStart: '2027-01-01', contractEnd: '2027-10-15' } }, 'offerId', 'at most 9 months'],
    ['passport', { ...base, person: { ...base.person, passportExpiry: '2027-05-01' } }, 'passportExpiry', 'before the contract ends'],
    ['quota', { ...base, offer: { ...base.offer!, posts: 3, filled: 3 } }, 'offerId', 'offer o1 is full: 3 of 3 posts filled'],
    ['rehire', { ...base, rehire: true, person: { ...base.person, lastSeason: { cycleId: 'c0', stage: 'closed', outcome: 'non_return', nextSeasonEligible: false } } }, 'nationalId', 'not eligible for re-hire'],
  ];
  it.each(cases)('refuses on %s, naming the field and the reason', (rule, q, field, reason) => {
    const refusals = eligibilityRefusals(q);
    expect(refusals.find((r) => r.rule === rule)).toMatchObject({ field, reason: expect.stringContaining(reason) });
  });
  it('admits a person who breaks no rule, and a contract of exactly 3 and 9 months', () => {
    expect(eligibilityRefusals(base)).toEqual([]);
    expect(eligibilityRefusals({ ...base, offer: { ...base.offer!, contractStart: '2027-03-01', contractEnd: '2027-05-31' } })).toEqual([]);
    expect(eligibilityRefusals({ ...base, offer: { ...base.offer!, contractStart: '2027-03-01', contractEnd: '2027-11-30' } })).toEqual([]);
    // a 2.7-month contract gets no tolerance
    expect(eligibilityRefusals({ ...base, offer: { ...base.offer!, contractStart: '2027-03-01', contractEnd: '2027-05-20' } }).map((r) => r.rule)).toEqual(['contract_length']);
  });
  it('gives every reason that applies at once', () => {
    const q: EligibilityQuestion = { ...base, person: { ...base.person, blockedUntil: '2029-01-01', passportExpiry: '2027-01-01' }, offer: { ...base.offer!, filled: 10 } };
    expect(eligibilityRefusals(q).map((r) => r.rule)).toEqual(['blocked', 'passport', 'quota']);
  });
});

let stack: TestStack;
withTestStack((s) => (stack = s));

const { post } = requestsTo(() => stack);
const longTimings = encodeURIComponent(JSON.stringify({ selectionDeadline: '300s', authorisationDeadline: '300s' }));
const tag = `${Date.now().toString().slice(-5)}${process.pid % 10}`;
let n = 0;
function person(overrides: Record<string, unknown> = {}) {
  n += 1;
  return { nationalId: `EL${tag}${n}`, firstName: 'Khadija', lastName: `Test${n}`, birthDate: '1990-01-01', sex: 'F', province: 'Kénitra', commune: 'Mnasra', householdSituation: 'mariée', phone: '+212600000000', passportExpiry: '2031-01-01', ...overrides };
}
function offer(employerId: string, posts: number, contractStart: string, contractEnd: string, contractMonths: number) {
  return { employer: { id: employerId, name: `Finca ${employerId}`, province: 'Huelva', email: `rh@${employerId.toLowerCase()}.test` }, posts, contractMonths, contractStart, contractEnd };
}
const operationDone = (operationId: string) => bulkOperationDone(stack.app, operationId);
async function campaignWith(offers: ReturnType<typeof offer>[], extra: Record<string, unknown> = {}) {
  const id = `el-${uniqueSuffix()}`;
  const res = await post('/campaigns', { id, name: `Campagne ${id}`, season: 2027, createdBy: 'coord', offers, ...extra });
  expect(res.statusCode, res.body).toBe(201);
  await openCampaignForSteps(stack.db, id);
  // offers in the order given (the answer lists them by ID)
  const byPosts = new Map((res.json().offers as { id: string; posts: number }[]).map((o) => [o.posts, o.id]));
  return { id, offerIds: offers.map((o) => byPosts.get(o.posts)!) };
}
/** Loads people into a campaign and waits for their cycles; returns national ID -> cycle ID. */
async function load(campaignId: string, people: ReturnType<typeof person>[]) {
  const res = await post(`/campaigns/${campaignId}/intake/candidates?loadedBy=coord&timings=${longTimings}`, people);
  expect(res.statusCode, res.body).toBe(201);
  if (res.json().operationId) await operationDone(res.json().operationId);
  const rows = await stack.db.select({ id: workerCycles.id, nid: candidates.nationalId }).from(workerCycles).innerJoin(candidates, eq(candidates.id, workerCycles.candidateId)).where(eq(workerCycles.campaignId, campaignId));
  return { result: res.json(), cycles: new Map(rows.map((r) => [r.nid, r.id])) };
}
async function block(nationalId: string) {
  await stack.db.update(candidates).set({ blockedUntil: '2029-08-01', blockedReason: 'non-return in 2026' }).where(eq(candidates.nationalId, nationalId));
}

describe('every path asks the same eligibility decision', () => {
  it('refuses each rule on the single selection, the selection file and the candidate intake, naming the field', async () => {
    const E = `B21${tag.slice(-6)}`;
    const main = await campaignWith([offer(E, 20, '2027-02-01', '2027-07-31', 6), offer(`${E.slice(0, -1)}9`, 1, '2027-02-01', '2027-07-31', 6)]);
    const [ok, full] = main.offerIds as [string, string];
    // An offer shorter than 3 months can no longer be created (same rule); one from before the rule is refused by the gate.
    const [okRow] = await stack.db.select().from(offers).where(eq(offers.id, ok));
    const short = `${ok}-short`;
    await stack.db.insert(offers).values({ ...okRow!, id: short, posts: 5, contractEnd: '2027-04-12', createdAt: new Date() });
    const refusedOffer = await post('/campaigns', { id: `el-${uniqueSuffix()}`, name: 'x', season: 2027, createdBy: 'coord', offers: [offer(E, 5, '2027-02-01', '2027-04-12', 3)] });
    expect(refusedOffer.statusCode).toBe(422);
    expect(refusedOffer.json().issues).toContainEqual({ field: 'body.offers.0.contractEnd', reason: expect.stringMatching(/lasts 2.4 months: a seasonal contract lasts at least 3 months/) });
    const later = await campaignWith([offer(`${E.slice(0, -1)}7`, 5, '2027-08-01', '2028-01-31', 6)]);
    const people = { fine: person(), blocked: person(), passport: person({ passportExpiry: '2027-05-01' }), busy: person(), filler: person(), fine2: person(), blocked2: person() };
    const { cycles } = await load(main.id, Object.values(people));
    await block(people.blocked.nationalId);
    await block(people.blocked2.nationalId);
    const { cycles: laterCycles } = await load(later.id, [people.busy]);
    // `busy` is bound to Feb–Jul 2027 in the main campaign; the later contract (Aug 2027–Jan 2028) makes 12 months in 12
    const select = (nid: string, offerId: string, campaign = cycles) => post(`/cycles/${campaign.get(nid)}/selection`, { decision: 'selected', offerId, decidedBy: 'employer' });
    expect((await select(people.busy.nationalId, ok)).statusCode).toBe(200);
    const fill = await select(people.filler.nationalId, full);
    expect(fill.statusCode, fill.body).toBe(200);

    // single selection: one refusal per rule, each naming its field
    const single: [string, string, number, string, RegExp][] = [
      [people.blocked.nationalId, ok, 422, 'body.nationalId', /blocked until 2029-08-01/],
      [people.passport.nationalId, ok, 422, 'body.passportExpiry', /passport expires 2027-05-01/],
      [people.fine.nationalId, short, 422, 'body.offerId', /at least 3 months/],
      [people.fine.nationalId, full, 409, 'body.offerId', new RegExp(`offer ${full} is full: 1 of 1 posts filled`)],
    ];
    for (const [nid, offerId, status, field, reason] of single) {
      const res = await select(nid, offerId);
      expect(res.statusCode, `${nid} on ${offerId}: ${res.body}`).toBe(status);
      expect(res.json().issues).toContainEqual({ field, reason: expect.stringMatching(reason) });
    }
    const nine = await select(people.busy.nationalId, laterOffer(later), laterCycles);
    expect(nine.statusCode).toBe(422);
    expect(nine.json().issues).toContainEqual({ field: 'body.offerId', reason: expect.stringMatching(/at most 9 months of work in any 12-month period/) });
    // refused selections hold no seat and change no cycle
    expect(await stack.db.select().from(offerSeats).where(inArray(offerSeats.cycleId, [cycles.get(people.blocked.nationalId)!, cycles.get(people.passport.nationalId)!]))).toEqual([]);

    // the selection file: the same refusals, by line
    const file = await post(`/campaigns/${main.id}/intake/selection?loadedBy=coord`, [
      { nationalId: people.blocked2.nationalId, decision: 'selected', offerId: ok, decidedBy: 'employer' },
      { nationalId: people.passport.nationalId, decision: 'selected', offerId: ok, decidedBy: 'employer' },
      { nationalId: people.fine.nationalId, decision: 'selected', offerId: full, decidedBy: 'employer' },
      { nationalId: people.fine2.nationalId, decision: 'selected', offerId: short, decidedBy: 'employer' },
      { nationalId: people.fine.nationalId.replace(/\d$/, 'x'), decision: 'selected', offerId: ok, decidedBy: 'employer' },
    ]);
    expect(file.statusCode, file.body).toBe(201);
    const errors = file.json().errors as { line: number; field: string; reason: string }[];
    expect(errors.map((e) => [e.line, e.field])).toEqual([[1, 'nationalId'], [2, 'passportExpiry'], [3, 'offerId'], [4, 'offerId'], [5, 'nationalId']]);
    expect(errors[2]!.reason).toMatch(/is full: 1 of 1/);
    expect(file.json().rowsAccepted).toBe(0);

    // candidate intake: a blocked person is reported on the row, not kept
    const again = await post(`/campaigns/${later.id}/intake/candidates?loadedBy=coord`, [person(), { ...people.blocked, nationalId: people.blocked.nationalId }]);
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toMatchObject({ rowsTotal: 2, rowsAccepted: 1, errors: [{ line: 2, field: 'nationalId', reason: expect.stringMatching(/blocked until 2029-08-01/) }] });
  });

  it('fills an offer with 5 posts from 20 concurrent selections: exactly 5 applied, 15 refused with 409 naming the offer and its fill', async () => {
    const c = await campaignWith([offer(`B29${tag.slice(-6)}`, 5, '2027-02-01', '2027-07-31', 6)]);
    const people = Array.from({ length: 20 }, () => person());
    const { cycles } = await load(c.id, people);
    const answers = await Promise.all(people.map((p) => post(`/cycles/${cycles.get(p.nationalId)}/selection`, { decision: 'selected', offerId: c.offerIds[0], decidedBy: 'employer' })));
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(15);
    for (const a of answers.filter((x) => x.statusCode === 409)) expect(a.json().message).toBe(`offer ${c.offerIds[0]} is full: 5 of 5 posts filled`);
    const selected = await stack.db.select().from(workerCycles).where(eq(workerCycles.campaignId, c.id));
    expect(selected.filter((r) => r.offerId === c.offerIds[0])).toHaveLength(5);
  });

  it('skips a blocked reserve and selects the next one; the call records why', async () => {
    const id = `el-${uniqueSuffix()}`;
    const res = await post('/campaigns', { id, name: `Campagne ${id}`, season: 2027, createdBy: 'coord', reserveCheckInterval: '1s', reserveCutoff: '2099-12-31', offers: [offer(`B28${tag.slice(-6)}`, 2, '2027-02-01', '2027-07-31', 6)] });
    const offerId = res.json().offers[0].id as string;
    const main1 = person();
    const main2 = person();
    const blockedReserve = person({ reserveRank: 1 });
    const nextReserve = person({ reserveRank: 2 });
    const { cycles } = await load(id, [main1, main2, blockedReserve, nextReserve]);
    await block(blockedReserve.nationalId);
    for (const to of ['registration', 'preselection', 'selection']) expect((await post(`/campaigns/${id}/stage`, { to, by: 'coord' })).statusCode).toBe(200);
    for (const p of [main1, main2]) expect((await post(`/cycles/${cycles.get(p.nationalId)}/selection`, { decision: 'selected', offerId, decidedBy: 'employer' })).statusCode).toBe(200);
    expect((await post(`/cycles/${cycles.get(main1.nationalId)}/withdrawal`, { reason: 'family', recordedBy: 'agency' })).statusCode).toBe(202);

    const calls = await waitUntil(async () => {
      const rows = await stack.db.select().from(reserveCalls).where(eq(reserveCalls.campaignId, id));
      return rows.some((r) => r.status === 'selected') ? rows : undefined;
    }, 30_000);
    expect(calls.find((r) => r.reserveCycleId === cycles.get(blockedReserve.nationalId))).toMatchObject({ status: 'refused', reason: expect.stringMatching(/blocked until 2029-08-01/) });
    expect(calls.find((r) => r.status === 'selected')?.reserveCycleId).toBe(cycles.get(nextReserve.nationalId));
    const view = (await stack.app.inject({ method: 'GET', url: `/campaigns/${id}` })).json();
    expect(view.reserve).toMatchObject({ called: 1, refused: 1, refusals: [{ reserveCycleId: cycles.get(blockedReserve.nationalId), reason: expect.stringMatching(/blocked until 2029-08-01/) }] });
    const blockedRow = (await stack.db.select().from(workerCycles).where(eq(workerCycles.id, cycles.get(blockedReserve.nationalId)!)))[0]!;
    expect(blockedRow.stage).toBe('preselected');
  });
});

describe('the campaign stage gates the steps; an Idempotency-Key makes a retried step answer the first result', () => {
  it('refuses a selection while the campaign is in draft, then takes it once; a retry with the same key gets 200, not 409', async () => {
    const id = `el-${uniqueSuffix()}`;
    const res = await post('/campaigns', { id, name: `Campagne ${id}`, season: 2027, createdBy: 'coord', offers: [offer(`B27${tag.slice(-6)}`, 3, '2027-02-01', '2027-07-31', 6)] });
    const offerId = res.json().offers[0].id as string;
    const p = person();
    const { cycles } = await load(id, [p]);
    const cycleId = cycles.get(p.nationalId)!;
    const early = await post(`/cycles/${cycleId}/selection`, { decision: 'selected', offerId, decidedBy: 'employer' });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ status: 409, title: 'Conflict', detail: expect.stringMatching(/campaign .* is at draft/), issues: [{ field: 'campaign.stage' }] });
    const file = await post(`/campaigns/${id}/intake/selection?loadedBy=coord`, [{ nationalId: p.nationalId, decision: 'selected', offerId, decidedBy: 'employer' }]);
    expect(file.statusCode).toBe(409);

    await openCampaignForSteps(stack.db, id);
    const send = () => stack.app.inject({ method: 'POST', url: `/cycles/${cycleId}/selection`, headers: { 'idempotency-key': `sel-${cycleId}` }, payload: { decision: 'selected', offerId, decidedBy: 'employer' } });
    const first = await send();
    expect(first.statusCode, first.body).toBe(200);
    const retry = await send();
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().stage).toBe('selected');
    expect(retry.json().steps.filter((s: { step: string }) => s.step === 'selection')).toHaveLength(1);
    expect(await stack.db.select().from(offerSeats).where(eq(offerSeats.offerId, offerId))).toHaveLength(1);
    // without the key, the same step again is out of order
    expect((await post(`/cycles/${cycleId}/selection`, { decision: 'selected', offerId, decidedBy: 'employer' })).statusCode).toBe(409);
  });
});

function laterOffer(later: { offerIds: string[] }): string {
  return later.offerIds[0]!;
}
