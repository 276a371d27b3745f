// A 300-worker season walked through on the real servers, as the sources describe it (`npm run walkthrough`; not
// part of `npm test`): two campaigns lodge at one consulate and share its weeks, a passport expiring before the
// contract end is left out of a batch, a sailing is planned for one employer with the port's handover recorded, a
// worker passes her trial period, one is hired in Spain on a stable contract, one returns early after her trial
// period ended, one changes employer through the eligibility gate, a complaint is escalated, and everyone else comes
// home on return sailings. The counts that prove each rule held go to .data/walkthrough-season-300.json.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { candidates, workerCycles } from '../../db/schema';
import { waitUntil, withTestStack, type TestStack } from '../support';

let stack: TestStack;
withTestStack((s) => (stack = s));

const WEEKLY_PLACES = 200;
const tag = Date.now().toString().slice(-5);
const timings = { selectionDeadline: '10m', authorisationDeadline: '10m', visaFileDeadline: '10m', consularDecisionDeadline: '10m', consularEscalationGrace: '10m', predepartureDeadline: '10m', convocationDeadline: '10m', embarkationGrace: '1h', seasonLength: '30m', returnGrace: '10m', lateReturnWindow: '10m' };
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

async function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, status?: number) {
  const csv = typeof payload === 'string';
  const res = await stack.app.inject({ method, url, ...(payload !== undefined ? { payload: payload as string, headers: csv ? { 'content-type': 'text/csv' } : {} } : {}) });
  if (status !== undefined) expect(res.statusCode, `${method} ${url}: ${res.body.slice(0, 400)}`).toBe(status);
  return { status: res.statusCode, ...(res.body ? res.json() : {}) };
}
async function allItems<T>(url: string): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await call('GET', `${url}${url.includes('?') ? '&' : '?'}limit=100&offset=${offset}`, undefined, 200);
    out.push(...(page.items as T[]));
    if (offset + 100 >= page.total) return out;
  }
}
async function done(operationId: string | null | undefined) {
  if (!operationId) return;
  const op = await waitUntil(async () => {
    const o = await call('GET', `/bulk-operations/${operationId}`);
    return o.status === 'done' ? o : undefined;
  }, 180_000, 300);
  expect(op.refused, JSON.stringify(op.refusals?.slice(0, 3))).toBe(0);
  return op;
}

interface Campaign {
  id: string;
  prefix: string;
  workers: number;
  offers: string[];
  employers: string[];
}

