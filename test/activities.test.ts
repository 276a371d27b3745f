// Activities against real PostgreSQL and a real SMTP catcher: each one is idempotent on its business key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { createActivities } from '../activities';
import { connectDb, type DbHandle } from '../db/client';
import { auditEvents, campaigns, candidates, documents, emailOutbox, employers, offers, workerCycles } from '../db/schema';
import { startMailCatcher, type MailCatcherHandle } from '../scripts/lib/mail-catcher';
import { documentRenderer } from '../templates/render';
import { createMailer } from '../worker/create-worker';
import { sampleCandidate, testConfig, uniqueSuffix } from './support';

let handle: DbHandle;
let mail: MailCatcherHandle;
let acts: ReturnType<typeof createActivities>;
let cycleId: string;
let base: Parameters<ReturnType<typeof createActivities>['recordTransition']>[0];

beforeAll(async () => {
  handle = connectDb(inject('databaseUrl'));
  mail = await startMailCatcher({ smtpPort: 0 });
  acts = createActivities({ temporal: undefined as never, db: handle.db, mailer: createMailer({ SMTP_HOST: '127.0.0.1', SMTP_PORT: mail.smtpPort }), documents: documentRenderer, config: testConfig });
  const campaignId = `act-${uniqueSuffix()}`;
  const { db } = handle;
  await db.insert(campaigns).values({ id: campaignId, name: 'Test', season: 2027, destinationProvince: 'Huelva', createdBy: 't' });
  await db.insert(employers).values({ id: 'B21999999', name: 'Berries SL', province: 'Huelva', email: 'hr@berries.test' }).onConflictDoNothing();
  const offerId = `${campaignId}-b21999999-1`;
  await db.insert(offers).values({
    id: offerId, campaignId, employerId: 'B21999999', posts: 10, post: 'Ouvrière agricole', tasks: 'Récolte', contractMonths: 6,
    contractStart: '2027-02-01', contractEnd: '2027-07-31', trialDays: 15, dailyWageEur: '41.00', hoursPerDay: '6.50',
    breakMinutes: 30, daysOffPerWeek: 1, overtimePaid: true, housingProvided: true, transportPaid: true, medicalCover: true,
  });
  const [cand] = await db.insert(candidates).values(sampleCandidate() as typeof candidates.$inferInsert).returning();
  cycleId = `worker-${campaignId}-${cand!.id}`;
  base = {
    cycleId, campaignId, candidateId: cand!.id, province: cand!.province, seq: 1, step: 'preselection', stage: 'preselected',
    actor: 'tester', occurredAt: new Date().toISOString(), details: {}, cycle: {},
  };
  await acts.recordTransition(base);
  await acts.recordTransition({ ...base, seq: 2, step: 'selection', stage: 'selected', cycle: { employerId: 'B21999999', offerId, contractStart: '2027-02-01', contractEnd: '2027-07-31' } });
});
afterAll(async () => {
  await mail?.stop();
  await handle?.close();
});

