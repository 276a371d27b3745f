// A whole season of a few hundred workers through the API, on the real servers: two employers' quotas,
// visa batches split at the consulate's weekly capacity, refusals and no-shows replaced from the reserve
// list, departures, returns, and exact final counts.
import { describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { candidates, reserveCalls, workerCycles } from '../db/schema';
import { withTestStack, uniqueSuffix, waitUntil, type TestStack } from './support';

const MAIN = 200;
const RESERVES = 10;
const WEEKLY_CAPACITY = 150;

let stack: TestStack;
withTestStack((s) => (stack = s));

const tag = Date.now().toString().slice(-5);
const nid = (i: number) => `SE${tag}${String(i).padStart(3, '0')}`;
const timings = { selectionDeadline: '10m', authorisationDeadline: '10m', visaFileDeadline: '10m', consularDecisionDeadline: '10m', consularEscalationGrace: '10m', predepartureDeadline: '10m', convocationDeadline: '10m', embarkationGrace: '20s', seasonLength: '2s', returnGrace: '10m', lateReturnWindow: '10m' };

async function call(method: 'GET' | 'POST', url: string, payload?: unknown, status?: number, csv = false) {
  const res = await stack.app.inject({ method, url, ...(payload !== undefined ? { payload: payload as string, headers: csv ? { 'content-type': 'text/csv' } : {} } : {}) });
  if (status !== undefined) expect(res.statusCode, `${method} ${url}: ${res.body.slice(0, 400)}`).toBe(status);
  return res.json();
}
/** Every item of a paged list, 100 at a time (batches of 150 members, a sailing of 200 passengers). */
async function allItems<T>(url: string): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await call('GET', `${url}?limit=100&offset=${offset}`, undefined, 200);
    out.push(...(page.items as T[]));
    if (offset + 100 >= page.total) return out;
  }
}
async function done(operationId: string | null) {
  if (!operationId) return;
  const op = await waitUntil(async () => {
    const o = await call('GET', `/bulk-operations/${operationId}`);
    return o.status === 'done' ? o : undefined;
  }, 120_000, 300);
  expect(op.refused, JSON.stringify(op.refusals.slice(0, 3))).toBe(0);
}