describe('a 300-worker season as the sources describe it', () => {
  it('walks two campaigns through a shared consulate, the port, the season and the return', async () => {
    const consulateId = `walk-${tag}`;
    await call('PUT', `/consulates/${consulateId}`, { name: 'Consulado General (walk-through)', city: 'Rabat', weeklyCapacity: WEEKLY_PLACES }, 200);
    const nid = (c: Campaign, i: number) => `${c.prefix}${tag}${String(i).padStart(3, '0')}`;
    const offer = (employer: string, posts: number) => ({
      employer: { id: employer, name: `Finca ${employer}`, province: 'Huelva', email: `${employer.toLowerCase()}@finca.test` },
      posts, contractMonths: 6, contractStart: '2027-02-01', contractEnd: '2027-07-31',
    });
    async function open(prefix: string, workers: number, posts: [number, number], split: number): Promise<Campaign & { split: number }> {
      const id = `walk-${prefix.toLowerCase()}-${tag}`;
      const employers = [`B2${tag}${prefix === 'WA' ? '11' : '21'}`, `B2${tag}${prefix === 'WA' ? '12' : '22'}`];
      const created = await call('POST', '/campaigns', {
        id, name: `Walk-through ${prefix}`, season: 2027, consulateId, reserveCutoff: '2099-06-30', reserveCheckInterval: '1s',
        offers: [offer(employers[0]!, posts[0]), offer(employers[1]!, posts[1])],
      }, 201);
      return { id, prefix, workers, split, offers: created.offers.map((o: { id: string }) => o.id), employers };
    }
    const A = await open('WA', 200, [120, 80], 120);
    const B = await open('WB', 100, [90, 20], 90);
    const stage = (c: Campaign, to: string) => call('POST', `/campaigns/${c.id}/stage`, { to }, 200);
    const provinces = ['Kénitra', 'Larache', 'Sidi Kacem'];
    const cycleOf = new Map<string, string>();

    // --- candidates, employers' selection, work authorisations -------------------------------------------
    for (const c of [A, B]) {
      await stage(c, 'registration');
      const lines = ['nationalId,firstName,lastName,birthDate,sex,province,commune,householdSituation,phone,passportNumber,passportExpiry'];
      for (let i = 1; i <= c.workers; i++) lines.push(`${nid(c, i)},Prénom${i},Nom${i},1990-01-01,${i % 10 === 0 ? 'M' : 'F'},${provinces[i % 3]},Commune,mariée,+212600${tag.slice(0, 3)}${String(i).padStart(3, '0')},P${tag}${i},2030-01-01`);
      const loaded = await call('POST', `/campaigns/${c.id}/intake/candidates?timings=${encodeURIComponent(JSON.stringify(timings))}`, lines.join('\n'), 201);
      expect(loaded).toMatchObject({ rowsAccepted: c.workers, rowsRejected: 0 });
      await done(loaded.operationId);
      await stage(c, 'preselection');
      await stage(c, 'selection');
      const rows = Array.from({ length: c.workers }, (_, k) => ({ nationalId: nid(c, k + 1), decision: 'selected', offerId: k < c.split ? c.offers[0] : c.offers[1] }));
      await done((await call('POST', `/campaigns/${c.id}/intake/selection`, rows, 201)).operationId);
      await stage(c, 'authorisation');
      await done((await call('POST', `/campaigns/${c.id}/intake/authorisations`, rows.map((r) => ({ nationalId: r.nationalId, authorisationNumber: `AUT-${r.nationalId}`, issuedOn: '2026-12-01' })), 201)).operationId);
      await stage(c, 'visa_processing');
      const people = await stack.db.select({ id: candidates.id, nationalId: candidates.nationalId }).from(candidates).where(inArray(candidates.nationalId, rows.map((r) => r.nationalId)));
      for (const p of people) cycleOf.set(p.nationalId, `worker-${c.id}-${p.id}`);
    }
    const cycle = (c: Campaign, i: number) => cycleOf.get(nid(c, i))!;
    const stageOf = async (c: Campaign) => (await stack.db.select({ id: workerCycles.id, stage: workerCycles.stage, employerId: workerCycles.employerId }).from(workerCycles).where(eq(workerCycles.campaignId, c.id)));

    // --- the consulate's weeks, shared: A's passport problem, B's overflow into the next week --------------
    // the agency learns that A's worker 5 has a passport expiring before her contract ends (renewal pending)
    await stack.db.update(candidates).set({ passportExpiry: '2027-05-01' }).where(eq(candidates.nationalId, nid(A, 5)));
    const assemble = (c: Campaign, weekStart: string) => call('POST', `/campaigns/${c.id}/visa-batches`, { weekStart }, 201);
    const a1 = await assemble(A, '2026-12-07');
    const b1 = await assemble(B, '2026-12-09'); // the Wednesday of the same ISO week: the same week's places
    const b2 = await assemble(B, '2026-12-14');
    const batches = [a1, b1, b2];
    for (const b of batches) {
      await done((await call('POST', `/visa-batches/${b.batchId}/lodge`, { lodgedOn: b.weekStart }, 200)).lodgeOperationId ?? (await call('GET', `/visa-batches/${b.batchId}`)).lodgeOperationId);
      const members = await allItems<{ nationalId: string }>(`/visa-batches/${b.batchId}/members`);
      await done((await call('POST', `/visa-batches/${b.batchId}/decisions`, members.map((m) => ({ nationalId: m.nationalId, decision: 'issued', visaNumber: `V-${m.nationalId}` })), 201)).operationId);
    }
    const weeks = await call('GET', `/consulates/${consulateId}/weeks?from=2026-12-07&weeks=2`, undefined, 200);
    const consular = {
      weeklyPlaces: WEEKLY_PLACES,
      batches: batches.map((b) => ({ campaignId: b.campaignId, weekStart: b.weekStart, members: b.members, remainingEligible: b.remainingEligible, refusedPassports: b.refusedPassports.length, nextWeeks: b.nextWeeks })),
      weeks: weeks.items ?? weeks.weeks ?? weeks,
    };
    expect(a1).toMatchObject({ weekStart: '2026-12-07', members: 199, refusedPassports: [expect.objectContaining({ cycleId: cycle(A, 5), field: 'passportExpiry' })] });
    expect(b1).toMatchObject({ weekStart: '2026-12-07', members: 1, remainingEligible: 99 });
    expect(b1.nextWeeks[0]).toMatchObject({ weekStart: '2026-12-14' });
    expect(b2).toMatchObject({ weekStart: '2026-12-14', members: 99, remainingEligible: 0 });

    // --- pre-departure, then sailings by employer with the port's handover ------------------------------
    for (const c of [A, B]) {
      const issued = (await stageOf(c)).filter((r) => r.stage === 'visa_issued').map((r) => r.id);
      const nids = [...cycleOf].filter(([, id]) => issued.includes(id)).map(([n]) => n);
      await done((await call('POST', `/campaigns/${c.id}/intake/predeparture`, nids.map((n) => ({ nationalId: n, sessionAttendedOn: '2027-01-20', contractSigned: true, returnCommitmentSigned: true })), 201)).operationId);
      await waitUntil(async () => (await stageOf(c)).filter((r) => r.stage === 'ready_to_depart').length === nids.length || undefined, 60_000);
      await stage(c, 'departures');
    }
    const sailings: Record<string, unknown>[] = [];
    async function sail(c: Campaign, seats: number, employerId: string | undefined, handover: 'checklist' | 'sheet') {
      const dep = await call('POST', `/campaigns/${c.id}/departures`, { departureAt: inMinutes(60), seats, embarkationGrace: '1h', ...(employerId ? { employerId } : {}) }, 201);
      const passengers = await allItems<{ nationalId: string; cycleId: string }>(`/departures/${dep.departureId}/passengers`);
      await waitUntil(async () => {
        const rows = await stack.db.select({ stage: workerCycles.stage }).from(workerCycles).where(inArray(workerCycles.id, passengers.map((p) => p.cycleId)));
        return rows.every((r) => r.stage === 'convoked') || undefined;
      }, 120_000);
      const employersAboard = new Set((await stack.db.select({ e: workerCycles.employerId }).from(workerCycles).where(inArray(workerCycles.id, passengers.map((p) => p.cycleId)))).map((r) => r.e));
      const at = new Date().toISOString();
      let refusedForHandover = 0;
      if (handover === 'checklist') {
        // the port ticks every passenger but the last, whose ticket is not there yet
        const checklist = await call('POST', `/departures/${dep.departureId}/handovers`, passengers.slice(0, -1).map((p) => ({ nationalId: p.nationalId, passport: true, policeForm: true, ticket: true })), 200);
        expect(checklist).toMatchObject({ rowsRecorded: passengers.length - 1, stillMissing: 1 });
        const file = await call('POST', `/departures/${dep.departureId}/embarkations`, passengers.map((p) => ({ nationalId: p.nationalId, embarkedAt: at })), 201);
        refusedForHandover = file.errors.filter((e: { field: string }) => e.field === 'handover').length;
        expect(file).toMatchObject({ rowsAccepted: passengers.length - 1, rowsRejected: 1 });
        await done(file.operationId);
        const last = passengers.at(-1)!;
        await call('PUT', `/departures/${dep.departureId}/passengers/${last.cycleId}/handover`, { passport: true, policeForm: true, ticket: false, exception: 'ticket issued at the gangway by the shipping line' }, 200);
        await call('POST', `/cycles/${last.cycleId}/embarkation`, { embarkedAt: new Date().toISOString() }, 200);
      } else {
        const csv = ['nationalId,embarkedAt,passport,policeForm,ticket', ...passengers.map((p) => `${p.nationalId},${at},1,1,1`)].join('\n');
        await done((await call('POST', `/departures/${dep.departureId}/embarkations`, csv, 201)).operationId);
      }
      sailings.push({ campaignId: c.id, departureId: dep.departureId, plannedFor: employerId ?? 'any employer', passengers: passengers.length, employersAboard: [...employersAboard], refusedForHandover });
      return { passengers, employersAboard };
    }
    const forOneFarm = await sail(A, 200, A.employers[1], 'checklist');
    expect(forOneFarm.passengers).toHaveLength(80);
    expect([...forOneFarm.employersAboard]).toEqual([A.employers[1]]);
    await sail(A, 200, undefined, 'sheet');
    await sail(B, 200, undefined, 'sheet');
    for (const c of [A, B]) {
      const expected = c === A ? 199 : 100;
      await waitUntil(async () => (await stageOf(c)).filter((r) => r.stage === 'in_season').length === expected || undefined, 120_000);
      await stage(c, 'in_season');
    }

    // --- the season: trial periods, a stable hire, an early return, an employer change, a complaint ---------
    await call('POST', `/cycles/${cycle(A, 3)}/trial-period`, { outcome: 'passed', decidedOn: '2027-02-15' }, 200);
    const stable = await call('POST', `/cycles/${cycle(A, 1)}/season-outcome`, { outcome: 'stable_hire', occurredOn: '2027-05-02', employmentReference: 'SEPE-CT-2027-00417' }, 200);
    await call('POST', `/cycles/${cycle(A, 2)}/trial-period`, { outcome: 'ended', decidedOn: '2027-02-20', endedBy: 'employer' }, 200);
    const early = await call('POST', `/cycles/${cycle(A, 2)}/season-outcome`, { outcome: 'early_return', occurredOn: '2027-02-22', reason: 'trial_ended', endedBy: 'employer', returnProof: 'port_exit_record' }, 200);
    // B's worker 1 moves from the first farm to the second (20 posts, 10 filled): the gate admits her
    const change = await call('POST', `/cycles/${cycle(B, 1)}/cases`, { kind: 'employer_change', details: 'the farm has no more work after the frost', newOfferId: B.offers[1] }, 201);
    // the gate refuses another campaign's offer
    const refusedChange = await call('POST', `/cycles/${cycle(B, 2)}/cases`, { kind: 'employer_change', details: 'wants to join her sister', newOfferId: A.offers[0] });
    expect(refusedChange.status).toBe(422);
    // a wage complaint nobody answers in time is escalated to the agency and the consulate's labour office
    const complaint = await call('POST', `/cycles/${cycle(A, 10)}/cases`, { kind: 'wage_complaint', details: 'two weeks of wages unpaid', timings: { responseDeadline: '2s', escalationGrace: '1m' } }, 201);
    const escalated = await waitUntil(async () => {
      const cases = await call('GET', `/cycles/${cycle(A, 10)}/cases`, undefined, 200);
      const found = (cases.items ?? cases).find((x: { caseId: number }) => x.caseId === complaint.caseId);
      return found?.status === 'escalated' ? found : undefined;
    }, 60_000);
    const caseReport = await call('GET', '/reports/seasons/2027/in-season-cases', undefined, 200);

    // --- home: return sailings, their arrivals lists -------------------------------------------------------
    const returnSailings: Record<string, unknown>[] = [];
    for (const c of [A, B]) {
      const planned = await call('POST', `/campaigns/${c.id}/return-sailings`, { departureAt: inMinutes(120), seats: 2000 }, 201);
      const aboard = await allItems<{ nationalId: string }>(`/departures/${planned.departureId}/passengers`);
      const arrivals = await call('POST', `/departures/${planned.departureId}/arrivals`, aboard.map((p) => ({ nationalId: p.nationalId, arrivedOn: today() })), 201);
      await done(arrivals.operationId);
      returnSailings.push({ campaignId: c.id, departureId: planned.departureId, passengers: aboard.length, arrivalsRecorded: arrivals.rowsAccepted });
    }
    for (const c of [A, B]) await waitUntil(async () => (await stageOf(c)).filter((r) => r.stage === 'in_season' || r.stage === 'awaiting_return').length === 0 || undefined, 120_000);

    // --- the counts ---------------------------------------------------------------------------------------
    const views = await Promise.all([A, B].map((c) => call('GET', `/campaigns/${c.id}`, undefined, 200)));
    const byEmployer = (caseReport.employers ?? caseReport.rows ?? []).filter((r: { employerId: string }) => [...A.employers, ...B.employers].includes(r.employerId));
    const result = {
      consular,
      sailings,
      returnSailings,
      season: {
        trialPassed: cycle(A, 3),
        stableHire: { cycleId: cycle(A, 1), outcome: stable.outcome, nextSeasonEligible: stable.nextSeasonEligible },
        earlyReturn: { cycleId: cycle(A, 2), outcome: early.outcome, nextSeasonEligible: early.nextSeasonEligible },
        employerChange: { from: change.employerId, to: change.newEmployerId, status: change.status },
        employerChangeRefused: { status: refusedChange.status, issues: refusedChange.issues },
        complaintEscalated: { kind: escalated.kind, status: escalated.status, escalatedAt: escalated.escalatedAt },
        casesByEmployer: byEmployer,
      },
      campaigns: views.map((v) => ({ id: v.id, outcomeCounts: v.outcomeCounts, stageCounts: v.stageCounts, employers: v.employers.map((e: { employerId: string; posts: number; filled: number }) => ({ employerId: e.employerId, posts: e.posts, filled: e.filled })) })),
    };
    fs.mkdirSync('.data', { recursive: true });
    fs.writeFileSync('.data/walkthrough-season-300.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));

    expect(stable).toMatchObject({ outcome: 'stable_hire' });
    expect(early).toMatchObject({ outcome: 'early_return', nextSeasonEligible: true });
    expect(change).toMatchObject({ kind: 'employer_change', newEmployerId: B.employers[1] });
    expect(views[0].outcomeCounts).toEqual({ returned: 197, stable_hire: 1, early_return: 1 });
    expect(views[0].stageCounts).toMatchObject({ closed: 199, authorised: 1 });
    expect(views[1].outcomeCounts).toEqual({ returned: 100 });
    // the employer change moved its seat: the first farm holds 89 of its 90 posts, the second 11 of its 20
    expect(views[1].employers.map((e: { filled: number }) => e.filled)).toEqual([89, 11]);
  }, 1_800_000);
});