describe('activities', () => {
  it('recordTransition is idempotent on (cycle, seq) and never moves a cycle backwards', async () => {
    await acts.recordTransition({ ...base, seq: 2, step: 'selection', stage: 'selected', cycle: { employerId: 'B21999999' } });
    await acts.recordTransition(base); // a late retry of seq 1
    const audit = await handle.db.select().from(auditEvents).where(eq(auditEvents.cycleId, cycleId)).orderBy(asc(auditEvents.seq));
    expect(audit.map((a) => a.seq)).toEqual([1, 2]);
    const [row] = await handle.db.select().from(workerCycles).where(eq(workerCycles.id, cycleId));
    expect(row).toMatchObject({ stage: 'selected', lastSeq: 2, employerId: 'B21999999' });
  });

  it('recordTransition: the retry of a lost workflow task rewrites what the lost task wrote, and no step is recorded twice', async () => {
    const [cand] = await handle.db.insert(candidates).values(sampleCandidate() as typeof candidates.$inferInsert).returning();
    const cycleId = `worker-${base.campaignId}-${cand!.id}`;
    const first = { ...base, cycleId, candidateId: cand!.id };
    await acts.recordTransition(first);
    await acts.recordTransition({ ...first, seq: 2, step: 'selection', stage: 'selected' });
    // A lost task (worker killed before it completed) took the return first: seqs 3-4 written at its time
    const lost = new Date(Date.parse(base.occurredAt) + 1_000).toISOString();
    const retry = new Date(Date.parse(base.occurredAt) + 12_000).toISOString();
    const later = new Date(Date.parse(base.occurredAt) + 13_000).toISOString();
    const returned = { cycle: { returnedOn: '2027-07-30', nextSeasonEligible: true } };
    await acts.recordTransition({ ...first, seq: 3, step: 'return_verified', stage: 'awaiting_return', occurredAt: lost, ...returned });
    await acts.recordTransition({ ...first, seq: 4, step: 'returned', stage: 'closed', outcome: 'returned', occurredAt: lost, ...returned });
    // its retry took the deadline first, then the return in the next task
    await acts.recordTransition({ ...first, seq: 3, step: 'contract_ended', stage: 'awaiting_return', occurredAt: retry, cycle: {} });
    let [row] = await handle.db.select().from(workerCycles).where(eq(workerCycles.id, cycleId));
    expect(row).toMatchObject({ stage: 'awaiting_return', outcome: null, lastSeq: 3 });
    await acts.recordTransition({ ...first, seq: 4, step: 'return_verified', stage: 'awaiting_return', occurredAt: later, ...returned });
    await acts.recordTransition({ ...first, seq: 5, step: 'returned', stage: 'closed', outcome: 'returned', occurredAt: later, ...returned });
    // a stale retry of seq 3 from the lost task changes nothing
    await acts.recordTransition({ ...first, seq: 3, step: 'return_verified', stage: 'awaiting_return', occurredAt: lost, ...returned });
    const audit = await handle.db.select().from(auditEvents).where(eq(auditEvents.cycleId, cycleId)).orderBy(asc(auditEvents.seq));
    expect(audit.map((a) => `${a.seq} ${a.step}`)).toEqual(['1 preselection', '2 selection', '3 contract_ended', '4 return_verified', '5 returned']);
    [row] = await handle.db.select().from(workerCycles).where(eq(workerCycles.id, cycleId));
    expect(row).toMatchObject({ stage: 'closed', outcome: 'returned', lastSeq: 5 });
  });

  it('issueContractDocuments stores each document once', async () => {
    const first = await acts.issueContractDocuments({ cycleId });
    const second = await acts.issueContractDocuments({ cycleId });
    expect(second.documentIds).toEqual(first.documentIds);
    const docs = await handle.db.select().from(documents).where(eq(documents.cycleId, cycleId));
    expect(docs.map((d) => d.kind).sort()).toEqual(['employment_contract', 'predeparture_sheet', 'return_commitment']);
    expect(docs.every((d) => d.content.subarray(0, 4).toString() === '%PDF')).toBe(true);
  });

  it('sendNotification sends once per outbox key, even when retried', async () => {
    const { documentIds } = await acts.issueContractDocuments({ cycleId });
    const n = { key: `${cycleId}:visa_issued`, cycleId, audience: ['worker', 'employer'] as const, template: 'visa_issued', documentIds };
    const first = await acts.sendNotification({ ...n, audience: [...n.audience] });
    const second = await acts.sendNotification({ ...n, audience: [...n.audience] });
    expect(first.sent).toBe(true);
    expect(second.sent).toBe(false);
    // no e-mail address for the worker: the agency gets it, plus the employer
    expect(first.recipients.sort()).toEqual(['agency@anapec.test', 'hr@berries.test']);
    await mail.waitFor((m) => m.text.includes(cycleId), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(mail.messages().filter((m) => m.text.includes(cycleId))).toHaveLength(1);
    const [row] = await handle.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, n.key));
    expect(row?.sentAt).not.toBeNull();
    expect(mail.messages()[0]!.attachments).toHaveLength(3);
  });

  it('fails without retry for an unknown cycle', async () => {
    await expect(acts.issueContractDocuments({ cycleId: 'worker-none-1' })).rejects.toMatchObject({ type: 'CycleNotFound', nonRetryable: true });
  });
});