describe('a season of a few hundred workers', () => {
  it('runs from candidate lists to returns with quotas, capacity-split batches and reserve replacements', async () => {
    const campaignId = `season-${uniqueSuffix()}`;
    const offerFor = (employer: string, posts: number) => ({
      employer: { id: employer, name: `Finca ${employer}`, province: 'Huelva', email: `${employer.toLowerCase()}@finca.test` },
      posts, contractMonths: 6, contractStart: '2027-02-01', contractEnd: '2027-07-31',
    });
    const campaign = await call('POST', '/campaigns', {
      id: campaignId, name: 'Huelva test season', season: 2027, createdBy: 'coord', visaWeeklyCapacity: WEEKLY_CAPACITY,
      reserveCutoff: '2099-06-30', reserveCheckInterval: '1s', offers: [offerFor('B21100001', 120), offerFor('B21100002', 80)],
    }, 201);
    const [offerA, offerB] = campaign.offers.map((o: { id: string }) => o.id);
    const stage = (to: string) => call('POST', `/campaigns/${campaignId}/stage`, { to, by: 'coord' }, 200);
    await stage('registration');

    // Candidate list: 200 on the main list, 10 reserves, 3 provinces.
    const provinces = ['Kénitra', 'Larache', 'Sidi Kacem'];
    const lines = ['nationalId,firstName,lastName,birthDate,sex,province,commune,householdSituation,phone,reserveRank'];
    for (let i = 1; i <= MAIN + RESERVES; i++) {
      lines.push(`${nid(i)},Prénom${i},Nom${i},1990-01-01,${i % 10 === 0 ? 'M' : 'F'},${provinces[i % 3]},Commune,mariée,+212600000${String(i).padStart(3, '0')},${i > MAIN ? i - MAIN : ''}`);
    }
    const loaded = await call('POST', `/campaigns/${campaignId}/intake/candidates?loadedBy=coord&timings=${encodeURIComponent(JSON.stringify(timings))}`, lines.join('\n'), 201, true);
    expect(loaded).toMatchObject({ rowsTotal: MAIN + RESERVES, rowsAccepted: MAIN + RESERVES, rowsRejected: 0 });
    await done(loaded.operationId);
    await stage('preselection');
    await stage('selection');

    // Employers' selection: 120 for A, 80 for B.
    const selection = Array.from({ length: MAIN }, (_, k) => ({ nationalId: nid(k + 1), decision: 'selected', offerId: k < 120 ? offerA : offerB, decidedBy: 'employers' }));
    await done((await call('POST', `/campaigns/${campaignId}/intake/selection?loadedBy=coord`, selection, 201)).operationId);
    await stage('authorisation');

    const people = await stack.db.select({ id: candidates.id, nationalId: candidates.nationalId }).from(candidates).where(inArray(candidates.nationalId, Array.from({ length: MAIN + RESERVES }, (_, k) => nid(k + 1))));
    const nidOf = new Map(people.map((p) => [`worker-${campaignId}-${p.id}`, p.nationalId]));
    const atStage = async (s: string) => (await stack.db.select().from(workerCycles).where(eq(workerCycles.campaignId, campaignId))).filter((c) => c.stage === s).map((c) => nidOf.get(c.id)!);

    let week = Date.parse('2026-12-07');
    const nextWeek = () => { const w = new Date(week).toISOString().slice(0, 10); week += 7 * 86_400_000; return w; };
    let refusalsLeft = 4;
    const batches: { batchId: string; members: number; remainingEligible: number }[] = [];

    async function authorise(): Promise<void> {
      const selected = await atStage('selected');
      if (selected.length) {
        await done((await call('POST', `/campaigns/${campaignId}/intake/authorisations?loadedBy=coord`, selected.map((n) => ({ nationalId: n, authorisationNumber: `AUT-${n}`, issuedOn: '2026-12-01' })), 201)).operationId);
      }
    }
    /** One pass of the coordinators' work over whatever stage each worker is in. */
    async function pushForward(): Promise<void> {
      await authorise();
      // Visa batches at the consulate's weekly capacity; the first batch refuses 4 files.
      for (;;) {
        const res = await stack.app.inject({ method: 'POST', url: `/campaigns/${campaignId}/visa-batches`, payload: { weekStart: nextWeek(), createdBy: 'liaison' } });
        if (res.statusCode === 409) break;
        expect(res.statusCode, res.body).toBe(201);
        const batch = res.json();
        batches.push({ batchId: batch.batchId, members: batch.members, remainingEligible: batch.remainingEligible });
        const lodged = await call('POST', `/visa-batches/${batch.batchId}/lodge`, { lodgedOn: '2026-12-10', lodgedBy: 'liaison' }, 200);
        await done(lodged.lodgeOperationId ?? (await call('GET', `/visa-batches/${batch.batchId}`)).lodgeOperationId);
        const members = await allItems<{ nationalId: string }>(`/visa-batches/${batch.batchId}/members`);
        const rows = members.map((m) => (refusalsLeft-- > 0 ? { nationalId: m.nationalId, decision: 'refused', reason: 'documents' } : { nationalId: m.nationalId, decision: 'issued', visaNumber: `V-${m.nationalId}` }));
        await done((await call('POST', `/visa-batches/${batch.batchId}/decisions?loadedBy=liaison`, rows, 201)).operationId);
        if (batch.remainingEligible === 0) break;
      }
      const issued = await atStage('visa_issued');
      if (issued.length) {
        await done((await call('POST', `/campaigns/${campaignId}/intake/predeparture?loadedBy=coord`, issued.map((n) => ({ nationalId: n, sessionAttendedOn: '2027-01-20', contractSigned: true, returnCommitmentSigned: true })), 201)).operationId);
      }
    }

    await authorise();
    await stage('visa_processing');
    await pushForward();
    expect(batches.slice(0, 2).map((b) => [b.members, b.remainingEligible])).toEqual([[150, 50], [50, 0]]);

    // The 4 refusals free 4 posts: the campaign calls reserves 1-4, who go through authorisation and visa.
    await waitUntil(async () => (await atStage('selected')).length === 4 || undefined, 30_000);
    await pushForward();
    expect(batches[2]?.members).toBe(4);
    await stage('departures');
    await waitUntil(async () => (await atStage('ready_to_depart')).length === MAIN || undefined, 30_000);

    // One sailing for all 200; 3 do not embark.
    const sail = async (seats: number, absent: number) => {
      const dep = await call('POST', `/campaigns/${campaignId}/departures`, { departureAt: new Date(Date.now() + 30_000).toISOString(), seats, createdBy: 'coord', embarkationGrace: '20s' }, 201);
      const passengers = await allItems<{ nationalId: string }>(`/departures/${dep.departureId}/passengers`);
      await waitUntil(async () => (await atStage('convoked')).length === passengers.length || undefined, 60_000);
      const csv = ['nationalId,embarkedAt,passport,policeForm,ticket', ...passengers.slice(absent).map((p) => `${p.nationalId},${new Date().toISOString()},1,1,1`)].join('\n');
      await done((await call('POST', `/departures/${dep.departureId}/embarkations?loadedBy=port`, csv, 201, true)).operationId);
      return dep.departureId as string;
    };
    const first = await sail(MAIN, 3);
    const departed = await waitUntil(async () => {
      const d = await call('GET', `/departures/${first}`);
      return d.status === 'departed' ? d : undefined;
    }, 90_000);
    expect(departed).toMatchObject({ passengerCount: 200, embarked: 197, noShow: 3 });
    await stage('in_season');

    // The 3 no-shows are replaced by reserves 5-7, who follow on a second sailing.
    await waitUntil(async () => (await atStage('selected')).length === 3 || undefined, 30_000);
    await pushForward();
    await waitUntil(async () => (await atStage('ready_to_depart')).length === 3 || undefined, 30_000);
    await sail(3, 0);

    // Returns: everyone who embarked comes back, recorded in one file.
    await waitUntil(async () => (await atStage('awaiting_return')).length === MAIN || undefined, 60_000);
    await stage('returns');
    const back = (await atStage('awaiting_return')).map((n) => ({ nationalId: n, returnedOn: new Date().toISOString().slice(0, 10), proof: 'port_exit_record' }));
    const returns = await call('POST', `/campaigns/${campaignId}/returns?loadedBy=port`, back, 201);
    expect(returns).toMatchObject({ rowsAccepted: MAIN, rowsRejected: 0 });
    await done(returns.operationId);
    await waitUntil(async () => (await atStage('awaiting_return')).length === 0 || undefined, 60_000);

    // Exact final counts.
    const view = await call('GET', `/campaigns/${campaignId}`, undefined, 200);
    expect(view.outcomeCounts).toEqual({ returned: 200, visa_refused: 4, no_show: 3 });
    expect(view.stageCounts).toEqual({ closed: 207, preselected: 3 });
    expect(view.employers.map((e: { employerId: string; posts: number; filled: number }) => [e.employerId, e.posts, e.filled])).toEqual([['B21100001', 120, 120], ['B21100002', 80, 80]]);
    expect(view.reserve).toMatchObject({ onList: RESERVES, called: 7 });
    expect(view.provinces.reduce((n: number, p: { returned: number }) => n + p.returned, 0)).toBe(200);
    const calls = await stack.db.select().from(reserveCalls).where(eq(reserveCalls.campaignId, campaignId));
    expect(calls.filter((c) => c.status === 'selected')).toHaveLength(7);
    expect((await atStage('preselected')).sort()).toEqual([nid(208), nid(209), nid(210)]);
    // The closed season can be closed once only the uncalled reserves remain... which are still open.
    const closing = await stack.app.inject({ method: 'POST', url: `/campaigns/${campaignId}/stage`, payload: { to: 'closed', by: 'coord' } });
    expect(closing.statusCode).toBe(409);
    expect(closing.json().message).toBe('cannot move to closed: 3 worker cycles are still open');
    // the campaign's own history stays small whatever the season's size
    const described = await stack.client.workflow.getHandle(`campaign-${campaignId}`).describe();
    expect(described.historyLength).toBeLessThan(2000);
  }, 600_000);
});
