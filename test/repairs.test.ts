// Repairs as tested operations (issue 17), on the real Temporal server and PostgreSQL: a notification sent again past
// the outbox's send-once key, a document printed again, a worker released from a visa batch (the batch's workflow
// agrees and decides), a cycle reset to a given workflow task (what reset re-applies), a batch reset by visibility
// query — each leaving an audit record naming the caller. Last, the runbook's commands (docs/runbook.md) are run.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { and, asc, eq, like } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import proto from '@temporalio/proto';
import { auditEvents, emailOutbox, operatorRepairs, visaBatchMembers } from '../db/schema';
import { demoIdentity } from '../scripts/lib/demo-identities';
import { resetPointOf } from '../api/workflow-reset';
import { loadConfig } from '../config';
import { resolveTemporalBinary } from '../scripts/lib/temporal-binary';
import { runbookBlocks } from '../scripts/lib/runbook';
import { recordHistories } from './record-histories';
import { authHeader } from './tokens';
import { bulkOperationDone, openSampleCampaign, requestsTo, sampleCandidate, uniqueSuffix, waitUntil, withTestStack, type TestStack } from './support';

const { EventType } = proto.temporal.api.enums.v1;
let stack: TestStack;
/** Histories kept for the replay test when RECORD_HISTORIES=<version> (test/record-histories.ts). */
const recorded: { name: string; workflowId: string }[] = [];
withTestStack((s) => (stack = s), (s) => recordHistories(s, recorded));
const { post, get } = requestsTo(() => stack);
const ADMIN = demoIdentity('admin');

async function startCycle(campaignId: string, extra: Record<string, unknown> = {}) {
  const candidate = (await post('/candidates', sampleCandidate(extra))).json();
  const res = await post(`/campaigns/${campaignId}/cycles`, { candidateId: candidate.id, timings: { selectionDeadline: '1h', authorisationDeadline: '1h', visaFileDeadline: '1h', consularDecisionDeadline: '1h', predepartureDeadline: '1h' } });
  expect(res.statusCode, res.body).toBe(201);
  const cycleId = res.json().cycleId as string;
  await waitUntil(async () => (await get(`/cycles/${cycleId}`)).json().state?.waitingFor);
  return { cycleId, nationalId: candidate.nationalId as string };
}
async function step(cycleId: string, path: string, body: unknown) {
  const res = await post(`/cycles/${cycleId}/${path}`, body);
  expect(res.statusCode, res.body).toBe(200);
}
let refSeq = 0;
/** A file number of its own (authorisation, visa file, visa), short as the forms allow. */
const ref = (prefix: string) => `${prefix}-${process.pid.toString(36)}-${++refSeq}`;
const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
/** Takes a cycle from preselected to ready to depart (visa issued, pre-departure session held). */
async function readyToDepart(cycleId: string, offerId: string) {
  await step(cycleId, 'selection', { decision: 'selected', offerId });
  await step(cycleId, 'authorisation', { authorisationNumber: ref('AUT'), issuedOn: '2026-12-01' });
  await step(cycleId, 'visa-file', { fileReference: ref('VF'), submittedOn: '2026-12-05' });
  await step(cycleId, 'consular-decision', { decision: 'issued', visaNumber: ref('ESP') });
  await step(cycleId, 'predeparture', { sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: true });
}
/** Plans a sailing and waits until its passengers' cycles are convoked. */
async function sailing(campaignId: string, cycleIds: string[], hours = 2) {
  const res = await post(`/campaigns/${campaignId}/departures`, { departureAt: inHours(hours), seats: 5, embarkationGrace: '1h' });
  expect(res.statusCode, res.body).toBe(201);
  const departureId = res.json().departureId as string;
  for (const c of cycleIds) await waitUntil(async () => (await stack.client.workflow.getHandle(c).query<{ sailing?: string; stage: string }>('state')).sailing === departureId);
  return departureId;
}
const repairsOf = (target: string) => stack.db.select().from(operatorRepairs).where(eq(operatorRepairs.target, target));

