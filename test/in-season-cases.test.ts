// In-season cases on the real servers: reported on a worker's cycle (by a mediator, an employer for its own workers
// only), seen on the cycle, escalated at the deadline to the worker's agency and the consulate's labour office (the
// e-mail in the outbox and the mail catcher), resolved; an employer change through the eligibility gate; the
// season's report by employer.
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import type { DemoLogin } from '../scripts/lib/demo-identities';
import { emailOutbox, offerSeats } from '../db/schema';
import { caseStateQuery, inSeasonCaseWorkflowId } from '../workflows/contracts/in-season-case';
import { openCampaignForSteps, sampleCampaign, sampleCandidate, testConfig, uniqueSuffix, waitUntil, withTestStack, type TestStack } from './support';
import { authHeader } from './tokens';

let stack: TestStack;
const run = uniqueSuffix();
// a season and a province of this file's own, so the report's figures and the agency are this file's alone
const season = 2090 + (Number.parseInt(run.slice(-2), 36) % 10);
const province = `Casesville-${run}`;
const agencyEmail = `cases-${run}@anapec.test`.toLowerCase();
const campaignId = `cases-${run}`;
const otherCampaignId = `cases2-${run}`;
let farm1Offer = '';
let fullOffer = '';
let openOffer = '';
let otherCampaignOffer = '';

async function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, login: DemoLogin = 'admin', headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return stack.app.inject({ method, url, payload: payload as object, headers: { ...(await authHeader(login)), ...headers } });
}
async function ok(res: LightMyRequestResponse, status: number) {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}

/** Two farms: B21000001 (50 posts), B21000002 with one post (taken) and one with five. */
function campaignOf(id: string) {
  const c = sampleCampaign(id, 'B21000001');
  c.season = season;
  const first = { ...c.offers[0]!, contractStart: `${season}-02-01`, contractEnd: `${season}-07-31` };
  const farm2 = { ...first.employer, id: 'B21000002', name: 'Frutos Rojos de Lepe SAT', municipality: 'Lepe' };
  c.offers = [first, { ...first, employer: farm2, posts: 1 }, { ...first, employer: farm2, posts: 5 }];
  return c;
}

async function startCycle(): Promise<string> {
  const person = await ok(await call('POST', '/candidates', sampleCandidate({ province, passportExpiry: `${season + 2}-01-01` })), 201);
  const started = await ok(await call('POST', `/campaigns/${campaignId}/cycles`, { candidateId: person.id, timings: { seasonLength: '10 minutes' } }), 201);
  return started.cycleId as string;
}

/** A worker of B21000001 taken to the season (embarked). */
async function inSeason(): Promise<string> {
  const cycleId = await startCycle();
  const step = async (path: string, body: unknown) => ok(await call('POST', `/cycles/${cycleId}/${path}`, body), 200);
  const n = cycleId.slice(-6);
  await step('selection', { decision: 'selected', offerId: farm1Offer });
  await step('authorisation', { authorisationNumber: `AUT-C-${n}`, issuedOn: `${season - 1}-12-01` });
  await step('visa-file', { fileReference: `VF-C-${n}`, submittedOn: `${season - 1}-12-05` });
  await step('consular-decision', { decision: 'issued', visaNumber: `ESP-C-${n}` });
  await step('predeparture', { sessionAttendedOn: `${season}-01-15`, contractSigned: true, returnCommitmentSigned: true });
  await step('convocation', { departureAt: new Date(Date.now() + 3_600_000).toISOString(), port: 'Tanger Ville' });
  const state = await step('embarkation', { embarkedAt: new Date().toISOString() });
  expect(state.stage).toBe('in_season');
  return cycleId;
}

