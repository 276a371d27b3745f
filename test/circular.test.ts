// The multi-year circular framework on the real servers: four seasons for one worker, re-hire by name,
// a non-return in year two ending the framework, the 9-in-12 rule, and the reintegration track.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { temporal } from '@temporalio/proto';
import { candidates, workAuthorisations, workerCycles } from '../db/schema';
import { withTestStack, fastTimings, sampleCandidate, uniqueSuffix, waitUntil, openCampaignForSteps, type TestStack } from './support';

let stack: TestStack;
withTestStack((s) => (stack = s));

const post = async (url: string, payload: unknown, status?: number) => {
  const res = await stack.app.inject({ method: 'POST', url, payload: payload as object });
  if (status !== undefined) expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
  return res;
};
const by = { recordedBy: 'agent@anapec.test' };
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const run = uniqueSuffix();
const employerId = `B21${run.slice(-6).toUpperCase().replace(/[^A-Z0-9]/g, '0')}`;

async function campaignFor(season: number, opts: { start?: string; end?: string; months?: number } = {}) {
  const id = `cf-${season}-${uniqueSuffix()}`;
  const res = await post('/campaigns', {
    id,
    name: `Campagne ${season}`,
    season,
    createdBy: 'coord',
    offers: [
      {
        employer: { id: employerId, name: 'Berries Moguer SL', province: 'Huelva', email: 'rh@berries.test' },
        kind: 'named',
        posts: 10,
        contractMonths: opts.months ?? 6,
        contractStart: opts.start ?? `${season}-02-01`,
        contractEnd: opts.end ?? `${season}-07-31`,
      },
    ],
  }, 201);
  await openCampaignForSteps(stack.db, id);
  return { id, offerId: res.json().offers[0].id as string };
}

async function closedRow(cycleId: string) {
  return waitUntil(async () => {
    const [row] = await stack.db.select().from(workerCycles).where(eq(workerCycles.id, cycleId));
    return row?.stage === 'closed' ? row : undefined;
  }, 40_000);
}

/** From 'authorised' to the end of the season: visa, pre-departure, convocation, embarkation, return (or not). */
async function fromAuthorisedToEnd(cycleId: string, opts: { returns: boolean }) {
  await waitUntil(async () => (await stack.app.inject({ method: 'GET', url: `/cycles/${cycleId}` })).json().state?.stage === 'authorised');
  await post(`/cycles/${cycleId}/visa-file`, { fileReference: `VF-${cycleId}`, submittedOn: '2026-12-05', submittedBy: 'liaison' }, 200);
  await post(`/cycles/${cycleId}/consular-decision`, { decision: 'issued', visaNumber: `V-${cycleId.slice(-8)}`, ...by }, 200);
  await post(`/cycles/${cycleId}/predeparture`, { sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: true, ...by }, 200);
  await post(`/cycles/${cycleId}/convocation`, { departureAt: inSeconds(3), port: 'Tanger Ville', ...by }, 200);
  await post(`/cycles/${cycleId}/embarkation`, { embarkedAt: new Date().toISOString(), ...by }, 200);
  if (opts.returns) {
    await waitUntil(async () => (await stack.app.inject({ method: 'GET', url: `/cycles/${cycleId}` })).json().state?.stage === 'awaiting_return');
    await post(`/cycles/${cycleId}/return`, { returnedOn: '2027-08-02', proof: 'passport_stamp', ...by }, 200);
  }
  return closedRow(cycleId);
}

async function firstSeason(campaign: { id: string; offerId: string }, person: Record<string, unknown>, timings = fastTimings) {
  const c = (await post('/candidates', person, 201)).json();
  const cycleId = (await post(`/campaigns/${campaign.id}/cycles`, { candidateId: c.id, startedBy: 'coord', timings }, 201)).json().cycleId as string;
  await waitUntil(async () => (await stack.app.inject({ method: 'GET', url: `/cycles/${cycleId}` })).json().state?.waitingFor);
  await post(`/cycles/${cycleId}/selection`, { decision: 'selected', offerId: campaign.offerId, decidedBy: 'employer' }, 200);
  await post(`/cycles/${cycleId}/authorisation`, { authorisationNumber: `MY-${cycleId.split('-').slice(-2).join('-')}`, issuedOn: '2026-12-01', ...by }, 200);
  return { candidateId: c.id as number, cycleId };
}