describe('repairs', () => {
  it('sends a notification again under a new key, past the send-once key of the original, and says who did', async () => {
    const { campaignId, offerId } = await openSampleCampaign(stack, 'rep-msg', 'B21000041');
    const { cycleId } = await startCycle(campaignId, { email: `worker-${uniqueSuffix()}@example.test` });
    await step(cycleId, 'selection', { decision: 'selected', offerId });
    const key = `${cycleId}:selection`;
    // the original went out by e-mail and SMS
    for (const k of [key, `${key}:sms`]) await waitUntil(async () => (await stack.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, k)))[0]?.sentAt && true);

    const res = await post(`/operations/repairs/cycles/${cycleId}/messages/resend`, { step: 'selection', reason: 'the worker lost the message (ticket 17)' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ kind: 'resend_message', target: key, cycleId, status: 'done', reason: 'the worker lost the message (ticket 17)', details: { resendKey: `${key}:resend:1`, channels: ['email', 'sms'] } });
    expect(res.json().actor).toContain(ADMIN.clientId);
    const rows = await stack.db.select().from(emailOutbox).where(like(emailOutbox.idempotencyKey, `${key}%`));
    const byKey = new Map(rows.map((r) => [r.idempotencyKey, r]));
    expect([...byKey.keys()].sort()).toEqual([key, `${key}:resend:1`, `${key}:resend:1:sms`, `${key}:sms`].sort());
    const copy = byKey.get(`${key}:resend:1`)!;
    expect(copy.sentAt).toBeTruthy();
    expect(copy.body).toBe(byKey.get(key)!.body);
    expect(copy.messageId).not.toBe(byKey.get(key)!.messageId);
    // the relay got two messages with the same text, each with its own Message-ID
    const caught = stack.mail.messages().filter((m) => m.text === copy.body);
    expect(new Set(caught.map((m) => m.messageId)).size).toBe(2);

    // a second resend takes the next number; an SMS-only resend; a step that sent nothing is 404, a channel it did not use 422
    const again = await post(`/operations/repairs/cycles/${cycleId}/messages/resend`, { step: 'selection', channels: ['sms'], reason: 'new phone number' });
    expect(again.json()).toMatchObject({ status: 'done', details: { resendKey: `${key}:resend:2`, channels: ['sms'], sms: { key: `${key}:resend:2:sms` } } });
    expect((await post(`/operations/repairs/cycles/${cycleId}/messages/resend`, { step: 'visa_issued', reason: 'none sent' })).statusCode).toBe(404);
    expect((await post(`/operations/repairs/cycles/worker-nope-1/messages/resend`, { step: 'selection', reason: 'none sent' })).statusCode).toBe(404);
    expect((await repairsOf(key)).map((r) => r.status)).toEqual(['done', 'done']);
    recorded.push({ name: 'repair-resend-message', workflowId: `repair-${res.json().id}` });
  });

  it('prints a document again as its next version from today\'s records, the first kept', async () => {
    const { campaignId, offerId } = await openSampleCampaign(stack, 'rep-doc', 'B21000042');
    const { cycleId } = await startCycle(campaignId);
    await step(cycleId, 'selection', { decision: 'selected', offerId });
    await step(cycleId, 'authorisation', { authorisationNumber: 'AUT-REP-1', issuedOn: '2026-12-01' });
    await step(cycleId, 'visa-file', { fileReference: 'VF-REP-1', submittedOn: '2026-12-05' });
    await step(cycleId, 'consular-decision', { decision: 'issued', visaNumber: 'ESP-REP-1' });
    const docs = await waitUntil(async () => {
      const list = (await get(`/cycles/${cycleId}/documents`)).json() as { id: string; kind: string; version: number; url: string }[];
      return list.length >= 3 ? list : undefined;
    });
    const contract = docs.find((d) => d.kind === 'employment_contract')!;
    const res = await post(`/operations/repairs/documents/${contract.id}/regenerate`, { reason: 'employer name corrected' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ kind: 'regenerate_document', cycleId, status: 'done', details: { documentKind: 'employment_contract', version: 2, replaces: contract.url } });
    const after = (await get(`/cycles/${cycleId}/documents`)).json() as { kind: string; version: number; url: string }[];
    const reprint = after.find((d) => d.kind === 'employment_contract' && d.version === 2)!;
    expect(reprint.url).toBe(res.json().details.documentId);
    expect((await stack.app.inject({ method: 'GET', url: reprint.url })).headers['content-type']).toBe('application/pdf');
    expect(after.filter((d) => d.kind === 'employment_contract')).toHaveLength(2);
    expect((await post('/operations/repairs/documents/AAAAAAAAAAAAAAAAAAAAAA/regenerate', { reason: 'unknown document' })).statusCode).toBe(404);
  }, 60_000);

  it('releases a worker from a lodged visa batch: PostgreSQL and the batch workflow agree, and the batch is decided', async () => {
    const { campaignId, offerId } = await openSampleCampaign(stack, 'rep-visa', 'B21000043');
    const a = await startCycle(campaignId);
    const b = await startCycle(campaignId);
    for (const c of [a, b]) {
      await step(c.cycleId, 'selection', { decision: 'selected', offerId });
      await step(c.cycleId, 'authorisation', { authorisationNumber: ref('AUT'), issuedOn: '2026-12-01' });
    }
    const assembled = await post(`/campaigns/${campaignId}/visa-batches`, { weekStart: '2027-01-04' });
    expect(assembled.statusCode, assembled.body).toBe(201);
    const batchId = assembled.json().batchId as string;
    const lodged = await post(`/visa-batches/${batchId}/lodge`, { lodgedOn: '2027-01-05' });
    expect(lodged.statusCode, lodged.body).toBe(200);
    await bulkOperationDone(stack.app, lodged.json().lodgeOperationId);
    // A's decision arrives; B's file is handled outside the batch (the consulate asked for it separately)
    const decisions = await post(`/visa-batches/${batchId}/decisions`, [{ nationalId: a.nationalId, decision: 'issued', visaNumber: 'ESP-REP-A' }]);
    expect(decisions.statusCode, decisions.body).toBe(201);
    await bulkOperationDone(stack.app, decisions.json().operationId);
    expect((await get(`/visa-batches/${batchId}`)).json().status).toBe('lodged');

    const res = await post(`/operations/repairs/visa-batches/${batchId}/members/${b.cycleId}/release`, { reason: 'file taken over by the consulate separately' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'release_visa_batch_member', target: batchId, cycleId: b.cycleId, status: 'done', details: { lodged: true, membersLeft: 1 } });
    expect(await stack.db.select().from(visaBatchMembers).where(and(eq(visaBatchMembers.batchId, batchId), eq(visaBatchMembers.cycleId, b.cycleId)))).toEqual([]);
    // the batch's workflow was told, counted again and found nothing more awaited
    const state = await waitUntil(async () => {
      const s = await stack.client.workflow.getHandle(batchId).query<{ stage: string; members: number; outcome?: string }>('batchState');
      return s.outcome === 'decided' ? s : undefined;
    });
    expect(state).toMatchObject({ members: 1, stage: 'decided' });
    expect((await get(`/visa-batches/${batchId}`)).json().status).toBe('decided');
    recorded.push({ name: 'repair-visa-batch-member-released', workflowId: batchId });
    // B's decision is recorded on her cycle alone
    await step(b.cycleId, 'consular-decision', { decision: 'issued', visaNumber: 'ESP-REP-B' });

    // nothing to release: a decided member (409), a stranger (404)
    expect((await post(`/operations/repairs/visa-batches/${batchId}/members/${a.cycleId}/release`, { reason: 'again' })).statusCode).toBe(409);
    expect((await post(`/operations/repairs/visa-batches/${batchId}/members/${b.cycleId}/release`, { reason: 'again' })).statusCode).toBe(404);
  }, 90_000);

  it('releases a convoked worker from her sailing through her cycle: ready to depart again, convoked to the next sailing', async () => {
    const { campaignId, offerId } = await openSampleCampaign(stack, 'rep-sail', 'B21000047');
    const [a, b] = [await startCycle(campaignId), await startCycle(campaignId)];
    for (const c of [a, b]) await readyToDepart(c.cycleId, offerId);
    const first = await sailing(campaignId, [a.cycleId, b.cycleId]);

    const res = await post(`/operations/repairs/departures/${first}/passengers/${b.cycleId}/release`, { reason: 'passport held at the police station' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'release_sailing_passenger', target: first, cycleId: b.cycleId, status: 'done', details: { passengersLeft: 1 } });
    const state = await stack.client.workflow.getHandle(b.cycleId).query<{ stage: string; sailing?: string; waitingFor?: string }>('state');
    expect(state).toMatchObject({ stage: 'ready_to_depart', waitingFor: 'convocation to a departure' });
    expect(state.sailing).toBeUndefined();
    expect((await get(`/departures/${first}/passengers`)).json().items.map((p: { cycleId: string }) => p.cycleId)).toEqual([a.cycleId]);
    // the sailing's workflow counted again
    await waitUntil(async () => (await stack.client.workflow.getHandle(first).query<{ counts: { convoked: number } }>('departureState')).counts.convoked === 1);
    // twice: she is no longer on it (404); the cycle refuses a release from a sailing she is not on (409)
    expect((await post(`/operations/repairs/departures/${first}/passengers/${b.cycleId}/release`, { reason: 'again' })).statusCode).toBe(404);

    // the next sailing takes her: a second convocation, its letter's second version
    const second = await sailing(campaignId, [b.cycleId], 3);
    const audit = await stack.db.select().from(auditEvents).where(eq(auditEvents.cycleId, b.cycleId)).orderBy(asc(auditEvents.seq));
    expect(audit.map((e) => e.step).slice(-3)).toEqual(['convocation', 'released_from_sailing', 'convocation_2']);
    expect(audit.find((e) => e.step === 'released_from_sailing')!.actor).toContain(ADMIN.clientId);
    const letters = await waitUntil(async () => {
      const docs = ((await get(`/cycles/${b.cycleId}/documents`)).json() as { kind: string; version: number }[]).filter((d) => d.kind === 'convocation');
      return docs.length === 2 ? docs : undefined;
    });
    expect(letters.map((d) => d.version)).toEqual([1, 2]);
    expect((await get(`/departures/${second}/passengers`)).json().items.map((p: { cycleId: string }) => p.cycleId)).toEqual([b.cycleId]);
    recorded.push({ name: 'repair-cycle-released-from-sailing', workflowId: b.cycleId }, { name: 'repair-sailing-passenger-released', workflowId: first });
  }, 120_000);

  it('resets a cycle to a completed workflow task: the Update after it is applied again, its activities run again without duplicates', async () => {
    const { campaignId, offerId } = await openSampleCampaign(stack, 'rep-reset', 'B21000044');
    const { cycleId } = await startCycle(campaignId);
    await step(cycleId, 'selection', { decision: 'selected', offerId });
    const handle = stack.client.workflow.getHandle(cycleId);
    await waitUntil(async () => (await handle.query<{ waitingFor?: string }>('state')).waitingFor === 'work authorisation');
    const events = (await handle.fetchHistory()).events ?? [];
    const accepted = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)!;
    const before = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && Number(e.eventId) < Number(accepted.eventId)).at(-1)!;
    const { runId } = await handle.describe();

    const res = await post(`/operations/repairs/workflows/${cycleId}/reset`, { reason: 'replay the selection after the fix', eventId: Number(before.eventId) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'reset_workflow', target: cycleId, status: 'done', details: { fromRunId: runId, resetEventId: Number(before.eventId), resetPoint: 'given' } });
    const newRunId = res.json().details.newRunId as string;
    expect(newRunId).not.toBe(runId);
    // the new run took the selection again (the Update was re-applied) and waits for the authorisation
    const state = await waitUntil(async () => {
      const s = await stack.client.workflow.getHandle(cycleId, newRunId).query<{ stage: string; waitingFor?: string }>('state');
      return s.waitingFor === 'work authorisation' ? s : undefined;
    });
    expect(state.stage).toBe('selected');
    recorded.push({ name: 'repair-cycle-after-reset', workflowId: cycleId });
    // activities ran again under their business keys: one audit row per step, the selection SMS sent once
    const audit = await stack.db.select().from(auditEvents).where(eq(auditEvents.cycleId, cycleId)).orderBy(asc(auditEvents.seq));
    expect(audit.map((e) => e.step).sort()).toEqual(['preselection', 'selection']);
    const sms = await stack.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, `${cycleId}:selection:sms`));
    expect(sms).toHaveLength(1);
    const described = await stack.client.workflow.getHandle(cycleId, runId).describe();
    expect(described.status.name).toBe('TERMINATED');

    expect((await post(`/operations/repairs/workflows/${cycleId}/reset`, { reason: 'not a workflow task', eventId: 1 })).statusCode).toBe(422);
    expect((await post('/operations/repairs/workflows/worker-nope-1/reset', { reason: 'unknown' })).statusCode).toBe(404);
    expect((await repairsOf(cycleId)).map((r) => r.status).sort()).toEqual(['done', 'failed']);
  }, 60_000);

  it('the last good step: before the first failed workflow task, else the last completed one', () => {
    const ev = (eventId: number, eventType: number) => ({ eventId: eventId as never, eventType });
    const { EVENT_TYPE_WORKFLOW_TASK_COMPLETED: done, EVENT_TYPE_WORKFLOW_TASK_FAILED: failed, EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: scheduled } = EventType;
    expect(resetPointOf([ev(4, done), ev(5, scheduled), ev(9, done), ev(12, failed), ev(15, done)])).toEqual({ eventId: 9, why: 'before_first_failed_workflow_task' });
    expect(resetPointOf([ev(4, done), ev(5, scheduled)])).toEqual({ eventId: 4, why: 'last_completed_workflow_task' });
    expect(() => resetPointOf([ev(4, done)], 5)).toThrow(/not a completed workflow task/);
  });

  it('resets every workflow a visibility query names, as one batch operation, and records who', async () => {
    const { campaignId } = await openSampleCampaign(stack, 'rep-batch', 'B21000045');
    const cycles = [await startCycle(campaignId), await startCycle(campaignId)];
    const runIds = await Promise.all(cycles.map(async (c) => (await stack.client.workflow.getHandle(c.cycleId).describe()).runId));
    const query = `WorkflowType="workerCycleWorkflow" AND ExecutionStatus="Running" AND CampaignId="${campaignId}"`;
    await waitUntil(async () => (await stack.client.workflow.count(query)).count === 2);

    const res = await post('/operations/repairs/batch-resets', { query, reason: 'bad deploy 2027-01-10, fix deployed' });
    expect(res.statusCode, res.body).toBe(202);
    const jobId = res.json().details.jobId as string;
    expect(res.json()).toMatchObject({ kind: 'batch_reset', target: query, status: 'started' });
    const job = await waitUntil(async () => {
      const j = (await get(`/operations/repairs/batch-resets/${jobId}`)).json();
      return j.state === 'completed' ? j : undefined;
    }, 60_000, 500);
    expect(job).toMatchObject({ totalOperations: 2, completedOperations: 2, failedOperations: 0 });
    for (const [i, c] of cycles.entries()) {
      const now = await stack.client.workflow.getHandle(c.cycleId).describe();
      expect(now.runId).not.toBe(runIds[i]);
      await waitUntil(async () => (await stack.client.workflow.getHandle(c.cycleId).query<{ waitingFor?: string }>('state')).waitingFor === 'employer selection');
    }
    expect((await repairsOf(query))[0]).toMatchObject({ status: 'done', details: { jobId, completedOperations: 2 } });
    for (const bad of ['NotAnAttribute = 1', `"; drop table x; --`, 'WorkflowType = ', '((((']) {
      const refused = await post('/operations/repairs/batch-resets', { query: bad, reason: 'bad query' });
      expect(refused.statusCode, `${bad}: ${refused.body}`).toBe(422);
      expect(refused.json().issues[0].field).toBe('body.query');
    }
    expect((await get('/operations/repairs/batch-resets/repair-999999-batch-reset')).statusCode).toBe(404);
  }, 90_000);

  it('is for administrators: an auditor reads the repairs, a coordinator may do neither', async () => {
    const list = await stack.app.inject({ method: 'GET', url: '/operations/repairs?limit=5', headers: await authHeader('auditor') });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items.length).toBeGreaterThan(0);
    const asAuditor = await stack.app.inject({ method: 'POST', url: '/operations/repairs/workflows/x/reset', payload: { reason: 'not mine' }, headers: await authHeader('auditor') });
    expect(asAuditor.statusCode).toBe(403);
    expect((await stack.app.inject({ method: 'GET', url: '/operations/repairs', headers: await authHeader('coordinator') })).statusCode).toBe(403);
  });
});