withTestStack(async (s) => {
  stack = s;
  await ok(await call('PUT', `/agencies/cases-${run}`, { name: 'ANAPEC Casesville', province, email: agencyEmail }), 200);
  const offers = (await ok(await call('POST', '/campaigns', campaignOf(campaignId)), 201)).offers as { id: string }[];
  [farm1Offer, fullOffer, openOffer] = offers.map((o) => o.id) as [string, string, string];
  otherCampaignOffer = ((await ok(await call('POST', '/campaigns', campaignOf(otherCampaignId)), 201)).offers as { id: string }[])[2]!.id;
  await openCampaignForSteps(s.db, campaignId);
  await openCampaignForSteps(s.db, otherCampaignId);
  // the one-post offer is taken by a worker selected onto it
  const taker = await startCycle();
  await ok(await call('POST', `/cycles/${taker}/selection`, { decision: 'selected', offerId: fullOffer }), 200);
});

describe('in-season cases', () => {
  let sick = '';
  let complaining = '';
  let moving = '';

  it('takes three workers to the season', async () => {
    sick = await inSeason();
    complaining = await inSeason();
    moving = await inSeason();
  }, 90_000);

  it('refuses a report before the season, and a report that is not in its shape', async () => {
    const early = await startCycle();
    const res = await call('POST', `/cycles/${early}/cases`, { kind: 'sickness', details: 'fever' }, 'mediator');
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().issues[0].field).toBe('cycle.stage');
    const noOffer = await call('POST', `/cycles/${sick}/cases`, { kind: 'employer_change', details: 'moves to Lepe' }, 'mediator');
    expect(noOffer.statusCode).toBe(422);
    expect(noOffer.json().issues[0].field).toBe('body.newOfferId');
    const stray = await call('POST', `/cycles/${sick}/cases`, { kind: 'sickness', details: 'fever', newOfferId: openOffer }, 'mediator');
    expect(stray.statusCode).toBe(422);
    expect(stray.json().issues[0].field).toBe('body.newOfferId');
  });

  it('shows a reported case on the cycle, escalates it at its deadline to the agency and the labour office, and resolves it after', async () => {
    const reported = await ok(
      await call('POST', `/cycles/${sick}/cases`, { kind: 'sickness', details: 'Fièvre depuis trois jours, pas de médecin', timings: { responseDeadline: '2s', escalationGrace: '60s' }, reportedBy: 'mallory@evil.test' }, 'mediator'),
      201,
    );
    expect(reported).toMatchObject({ cycleId: sick, campaignId, employerId: 'B21000001', kind: 'sickness', status: 'open', newOfferId: null });
    // the reporter is the caller, never a body field
    expect(reported.reportedBy).toContain('Khadija Ouazzani');
    expect(reported.reportedBy).not.toContain('mallory');
    const cycle = await ok(await call('GET', `/cycles/${sick}`), 200);
    expect(cycle.cases.map((c: { caseId: number }) => c.caseId)).toEqual([reported.caseId]);
    const listed = await ok(await call('GET', `/cycles/${sick}/cases`, undefined, 'mediator'), 200);
    expect(listed).toMatchObject({ total: 1, items: [{ caseId: reported.caseId, details: 'Fièvre depuis trois jours, pas de médecin' }] });

    const key = `${inSeasonCaseWorkflowId(reported.caseId)}:escalation`;
    const mail = await stack.mail.waitFor((m) => m.subject.includes(`n° ${reported.caseId} `), 30_000);
    expect([...mail.to].sort()).toEqual([agencyEmail, testConfig.CONSULATE_LABOUR_OFFICE_EMAIL].sort());
    expect(mail.text).toContain('Fièvre depuis trois jours');
    // sentAt is written just after the relay accepted the message
    const outbox = await waitUntil(async () => (await stack.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, key))).find((m) => m.sentAt));
    expect(outbox).toMatchObject({ cycleId: sick, attempts: 1, toAddresses: expect.arrayContaining([agencyEmail, testConfig.CONSULATE_LABOUR_OFFICE_EMAIL]) });
    const escalated = await waitUntil(async () => {
      const c = (await ok(await call('GET', `/cycles/${sick}/cases`), 200)).items[0];
      return c.status === 'escalated' ? c : undefined;
    });
    expect(escalated.escalatedAt).not.toBeNull();
    const live = await waitUntil(async () => {
      const state = await stack.client.workflow.getHandle(inSeasonCaseWorkflowId(reported.caseId)).query(caseStateQuery);
      return state.status === 'escalated' ? state : undefined;
    });
    expect(live.waitingFor).toBe('the resolution (escalated)');

    const resolved = await ok(await call('POST', `/cases/${reported.caseId}/resolution`, { resolution: 'Vue par le médecin du centre de santé; arrêt de travail de 5 jours' }, 'mediator'), 200);
    expect(resolved).toMatchObject({ status: 'resolved', resolution: 'Vue par le médecin du centre de santé; arrêt de travail de 5 jours' });
    expect(resolved.resolvedBy).toContain('Khadija Ouazzani');
    const again = await call('POST', `/cases/${reported.caseId}/resolution`, { resolution: 'again' }, 'mediator');
    expect(again.statusCode).toBe(409);
    await stack.client.workflow.getHandle(inSeasonCaseWorkflowId(reported.caseId)).result();
  }, 60_000);

  it("lets an employer report on its own workers only, and resolves a case before its deadline (no e-mail)", async () => {
    const other = await call('POST', `/cycles/${complaining}/cases`, { kind: 'wage_complaint', details: 'x' }, 'employer-b21000002');
    expect(other.statusCode, other.body).toBe(404);
    const province = await call('POST', `/cycles/${complaining}/cases`, { kind: 'wage_complaint', details: 'x' }, 'agent-larache');
    expect(province.statusCode, province.body).toBe(404);
    // an employer reports but does not read the cases (complaints about it among them)
    expect((await call('GET', `/cycles/${complaining}/cases`, undefined, 'employer-b21000001')).statusCode).toBe(403);
    expect((await ok(await call('GET', `/cycles/${complaining}`, undefined, 'employer-b21000001'), 200)).cases).toBeUndefined();

    const headers = { 'idempotency-key': `wage-${run}` };
    const wage = await ok(await call('POST', `/cycles/${complaining}/cases`, { kind: 'wage_complaint', details: 'Salaire de mars versé avec 10 jours de retard' }, 'employer-b21000001', headers), 201);
    expect(wage.reportedBy).toContain('Manuel García López');
    // the same request again finds its case
    const retried = await ok(await call('POST', `/cycles/${complaining}/cases`, { kind: 'wage_complaint', details: 'Salaire de mars versé avec 10 jours de retard' }, 'employer-b21000001', headers), 200);
    expect(retried.caseId).toBe(wage.caseId);
    await ok(await call('POST', `/cycles/${complaining}/cases`, { kind: 'housing_problem', details: 'Pas d\'eau chaude au logement' }, 'mediator'), 201);

    const resolved = await ok(await call('POST', `/cases/${wage.caseId}/resolution`, { resolution: 'Payé le 12 avril, avec les intérêts de retard' }, 'mediator'), 200);
    expect(resolved.status).toBe('resolved');
    expect(resolved.escalatedAt).toBeNull();
    expect(await stack.client.workflow.getHandle(inSeasonCaseWorkflowId(wage.caseId)).result()).toMatchObject({ outcome: 'resolved', escalated: false });
    expect(await stack.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, `${inSeasonCaseWorkflowId(wage.caseId)}:escalation`))).toEqual([]);
    const empty = await call('POST', `/cases/${wage.caseId}/resolution`, { resolution: '  ' }, 'mediator');
    expect(empty.statusCode).toBe(400);
  }, 60_000);

  it('takes an employer change through the eligibility gate: a full offer, another campaign and the same employer are refused', async () => {
    const change = (newOfferId: string) => call('POST', `/cycles/${moving}/cases`, { kind: 'employer_change', details: 'Part chez Frutos Rojos', newOfferId }, 'mediator');
    const full = await change(fullOffer);
    expect(full.statusCode, full.body).toBe(409);
    expect(full.json().issues[0]).toMatchObject({ field: 'body.newOfferId', reason: expect.stringMatching(/is full: 1 of 1 posts filled/) });
    const elsewhere = await change(otherCampaignOffer);
    expect(elsewhere.statusCode, elsewhere.body).toBe(422);
    expect(elsewhere.json().issues[0].field).toBe('body.newOfferId');
    const same = await change(farm1Offer);
    expect(same.statusCode, same.body).toBe(422);
    expect(same.json().issues[0]).toMatchObject({ field: 'body.newOfferId', reason: 'an offer of the same employer' });
    // refusals leave no case and no seat moved
    expect((await ok(await call('GET', `/cycles/${moving}/cases`), 200)).total).toBe(0);

    const moved = await ok(await change(openOffer), 201);
    expect(moved).toMatchObject({ kind: 'employer_change', employerId: 'B21000001', newOfferId: openOffer, newEmployerId: 'B21000002' });
    const [seat] = await stack.db.select().from(offerSeats).where(eq(offerSeats.cycleId, moving));
    expect(seat).toMatchObject({ offerId: openOffer, via: 'employer_change' });
  });

  it("reports the season's cases by employer: by kind, complaints per 100 workers", async () => {
    const report = await ok(await call('GET', `/reports/seasons/${season}/in-season-cases`, undefined, 'auditor'), 200);
    const farm1 = report.employers.find((e: { employerId: string }) => e.employerId === 'B21000001');
    // 3 workers in season; a sickness, a wage and a housing complaint, an employer change
    expect(farm1).toMatchObject({
      workers: 3, cases: 4, open: 2, escalated: 0, resolved: 2,
      byKind: { sickness: 1, wage_complaint: 1, housing_problem: 1, employer_change: 1 },
      complaints: 2, complaintsPer100: 66.7,
    });
    expect(farm1.per100).toMatchObject({ employer_change: 33.3, wage_complaint: 33.3 });
    // B21000002 has neither a worker in season nor a case (the employer change counts against the farm she left)
    expect(report.employers.map((e: { employerId: string }) => e.employerId)).toEqual(['B21000001']);
    expect(report.total).toMatchObject({ workers: 3, cases: 4, complaints: 2 });
    expect(report.sourcesPer100).toEqual({ employer_change: 10, wage_complaint: 16, rest_day_complaint: 40 });
    expect((await call('GET', `/reports/seasons/${season}/in-season-cases`, undefined, 'employer-b21000001')).statusCode).toBe(403);
  });

  it('records a resolution that comes after the escalated case stopped waiting', async () => {
    const late = await ok(await call('POST', `/cycles/${moving}/cases`, { kind: 'accident', details: 'Chute dans la serre', timings: { responseDeadline: '1s', escalationGrace: '1s' } }, 'mediator'), 201);
    expect(await stack.client.workflow.getHandle(inSeasonCaseWorkflowId(late.caseId)).result()).toMatchObject({ outcome: 'unresolved', escalated: true });
    const resolved = await ok(await call('POST', `/cases/${late.caseId}/resolution`, { resolution: 'Soins reçus; déclaration d’accident du travail faite' }, 'mediator'), 200);
    expect(resolved).toMatchObject({ status: 'resolved', resolution: 'Soins reçus; déclaration d’accident du travail faite' });
    expect(resolved.escalatedAt).not.toBeNull();
    expect((await call('POST', `/cases/${late.caseId}/resolution`, { resolution: 'again' }, 'mediator')).statusCode).toBe(409);
  }, 30_000);

  it("erases a case's texts with the person, and keeps its kind and status for the report", async () => {
    await ok(await call('POST', `/cycles/${sick}/season-outcome`, { outcome: 'early_return', occurredOn: `${season}-03-10`, reason: 'sickness', returnProof: 'passport_stamp' }), 200);
    const candidateId = Number(sick.slice(sick.lastIndexOf('-') + 1));
    await waitUntil(async () => (await ok(await call('GET', `/cycles/${sick}`), 200)).running === false);
    await ok(await call('POST', `/people/${candidateId}/erasure`, { reason: 'the person asked (in-season cases test)' }), 201);
    const [erased] = (await ok(await call('GET', `/cycles/${sick}/cases`), 200)).items;
    expect(erased).toMatchObject({ kind: 'sickness', status: 'resolved', details: '[erased]', resolution: '[erased]' });
  }, 30_000);
});
