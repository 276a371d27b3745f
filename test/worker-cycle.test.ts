// The worker cycle end to end, driven through the API (app.inject) on the real Temporal dev server and PostgreSQL.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { temporal } from '@temporalio/proto';
import { auditEvents, candidates, emailOutbox, workerCycles } from '../db/schema';
import { fastTimings, openSampleCampaign, sampleCandidate, waitUntil, withTestStack, type TestStack } from './support';
import { cycleStateQuery, recordNoShowUpdate } from '../workflows/contracts/worker-cycle';

let stack: TestStack;
let campaignId: string;
let offerId: string;
const employerId = `B21${Date.now().toString().slice(-6)}`;
const recordDir = path.resolve('.data/histories');

withTestStack(async (s) => {
  stack = s;
  ({ campaignId, offerId } = await openSampleCampaign(s, 'wc', employerId));
});

async function post(url: string, payload: unknown) {
  return stack.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });
}

async function startCycle(timings: Record<string, string> = {}, candidate: Record<string, unknown> = {}): Promise<string> {
  const c = await post('/candidates', sampleCandidate(candidate));
  expect(c.statusCode, c.body).toBe(201);
  const res = await post(`/campaigns/${campaignId}/cycles`, {
    candidateId: c.json().id,
    startedBy: 'coordinator@anapec.test',
    timings: { ...fastTimings, ...timings },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().cycleId;
}

async function step(cycleId: string, name: string, payload: Record<string, unknown>, status = 200) {
  const res = await post(`/cycles/${cycleId}/${name}`, payload);
  expect(res.statusCode, `${name}: ${res.body}`).toBe(status);
  return res.json();
}

async function cycle(cycleId: string) {
  const res = await stack.app.inject({ method: 'GET', url: `/cycles/${cycleId}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function waitForStage(cycleId: string, stage: string, timeoutMs = 30_000) {
  return waitUntil(async () => {
    const c = await cycle(cycleId);
    return c.state.stage === stage ? c : undefined;
  }, timeoutMs);
}

async function closedRow(cycleId: string, timeoutMs = 40_000) {
  return waitUntil(async () => {
    const [row] = await stack.db.select().from(workerCycles).where(eq(workerCycles.id, cycleId));
    return row?.stage === 'closed' ? row : undefined;
  }, timeoutMs);
}

/** Keeps the history for the replay test (copied into test/histories by `npm run record-histories`). */
async function keepHistory(cycleId: string, scenario: string) {
  const history = await stack.client.workflow.getHandle(cycleId).fetchHistory();
  fs.mkdirSync(recordDir, { recursive: true });
  // binary protobuf: the exact wire form, decoded by the replay test with the same proto definitions
  fs.writeFileSync(path.join(recordDir, `worker-cycle-${scenario}.history.pb`), temporal.api.history.v1.History.encode(history).finish());
}

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const by = { recordedBy: 'agent@anapec.test' };

async function toVisaIssued(cycleId: string) {
  await step(cycleId, 'selection', { decision: 'selected', offerId, decidedBy: 'employer@fresas.test' });
  await step(cycleId, 'authorisation', { authorisationNumber: 'AUT-2027-0001', issuedOn: '2026-12-01', ...by });
  await step(cycleId, 'visa-file', { fileReference: 'VF-0001', submittedOn: '2026-12-05', submittedBy: 'liaison@anapec.test' });
  return step(cycleId, 'consular-decision', { decision: 'issued', visaNumber: 'ESP-V-12345', ...by });
}

/** Visa issued, pre-departure done, convoked for a sailing `departsIn` seconds after the convocation. */
async function toConvoked(cycleId: string, departsIn: number, sailing?: string) {
  await toVisaIssued(cycleId);
  await step(cycleId, 'predeparture', { sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: true, ...by });
  return step(cycleId, 'convocation', { departureAt: inSeconds(departsIn), port: 'Tanger Ville', ...(sailing ? { sailing } : {}), ...by });
}

/** Convoked for a sailing in 5 s, and embarked: the season runs on the cycle's timings. */
async function toEmbarked(cycleId: string) {
  await toConvoked(cycleId, 5);
  return step(cycleId, 'embarkation', { embarkedAt: new Date().toISOString(), ...by });
}

describe('worker cycle on the real servers', () => {
  it('runs a full season: selection, visa (after an incomplete file), documents, convocation, embarkation, return', async () => {
    const cycleId = await startCycle({}, { email: 'fatima@example.test' });
    expect(cycleId).toBe(`worker-${campaignId}-${cycleId.split('-').pop()}`);

    let state = await step(cycleId, 'selection', { decision: 'selected', offerId, decidedBy: 'employer@fresas.test' });
    expect(state).toMatchObject({ stage: 'selected', employerId, offerId, contractEnd: '2027-07-31' });
    await step(cycleId, 'authorisation', { authorisationNumber: 'AUT-2027-0042', issuedOn: '2026-12-01', ...by });
    await step(cycleId, 'visa-file', { fileReference: 'VF-0042', submittedOn: '2026-12-05', submittedBy: 'liaison@anapec.test' });
    state = await step(cycleId, 'consular-decision', { decision: 'incomplete', reason: 'bank statement missing', ...by });
    expect(state.stage).toBe('visa_incomplete');
    await step(cycleId, 'visa-file', { fileReference: 'VF-0042-B', submittedOn: '2026-12-09', submittedBy: 'liaison@anapec.test' });
    state = await step(cycleId, 'consular-decision', { decision: 'issued', visaNumber: 'ESP-V-98765', ...by });
    expect(state).toMatchObject({ stage: 'visa_issued', visaSubmissions: 2, visaNumber: 'ESP-V-98765' });

    // Contract, return commitment and pre-departure sheet are printed and mailed (worker + employer), all attached.
    const visaMail = await stack.mail.waitFor((m) => m.subject.includes('Visa délivré') && m.text.includes(cycleId), 20_000);
    expect(visaMail.to).toEqual(expect.arrayContaining(['fatima@example.test', 'rrhh@fresas.test']));
    expect(visaMail.attachments.map((a) => a.contentType)).toEqual(['application/pdf', 'application/pdf', 'application/pdf']);
    const docs = (await waitUntil(async () => {
      const c = await cycle(cycleId);
      return c.documents.length >= 3 ? c : undefined;
    })).documents;
    expect(docs.map((d: { kind: string }) => d.kind).sort()).toEqual(['employment_contract', 'predeparture_sheet', 'return_commitment']);
    const pdf = await stack.app.inject({ method: 'GET', url: docs[0].url });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 4).toString()).toBe('%PDF');

    await step(cycleId, 'predeparture', { sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: true, ...by });
    const departureAt = inSeconds(3);
    state = await step(cycleId, 'convocation', { departureAt, port: 'Tanger Ville', sailing: 'TNG-TAR-0201', ...by });
    expect(state).toMatchObject({ stage: 'convoked', port: 'Tanger Ville' });
    const convocation = await stack.mail.waitFor((m) => m.subject.includes('Convocation') && m.text.includes(cycleId), 20_000);
    expect(convocation.to).toEqual(['fatima@example.test']);
    expect(convocation.attachments).toHaveLength(1);

    state = await step(cycleId, 'embarkation', { embarkedAt: new Date().toISOString(), ...by });
    expect(state.stage).toBe('in_season');
    await waitForStage(cycleId, 'awaiting_return');
    state = await step(cycleId, 'return', { returnedOn: '2027-08-02', proof: 'port_exit_record', ...by });
    expect(state).toMatchObject({ stage: 'closed', outcome: 'returned', nextSeasonEligible: true, returnProof: 'port_exit_record' });

    const row = await closedRow(cycleId);
    expect(row).toMatchObject({ outcome: 'returned', nextSeasonEligible: true, visaNumber: 'ESP-V-98765', returnedOn: '2027-08-02' });
    const audit = await stack.db.select().from(auditEvents).where(eq(auditEvents.cycleId, cycleId)).orderBy(asc(auditEvents.seq));
    expect(audit.map((a) => a.step)).toEqual([
      'preselection', 'selection', 'authorisation', 'visa_file_1', 'visa_incomplete_1', 'visa_file_2', 'visa_issued',
      'predeparture', 'convocation', 'embarkation', 'contract_ended', 'return_verified', 'returned',
    ]);
    expect(new Set(audit.map((a) => a.seq)).size).toBe(audit.length);

    // Operators find the case in the Temporal UI by its CampaignId (visibility is eventually consistent).
    const found = await waitUntil(async () => {
      const ids: string[] = [];
      for await (const wf of stack.client.workflow.list({ query: `CampaignId = '${campaignId}' AND Stage = 'closed'` })) ids.push(wf.workflowId);
      return ids.includes(cycleId) ? ids : undefined;
    });
    expect(found).toContain(cycleId);

    // A step on a closed cycle is refused.
    const late = await post(`/cycles/${cycleId}/return`, { returnedOn: '2027-08-02', proof: 'passport_stamp', ...by });
    expect(late.statusCode).toBe(409);
    await keepHistory(cycleId, 'happy-path');
  });

  it('closes on a refused visa and asks the agency to fill the post from the reserve list', async () => {
    const cycleId = await startCycle();
    await step(cycleId, 'selection', { decision: 'selected', offerId, decidedBy: 'employer@fresas.test' });
    await step(cycleId, 'authorisation', { authorisationNumber: 'AUT-2027-0002', issuedOn: '2026-12-01', ...by });
    await step(cycleId, 'visa-file', { fileReference: 'VF-0002', submittedOn: '2026-12-05', submittedBy: 'liaison@anapec.test' });
    const state = await step(cycleId, 'consular-decision', { decision: 'refused', reason: 'previous overstay', ...by });
    expect(state).toMatchObject({ stage: 'closed', outcome: 'visa_refused', nextSeasonEligible: false });
    const mail = await stack.mail.waitFor((m) => m.subject.includes('Poste à pourvoir') && m.text.includes(cycleId), 20_000);
    expect(mail.to).toEqual(expect.arrayContaining(['agency@anapec.test', 'rrhh@fresas.test']));
    expect((await closedRow(cycleId)).outcome).toBe('visa_refused');
    await keepHistory(cycleId, 'visa-refused');
  });

  it('flags a no-show when the convoked worker does not embark by the deadline', async () => {
    const cycleId = await startCycle({ embarkationGrace: '1s' });
    await toConvoked(cycleId, 1);
    const row = await closedRow(cycleId);
    expect(row).toMatchObject({ outcome: 'no_show', nextSeasonEligible: false });
    await stack.mail.waitFor((m) => m.subject.includes('no_show') && m.text.includes(cycleId), 20_000);
    await keepHistory(cycleId, 'no-show');
  });

  it('closes as a no-show at once when the port closes boarding before departure time', async () => {
    const cycleId = await startCycle();
    const handle = stack.client.workflow.getHandle(cycleId);
    const noShow = { departureId: 'departure-test-1', recordedBy: 'port@anapec.test' };
    // only a convoked worker can be left ashore
    await expect(handle.executeUpdate(recordNoShowUpdate, { args: [noShow] })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/recordNoShow is not allowed at stage preselected/) } });
    await toConvoked(cycleId, 3600, 'departure-test-1');
    const ack = await handle.executeUpdate(recordNoShowUpdate, { args: [noShow] });
    expect(ack).toMatchObject({ cycleId, stage: 'closed', outcome: 'no_show' });
    const row = await closedRow(cycleId, 10_000);
    expect(row).toMatchObject({ outcome: 'no_show', nextSeasonEligible: false });
    const state = await handle.query(cycleStateQuery);
    expect(state.steps.at(-1)).toMatchObject({ step: 'no_show', stage: 'closed', actor: 'port@anapec.test' });
    await stack.mail.waitFor((m) => m.subject.includes('no_show') && m.text.includes(cycleId), 20_000);
    await keepHistory(cycleId, 'boarding-closed');
  });

  it('flags a non-return after the grace period and closes when no late proof arrives', async () => {
    const cycleId = await startCycle({ seasonLength: '1s', returnGrace: '1s', lateReturnWindow: '1s' });
    await toEmbarked(cycleId);
    const row = await closedRow(cycleId);
    expect(row).toMatchObject({ outcome: 'non_return', nextSeasonEligible: false });
    const audit = await stack.db.select().from(auditEvents).where(eq(auditEvents.cycleId, cycleId)).orderBy(asc(auditEvents.seq));
    expect(audit.map((a) => a.step).slice(-3)).toEqual(['contract_ended', 'non_return_flagged', 'non_return']);
    await stack.mail.waitFor((m) => m.subject.includes('Non-retour') && m.text.includes(cycleId), 20_000);
    await keepHistory(cycleId, 'non-return');
  });

  it('accepts a late but proven return as returned_late, without re-hire eligibility', async () => {
    const cycleId = await startCycle({ seasonLength: '1s', returnGrace: '1s', lateReturnWindow: '30s' });
    await toEmbarked(cycleId);
    await waitUntil(async () => (await cycle(cycleId)).state.waitingFor === 'late proof of return');
    const state = await step(cycleId, 'return', { returnedOn: '2027-09-01', proof: 'consular_certificate', ...by });
    expect(state).toMatchObject({ stage: 'closed', outcome: 'returned_late', nextSeasonEligible: false });
  });

  it('closes a worker hired in Spain on a stable contract as stable_hire: no non-return, no block, even after the flag', async () => {
    const cycleId = await startCycle({ seasonLength: '1s', returnGrace: '1s', lateReturnWindow: '60s' });
    await toEmbarked(cycleId);
    // the non-return is flagged first (no proof of return), then the proof of the stable hire arrives
    await waitUntil(async () => (await cycle(cycleId)).state.waitingFor === 'late proof of return');
    const refused = await post(`/cycles/${cycleId}/season-outcome`, { outcome: 'stable_hire', occurredOn: '2027-06-01' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().issues[0].field).toBe('body.employmentReference');
    const state = await step(cycleId, 'season-outcome', { outcome: 'stable_hire', occurredOn: '2027-06-01', employmentReference: 'SEPE-CT-2027-88120' });
    expect(state).toMatchObject({ stage: 'closed', outcome: 'stable_hire', nextSeasonEligible: false });
    const row = await closedRow(cycleId);
    expect(row).toMatchObject({ outcome: 'stable_hire' });
    const [person] = await stack.db.select({ blockedUntil: candidates.blockedUntil }).from(candidates).where(eq(candidates.id, row.candidateId));
    expect(person!.blockedUntil).toBeNull();
    const audit = await stack.db.select().from(auditEvents).where(eq(auditEvents.cycleId, cycleId)).orderBy(asc(auditEvents.seq));
    expect(audit.map((a) => a.step).slice(-2)).toEqual(['non_return_flagged', 'stable_hire']);
    expect(audit.at(-1)!.details).toMatchObject({ employmentReference: 'SEPE-CT-2027-88120' });
    await keepHistory(cycleId, 'stable-hire');
  });

  it('closes an early return with its reason and proof, keeps re-hire eligibility, and reports it', async () => {
    const cycleId = await startCycle({ seasonLength: '60s' });
    await toEmbarked(cycleId);
    const missing = await post(`/cycles/${cycleId}/season-outcome`, { outcome: 'early_return', occurredOn: '2027-03-10', reason: 'trial_ended', returnProof: 'port_exit_record' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().issues[0].field).toBe('body.endedBy');
    const state = await step(cycleId, 'season-outcome', { outcome: 'early_return', occurredOn: '2027-03-10', reason: 'trial_ended', endedBy: 'employer', returnProof: 'port_exit_record' });
    expect(state).toMatchObject({ stage: 'closed', outcome: 'early_return', nextSeasonEligible: true, returnedOn: '2027-03-10', returnProof: 'port_exit_record' });
    const row = await closedRow(cycleId);
    expect(row).toMatchObject({ outcome: 'early_return', nextSeasonEligible: true });
    const report = await stack.app.inject({ method: 'GET', url: '/reports/seasons/2027' });
    expect(report.statusCode, report.body).toBe(200);
    expect(report.json().earlyReturnReasons.trial_ended).toBeGreaterThanOrEqual(1);
    expect(report.json().rows.some((r: { earlyReturn: number }) => r.earlyReturn >= 1)).toBe(true);
    await keepHistory(cycleId, 'early-return');
  });

  it('records a trial period passed once; the season goes on to the return', async () => {
    const cycleId = await startCycle({ seasonLength: '60s' });
    await toEmbarked(cycleId);
    const missing = await post(`/cycles/${cycleId}/trial-period`, { outcome: 'ended', decidedOn: '2027-02-15' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().issues[0].field).toBe('body.endedBy');
    const state = await step(cycleId, 'trial-period', { outcome: 'passed', decidedOn: '2027-02-15' });
    expect(state).toMatchObject({ stage: 'in_season', trialPeriod: 'passed', waitingFor: 'end of contract' });
    const again = await post(`/cycles/${cycleId}/trial-period`, { outcome: 'ended', decidedOn: '2027-02-20', endedBy: 'worker' });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/trial period is already recorded \(passed\)/);
    const closed = await step(cycleId, 'return', { returnedOn: '2027-07-31', proof: 'port_exit_record', ...by });
    expect(closed).toMatchObject({ stage: 'closed', outcome: 'returned', nextSeasonEligible: true });
    const audit = await stack.db.select().from(auditEvents).where(eq(auditEvents.cycleId, cycleId)).orderBy(asc(auditEvents.seq));
    expect(audit.map((a) => a.step).slice(-3)).toEqual(['trial_period_passed', 'return_verified', 'returned']);
    expect(audit.at(-3)!.details).toMatchObject({ decidedOn: '2027-02-15' });
    await keepHistory(cycleId, 'trial-passed');
  });

  it('ends the contract when the trial period is ended: the agency and employer are told, the early return closes it', async () => {
    const cycleId = await startCycle({ seasonLength: '60s', returnGrace: '60s' });
    await toEmbarked(cycleId);
    const state = await step(cycleId, 'trial-period', { outcome: 'ended', decidedOn: '2027-02-20', endedBy: 'employer' });
    expect(state).toMatchObject({ stage: 'awaiting_return', trialPeriod: 'ended' });
    await waitUntil(async () => (await cycle(cycleId)).state.waitingFor === 'proof of the early return');
    await stack.mail.waitFor((m) => m.subject.includes("période d'essai") && m.text.includes(cycleId), 20_000);
    const closed = await step(cycleId, 'season-outcome', { outcome: 'early_return', occurredOn: '2027-02-22', reason: 'trial_ended', endedBy: 'employer', returnProof: 'port_exit_record' });
    expect(closed).toMatchObject({ stage: 'closed', outcome: 'early_return', nextSeasonEligible: true });
    const audit = await stack.db.select().from(auditEvents).where(eq(auditEvents.cycleId, cycleId)).orderBy(asc(auditEvents.seq));
    expect(audit.map((a) => a.step).slice(-2)).toEqual(['trial_period_ended', 'early_return']);
    expect(audit.at(-2)!.details).toMatchObject({ endedBy: 'employer' });
    await keepHistory(cycleId, 'trial-ended');
  });

  it('flags a non-return when a trial period ended and no proof of the early return comes', async () => {
    const cycleId = await startCycle({ seasonLength: '60s', returnGrace: '1s', lateReturnWindow: '1s' });
    await toEmbarked(cycleId);
    await step(cycleId, 'trial-period', { outcome: 'ended', decidedOn: '2027-02-20', endedBy: 'worker' });
    const row = await closedRow(cycleId);
    expect(row).toMatchObject({ outcome: 'non_return', nextSeasonEligible: false });
    const audit = await stack.db.select().from(auditEvents).where(eq(auditEvents.cycleId, cycleId)).orderBy(asc(auditEvents.seq));
    expect(audit.map((a) => a.step).slice(-3)).toEqual(['trial_period_ended', 'non_return_flagged', 'non_return']);
  });

  it('refuses out-of-order and invalid steps, and loses nothing', async () => {
    const cycleId = await startCycle();
    const outOfOrder = await post(`/cycles/${cycleId}/authorisation`, { authorisationNumber: 'AUT-X', issuedOn: '2026-12-01', ...by });
    expect(outOfOrder.statusCode).toBe(409);
    expect(outOfOrder.json().message).toMatch(/recordAuthorisation is not allowed at stage preselected/);
    const embark = await post(`/cycles/${cycleId}/embarkation`, { embarkedAt: new Date().toISOString(), ...by });
    expect(embark.statusCode).toBe(409);

    const unknownOffer = await post(`/cycles/${cycleId}/selection`, { decision: 'selected', offerId: 'nope', decidedBy: 'x' });
    expect(unknownOffer.statusCode).toBe(422);
    expect(unknownOffer.json().issues[0].field).toBe('body.offerId');

    await step(cycleId, 'selection', { decision: 'selected', offerId, decidedBy: 'employer@fresas.test' });
    const again = await post(`/cycles/${cycleId}/selection`, { decision: 'selected', offerId, decidedBy: 'employer@fresas.test' });
    expect(again.statusCode).toBe(409);
    await step(cycleId, 'authorisation', { authorisationNumber: 'AUT-2027-0003', issuedOn: '2026-12-01', ...by });
    await step(cycleId, 'visa-file', { fileReference: 'VF-0003', submittedOn: '2026-12-05', submittedBy: 'liaison@anapec.test' });
    const noNumber = await post(`/cycles/${cycleId}/consular-decision`, { decision: 'issued', ...by });
    expect(noNumber.statusCode).toBe(422);
    expect(noNumber.json().issues[0].field).toBe('body.visaNumber');
    await step(cycleId, 'consular-decision', { decision: 'issued', visaNumber: 'ESP-V-3', ...by });
    const unsigned = await post(`/cycles/${cycleId}/predeparture`, { sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: false, ...by });
    expect(unsigned.statusCode).toBe(422);
    expect(unsigned.json().issues[0].field).toBe('body.returnCommitmentSigned');

    // The refused steps left no trace; the accepted ones are all there.
    const c = await cycle(cycleId);
    expect(c.state.stage).toBe('visa_issued');
    expect(c.audit.map((a: { step: string }) => a.step)).toEqual(['preselection', 'selection', 'authorisation', 'visa_file_1', 'visa_issued']);
  });

  it('escalates consular silence, then lapses the file', async () => {
    const cycleId = await startCycle({ consularDecisionDeadline: '1s', consularEscalationGrace: '2s' });
    await step(cycleId, 'selection', { decision: 'selected', offerId, decidedBy: 'employer@fresas.test' });
    await step(cycleId, 'authorisation', { authorisationNumber: 'AUT-2027-0004', issuedOn: '2026-12-01', ...by });
    await step(cycleId, 'visa-file', { fileReference: 'VF-0004', submittedOn: '2026-12-05', submittedBy: 'liaison@anapec.test' });
    const escalation = await stack.mail.waitFor((m) => m.subject.includes('Silence consulaire') && m.text.includes(cycleId), 20_000);
    expect(escalation.to).toEqual(['liaison@anapec.test']);
    expect((await closedRow(cycleId)).outcome).toBe('consular_silence');
    await keepHistory(cycleId, 'consular-silence');
  });

  it('closes on selection deadline, rejection and withdrawal', async () => {
    const expired = await startCycle({ selectionDeadline: '1s' });
    const rejected = await startCycle();
    const withdrawn = await startCycle();
    await step(rejected, 'selection', { decision: 'rejected', reason: 'quota full', decidedBy: 'employer@fresas.test' });
    await step(withdrawn, 'selection', { decision: 'selected', offerId, decidedBy: 'employer@fresas.test' });
    const w = await post(`/cycles/${withdrawn}/withdrawal`, { reason: 'family reasons', ...by });
    expect(w.statusCode).toBe(202);
    expect((await closedRow(expired)).outcome).toBe('selection_expired');
    expect((await closedRow(rejected)).outcome).toBe('not_selected');
    expect((await closedRow(withdrawn)).outcome).toBe('withdrawn');
    // The withdrawal of a selected worker frees the post: the agency is told exactly once.
    await stack.mail.waitFor((m) => m.text.includes(withdrawn) && m.subject.includes('Poste'), 20_000);
    // the relay may hold the message a moment before the outbox row says it was sent
    const outbox = await waitUntil(async () => {
      const rows = await stack.db.select().from(emailOutbox).where(and(eq(emailOutbox.cycleId, withdrawn), eq(emailOutbox.channel, 'email')));
      return rows.every((r) => r.sentAt) ? rows : undefined;
    });
    expect(outbox).toHaveLength(1);
    await keepHistory(withdrawn, 'withdrawn');
  });
});