describe('the runbook (docs/runbook.md)', () => {
  it("runs its commands as written, against this run's API, identity provider and Temporal server", async () => {
    // a cycle whose visa was issued (documents, a notice by e-mail and SMS), and a visa batch of two authorised files
    const { campaignId, offerId } = await openSampleCampaign(stack, 'rep-book', 'B21000046');
    const [{ cycleId }, m1, m2] = [await startCycle(campaignId), await startCycle(campaignId), await startCycle(campaignId)];
    for (const c of [cycleId, m1.cycleId, m2.cycleId]) {
      await step(c, 'selection', { decision: 'selected', offerId });
      await step(c, 'authorisation', { authorisationNumber: ref('AUT'), issuedOn: '2026-12-01' });
    }
    await step(cycleId, 'visa-file', { fileReference: 'VF-BOOK-1', submittedOn: '2026-12-05' });
    await step(cycleId, 'consular-decision', { decision: 'issued', visaNumber: 'ESP-BOOK-1' });
    await waitUntil(async () => (await stack.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, `${cycleId}:visa_issued:sms`)))[0]?.sentAt && true);
    const batch = await post(`/campaigns/${campaignId}/visa-batches`, { weekStart: '2027-01-04' });
    expect(batch.statusCode, batch.body).toBe(201);
    const passenger = await startCycle(campaignId);
    await readyToDepart(passenger.cycleId, offerId);
    const departureId = await sailing(campaignId, [passenger.cycleId]);
    const api = await stack.app.listen({ host: '127.0.0.1', port: 0 });
    const blocks = runbookBlocks(fs.readFileSync('docs/runbook.md', 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const env = {
      ...process.env,
      API: api,
      OIDC: inject('oidcIssuer'),
      ADMIN_CLIENT_SECRET: ADMIN.clientSecret,
      TEMPORAL: resolveTemporalBinary(loadConfig()),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'default',
      CYCLE: cycleId,
      CAMPAIGN: campaignId,
      BATCH: batch.json().batchId as string,
      MEMBER: m2.cycleId,
      SAILING: departureId,
      PASSENGER: passenger.cycleId,
    };
    const script = ['set -euo pipefail', ...blocks].join('\n');
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { env, timeout: 120_000, maxBuffer: 10_000_000 }).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`runbook failed: ${err.stderr ?? ''}\n${err.stdout ?? ''}`);
    });
    expect(stdout).toContain('"kind":"resend_message"');
    expect(stdout).toContain('"kind":"reset_workflow"');
    expect(stdout).toMatch(/batch reset repair-\d+-batch-reset: completed/);
    const repairs = await stack.db.select().from(operatorRepairs).where(eq(operatorRepairs.cycleId, cycleId));
    expect(repairs.map((r) => r.kind).sort()).toEqual(['regenerate_document', 'resend_message', 'reset_workflow']);
    expect((await repairsOf(batch.json().batchId))[0]).toMatchObject({ kind: 'release_visa_batch_member', cycleId: m2.cycleId, actorSubject: ADMIN.clientId });
    expect((await repairsOf(departureId))[0]).toMatchObject({ kind: 'release_sailing_passenger', cycleId: passenger.cycleId, actorSubject: ADMIN.clientId });
    expect(repairs.every((r) => r.actorSubject === ADMIN.clientId && r.status === 'done')).toBe(true);
  }, 150_000);
});