function keepHistory(name: string, cycleId: string) {
  return stack.client.workflow.getHandle(cycleId).fetchHistory().then((h) => {
    fs.mkdirSync('.data/histories', { recursive: true });
    fs.writeFileSync(path.join('.data/histories', `${name}.history.pb`), temporal.api.history.v1.History.encode(h).finish());
  });
}

describe('multi-year circular framework', () => {
  it('runs four seasons in a row for one worker: one selection, one 4-year authorisation, three re-hires by name', async () => {
    const person = sampleCandidate();
    const c2027 = await campaignFor(2027);
    const first = await firstSeason(c2027, person);
    const row1 = await fromAuthorisedToEnd(first.cycleId, { returns: true });
    expect(row1).toMatchObject({ outcome: 'returned', nextSeasonEligible: true });
    const [auth] = await stack.db.select().from(workAuthorisations).where(eq(workAuthorisations.candidateId, first.candidateId));
    expect(auth).toMatchObject({ startsOn: '2026-12-01', endsOn: '2030-12-01', status: 'active', sector: 'agriculture' });

    let last = first.cycleId;
    for (const season of [2028, 2029, 2030]) {
      const campaign = await campaignFor(season);
      const request = { nationalId: person.nationalId, offerId: campaign.offerId, requestedBy: 'rh@berries.test', timings: fastTimings };
      const res = await post(`/campaigns/${campaign.id}/rehires`, request, 201);
      last = res.json().cycleId;
      // The same request again (a client retrying) finds the cycle it started.
      expect((await post(`/campaigns/${campaign.id}/rehires`, request, 200)).json()).toEqual({ cycleId: last, created: false });
      const row = await fromAuthorisedToEnd(last, { returns: true });
      expect(row).toMatchObject({ outcome: 'returned', rehire: true, authorisationNumber: auth!.number });
    }
    // The re-hired seasons skipped the selection and the new authorisation.
    const steps = (await stack.app.inject({ method: 'GET', url: `/cycles/${last}` })).json().audit.map((a: { step: string }) => a.step);
    expect(steps.slice(0, 3)).toEqual(['preselection', 'rehire_by_name', 'authorisation_reused']);

    const history = (await stack.app.inject({ method: 'GET', url: `/candidates/${first.candidateId}/history` })).json();
    expect(history.seasons.map((s: { season: number; outcome: string; rehire: boolean }) => [s.season, s.outcome, s.rehire])).toEqual([
      [2027, 'returned', false], [2028, 'returned', true], [2029, 'returned', true], [2030, 'returned', true],
    ]);
    expect(history.authorisations).toHaveLength(1);
    expect(history.monthsWorked).toBeCloseTo(24, 0);
    expect(history.seasons[3].documents.map((d: { kind: string }) => d.kind).sort()).toEqual(['convocation', 'employment_contract', 'predeparture_sheet', 'return_commitment']);

    // A fifth season would run past the 4-year authorisation.
    const c2031 = await campaignFor(2031);
    const fifth = await post(`/campaigns/${c2031.id}/rehires`, { nationalId: person.nationalId, offerId: c2031.offerId, requestedBy: 'rh@berries.test' }, 422);
    expect(fifth.json().message).toMatch(/after the authorisation .* expires \(2030-12-01\)/);

    // Reintegration after return: steps and the outcome are tracked and reported.
    await post(`/candidates/${first.candidateId}/reintegration`, { programme: `WAFIRA-${run}`, enrolledOn: '2030-09-01', enrolledBy: 'anapec' }, 201);
    for (const step of ['training', 'financial_education', 'business_support']) {
      await post(`/candidates/${first.candidateId}/reintegration/WAFIRA-${run}/steps`, { step, completedOn: '2030-10-01', recordedBy: 'anapec' }, 201);
    }
    const missingName = await post(`/candidates/${first.candidateId}/reintegration/WAFIRA-${run}/outcome`, { outcome: 'business_created', outcomeOn: '2031-01-15', recordedBy: 'anapec' }, 422);
    expect(missingName.json().issues[0].field).toBe('body.businessName');
    await post(`/candidates/${first.candidateId}/reintegration/WAFIRA-${run}/outcome`, { outcome: 'business_created', businessName: 'Coopérative Amal', outcomeOn: '2031-01-15', recordedBy: 'anapec' }, 200);
    const report = (await stack.app.inject({ method: 'GET', url: '/reports/reintegration' })).json();
    expect(report.find((r: { programme: string }) => r.programme === `WAFIRA-${run}`)).toEqual({ programme: `WAFIRA-${run}`, enrolled: 1, completed: 1, businessesCreated: 1, employed: 0 });
    await keepHistory('rehire-season', last);
  }, 120_000);

  it('ends the framework on a non-return in year two: authorisation revoked, re-hire blocked for 3 years', async () => {
    const person = sampleCandidate({ firstName: 'Laila' });
    const c2027 = await campaignFor(2027);
    const first = await firstSeason(c2027, person);
    await fromAuthorisedToEnd(first.cycleId, { returns: true });

    const c2028 = await campaignFor(2028);
    const second = (await post(`/campaigns/${c2028.id}/rehires`, { nationalId: person.nationalId, offerId: c2028.offerId, requestedBy: 'rh', timings: { ...fastTimings, returnGrace: '1s', lateReturnWindow: '1s' } }, 201)).json().cycleId;
    const row = await fromAuthorisedToEnd(second, { returns: false });
    expect(row).toMatchObject({ outcome: 'non_return', nextSeasonEligible: false });

    const [personRow] = await waitUntil(async () => {
      const r = await stack.db.select().from(candidates).where(eq(candidates.id, first.candidateId));
      return r[0]?.blockedUntil ? r : undefined;
    });
    expect(personRow!.blockedUntil).toBe('2031-07-31');
    const [auth] = await stack.db.select().from(workAuthorisations).where(eq(workAuthorisations.candidateId, first.candidateId));
    expect(auth?.status).toBe('revoked');

    const c2029 = await campaignFor(2029);
    const refused = await post(`/campaigns/${c2029.id}/rehires`, { nationalId: person.nationalId, offerId: c2029.offerId, requestedBy: 'rh' }, 422);
    expect(refused.json().message).toMatch(/closed as non_return/);
    expect(refused.json().message).toMatch(/blocked until 2031-07-31/);

    const report = (await stack.app.inject({ method: 'GET', url: '/reports/seasons/2028' })).json();
    expect(report.rows.reduce((n: number, r: { nonReturn: number }) => n + r.nonReturn, 0)).toBeGreaterThanOrEqual(1);
    expect(report.blockedWorkers).toBeGreaterThanOrEqual(1);
    await keepHistory('rehire-non-return-block', second);
  }, 120_000);

  it('refuses a contract that would exceed 9 months of work in a 12-month window', async () => {
    const person = sampleCandidate({ firstName: 'Souad' });
    const nine = await campaignFor(2027, { start: '2027-03-01', end: '2027-11-30', months: 9 });
    await firstSeason(nine, person);
    const next = await campaignFor(2028, { start: '2028-01-01', end: '2028-06-30', months: 6 });
    const c = (await post('/candidates', person, 200)).json();
    const cycleId = (await post(`/campaigns/${next.id}/cycles`, { candidateId: c.id, startedBy: 'coord', timings: fastTimings }, 201)).json().cycleId;
    const refused = await post(`/cycles/${cycleId}/selection`, { decision: 'selected', offerId: next.offerId, decidedBy: 'employer' }, 422);
    expect(refused.json().issues[0]).toMatchObject({ field: 'body.offerId' });
    expect(refused.json().message).toMatch(/would make [\d.]+ months of work between .*: at most 9 months of work in any 12-month period/);
    // The same row in a selection file is reported by line and field.
    const file = await post(`/campaigns/${next.id}/intake/selection?loadedBy=coord`, [{ nationalId: person.nationalId, decision: 'selected', offerId: next.offerId, decidedBy: 'employer' }], 201);
    expect(file.json()).toMatchObject({ rowsAccepted: 0, rowsRejected: 1 });
    expect(file.json().errors[0]).toMatchObject({ line: 1, field: 'offerId' });
  });
});
