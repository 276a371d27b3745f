// SMS to the workers over SMPP against the run's local SMSC, through the outbox: Arabic in UCS-2 and multipart,
// sent once when retried, delivery receipts stored, undelivered SMS sent again then escalated to the agency, and the
// agencies' call lists (CSV, PDF, outcomes, escalation after the configured attempts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app';
import { createActivities } from '../activities';
import { createSmsDelivery } from '../activities/sms';
import { connectDb, type DbHandle } from '../db/client';
import { agencies, callListEntries, campaigns, candidates, emailOutbox, employers, offers, smsReceipts } from '../db/schema';
import { startMailCatcher, type MailCatcherHandle } from '../scripts/lib/mail-catcher';
import type { SmscPart } from '../scripts/lib/smsc';
import { documentRenderer } from '../templates/render';
import { splitSms } from '../templates/sms';
import { createSmsGateway, type SmsGateway } from '../worker/sms';
import { createMailer } from '../worker/create-worker';
import { actingAs, sampleCandidate, smscMessages, testConfig, testSmsGateway, uniqueSuffix, waitUntil } from './support';

/** Local time as this runtime's time-zone data has Morocco's offset (tzdata 2026 changed it; Node 24 ships that). */
const moroccoTime = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Africa/Casablanca', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));

let handle: DbHandle;
let mail: MailCatcherHandle;
let sms: SmsGateway;
let app: FastifyInstance;
let acts: ReturnType<typeof createActivities>;
let campaignId: string;
let offerId: string;
let delivery: ReturnType<typeof createSmsDelivery>;
let refuseNext = 0;
// a province of its own, so its agency and call list are this file's alone
const province = `Kénitra-${uniqueSuffix()}`;
const agencyId = `anapec-${uniqueSuffix()}`;

async function cycleFor(overrides: Record<string, unknown>, departureAt = '2027-01-30T08:00:00Z'): Promise<string> {
  const { db } = handle;
  const [cand] = await db.insert(candidates).values(sampleCandidate({ province, ...overrides }) as typeof candidates.$inferInsert).returning();
  const cycleId = `worker-${campaignId}-${cand!.id}`;
  const base = { cycleId, campaignId, candidateId: cand!.id, province, actor: 't', occurredAt: new Date().toISOString(), details: {} };
  await acts.recordTransition({ ...base, seq: 1, step: 'preselection', stage: 'preselected', cycle: {} });
  await acts.recordTransition({
    ...base,
    seq: 2,
    step: 'convocation',
    stage: 'convoked',
    cycle: { employerId: 'B21888888', offerId, contractStart: '2027-02-01', contractEnd: '2027-07-31', departureAt, port: 'Tanger Ville' },
  });
  return cycleId;
}

beforeAll(async () => {
  handle = connectDb(inject('databaseUrl'));
  mail = await startMailCatcher({ smtpPort: 0 });
  sms = testSmsGateway();
  const deps = { temporal: undefined as never, db: handle.db, mailer: createMailer({ SMTP_HOST: '127.0.0.1', SMTP_PORT: mail.smtpPort }), sms, documents: documentRenderer, config: testConfig };
  acts = createActivities(deps);
  delivery = createSmsDelivery(deps);
  // the next `refuseNext` receipts fail to be stored, as when PostgreSQL is down
  sms.onReceipt(async (r) => {
    if (refuseNext > 0) {
      refuseNext--;
      throw new Error('PostgreSQL is down');
    }
    await delivery.store(r);
  });
  app = actingAs(await buildApp({ db: handle.db, temporal: undefined as never, config: { ...testConfig, CALL_ATTEMPTS_BEFORE_ESCALATION: 2 }, mailer: deps.mailer, logger: false }), 'admin');
  await app.ready();
  campaignId = `sms-${uniqueSuffix()}`;
  const { db } = handle;
  await db.insert(campaigns).values({ id: campaignId, name: 'Fraise 2027', season: 2027, destinationProvince: 'Huelva', createdBy: 't' });
  await db.insert(employers).values({ id: 'B21888888', name: 'Fresas SL', province: 'Huelva', email: 'hr@fresas.test' }).onConflictDoNothing();
  offerId = `${campaignId}-1`;
  await db.insert(offers).values({
    id: offerId, campaignId, employerId: 'B21888888', posts: 10, post: 'Ouvrière agricole', tasks: 'Récolte', contractMonths: 6,
    contractStart: '2027-02-01', contractEnd: '2027-07-31', trialDays: 15, dailyWageEur: '41.00', hoursPerDay: '6.50',
    breakMinutes: 30, daysOffPerWeek: 1, overtimePaid: true, housingProvided: true, transportPaid: true, medicalCover: true,
  });
});
afterAll(async () => {
  await app?.close();
  await sms?.close();
  await mail?.stop();
  await handle?.close();
});

describe('SMS to the workers', () => {
  it('cuts Arabic into UCS-2 parts of 67 characters and French into GSM parts', () => {
    expect(splitSms('a'.repeat(160))).toEqual({ dataCoding: 0, parts: ['a'.repeat(160)] });
    expect(splitSms('ب'.repeat(70)).parts).toHaveLength(1);
    const long = splitSms('ب'.repeat(140));
    expect(long.dataCoding).toBe(8);
    expect(long.parts.map((p) => p.length)).toEqual([67, 67, 6]);
  });

  it('registers an agency for a province', async () => {
    const res = await app.inject({ method: 'PUT', url: `/agencies/${agencyId}`, payload: { name: 'ANAPEC Kénitra', province, email: 'kenitra@anapec.test', phone: '+212537000000' } });
    expect(res.statusCode).toBe(200);
    const bad = await app.inject({ method: 'PUT', url: `/agencies/${agencyId}`, payload: { name: 'x', province, email: 'not-an-address' } });
    expect(bad.statusCode).toBe(400);
  });

  it('sends the convocation in Arabic over SMPP once, even when retried, and stores the delivery receipt', async () => {
    const phone = `+212 6${String(Date.now()).slice(-8)}`;
    const cycleId = await cycleFor({ firstName: 'فاطمة', lastName: 'العمراني', language: 'ar', phone });
    const n = { key: `${cycleId}:convocation`, cycleId, audience: ['worker' as const], template: 'convocation', documentIds: [] };
    const first = await acts.sendNotification(n);
    const again = await acts.sendNotification(n);
    expect(first.smsParts).toBeGreaterThan(1);
    const digits = phone.replace(/\D/g, '');
    const caught = await waitUntil(async () => {
      const got = (await smscMessages()).filter((m) => m.destination === digits && m.receipt);
      return got.length ? got : undefined;
    }, 30_000);
    expect(caught).toHaveLength(1);
    expect(again.smsParts).toBe(first.smsParts);
    const [message] = caught;
    expect(message!.dataCoding).toBe(8);
    expect(message!.parts).toBe(first.smsParts);
    expect(message!.text).toContain(`أنت مدعوة للسفر يوم 30/01/2027 ${moroccoTime('2027-01-30T08:00:00Z')} من ميناء Tanger Ville`);
    expect(message!.text).toContain('جواز السفر وبطاقة الشرطة والتذكرة');
    const row = await waitUntil(async () => {
      const [r] = await handle.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, `${n.key}:sms`));
      return r?.delivery === 'delivered' ? r : undefined;
    }, 30_000);
    expect(row.channel).toBe('sms');
    expect(row.attempts).toBe(1);
    const receipts = await handle.db.select().from(smsReceipts).where(eq(smsReceipts.outboxId, row.id));
    expect(receipts.map((r) => r.stat)).toEqual(Array(first.smsParts).fill('DELIVRD'));
    // every convocation is also on the agency's call list, with the message to read
    const [entry] = await handle.db.select().from(callListEntries).where(eq(callListEntries.cycleId, cycleId));
    expect(entry).toMatchObject({ agencyId, purpose: 'convocation', reason: 'announcement', dueOn: '2027-01-30' });
    expect(entry!.message).toBe(message!.text);
  });

  it('keeps a receipt it could not store: unacknowledged, the SMSC delivers it again and the SMS ends delivered', async () => {
    const phone = `+212 6${String(Date.now() + 7).slice(-8)}`;
    const cycleId = await cycleFor({ firstName: 'Amina', lastName: 'Fassi', language: 'fr', phone });
    const n = { key: `${cycleId}:selection`, cycleId, audience: ['worker' as const], template: 'selection', documentIds: [] };
    refuseNext = 1;
    const sent = await acts.sendNotification(n);
    expect(sent.smsParts).toBe(1);
    const row = await waitUntil(async () => {
      const [r] = await handle.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, `${n.key}:sms`));
      return r?.delivery === 'delivered' ? r : undefined;
    }, 30_000);
    expect(refuseNext).toBe(0);
    const { parts } = (await (await fetch(`${inject('smscUrl')}/messages`)).json()) as { parts: SmscPart[] };
    const [part] = parts.filter((p) => p.messageId === row.smscMessageIds![0]);
    expect(part).toMatchObject({ receipt: 'DELIVRD', receiptAcknowledged: true });
    expect(part!.receiptDeliveries).toBe(2);
    expect(await handle.db.select().from(smsReceipts).where(eq(smsReceipts.outboxId, row.id))).toHaveLength(1);
  });

  it('decides an SMS from receipts that came before its part ids were written', async () => {
    const cycleId = await cycleFor({ firstName: 'Hafsa', lastName: 'Idrissi', language: 'fr', phone: '+212 600 555 666' });
    const ids = [`early-${uniqueSuffix()}-1`, `early-${uniqueSuffix()}-2`];
    for (const messageId of ids) await delivery.store({ messageId, stat: 'DELIVRD', err: null });
    const [row] = await handle.db
      .insert(emailOutbox)
      .values({ idempotencyKey: `${cycleId}:early:sms`, channel: 'sms', cycleId, toAddresses: ['+212600555666'], subject: 'selection', body: 'x', delivery: 'pending', smscMessageIds: ids, sentAt: new Date(), attempts: 1 })
      .returning();
    await delivery.settle(row!.id);
    const [after] = await handle.db.select().from(emailOutbox).where(eq(emailOutbox.id, row!.id));
    expect(after!.delivery).toBe('delivered');
    expect(await handle.db.select().from(smsReceipts).where(eq(smsReceipts.outboxId, row!.id))).toHaveLength(2);
  });

  it('sends an undelivered SMS again, then escalates to the agency: call list and e-mail', async () => {
    const cycleId = await cycleFor({ firstName: 'Khadija', lastName: 'Bennani', language: 'fr', phone: `+212 699 ${String(Date.now()).slice(-6)}` });
    const n = { key: `${cycleId}:visa_issued`, cycleId, audience: ['worker' as const], template: 'visa_issued', documentIds: [] };
    await acts.sendNotification(n);
    const row = await waitUntil(async () => {
      const [r] = await handle.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, `${n.key}:sms`));
      return r?.delivery === 'escalated' ? r : undefined;
    }, 30_000);
    expect(row.attempts).toBe(testConfig.SMS_MAX_ATTEMPTS);
    expect(row.lastError).toContain('UNDELIV');
    const [entry] = await handle.db.select().from(callListEntries).where(and(eq(callListEntries.cycleId, cycleId), eq(callListEntries.purpose, 'visa_issued')));
    expect(entry).toMatchObject({ agencyId, reason: 'sms_failed' });
    const escalation = await mail.waitFor((m) => m.subject.includes('SMS non remis') && m.text.includes(cycleId), 10_000);
    expect(escalation.to).toEqual(['kenitra@anapec.test']);
  });

  it('falls back to the call list when the SMSC cannot be reached, after the configured attempts', async () => {
    const { freePort } = await import('../scripts/lib/process');
    const nowhere = createSmsGateway({ SMPP_HOST: '127.0.0.1', SMPP_PORT: await freePort(), SMPP_SYSTEM_ID: 'x', SMPP_PASSWORD: 'x', SMS_SENDER: 'ANAPEC' });
    const offline = createActivities({ temporal: undefined as never, db: handle.db, mailer: createMailer({ SMTP_HOST: '127.0.0.1', SMTP_PORT: mail.smtpPort }), sms: nowhere, documents: documentRenderer, config: testConfig });
    const cycleId = await cycleFor({ firstName: 'Naima', lastName: 'Tazi', language: 'fr', phone: '+212 600 333 444' });
    const n = { key: `${cycleId}:visa_issued`, cycleId, audience: ['worker' as const], template: 'visa_issued', documentIds: [] };
    await expect(offline.sendNotification(n)).rejects.toThrow();
    expect((await offline.sendNotification(n)).smsParts).toBe(0);
    const [row] = await handle.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, `${n.key}:sms`));
    expect(row).toMatchObject({ attempts: 2, delivery: 'escalated', sentAt: null });
    const [entry] = await handle.db.select().from(callListEntries).where(eq(callListEntries.cycleId, cycleId));
    expect(entry).toMatchObject({ reason: 'sms_failed', purpose: 'visa_issued' });
    await nowhere.close();
  });

  it('reaches a worker without a phone through her agency', async () => {
    const cycleId = await cycleFor({ firstName: 'Zineb', lastName: 'Alaoui', language: 'ar', phone: undefined });
    const res = await acts.sendNotification({ key: `${cycleId}:selection`, cycleId, audience: ['worker'], template: 'selection', documentIds: [] });
    expect(res.smsParts).toBe(0);
    const [entry] = await handle.db.select().from(callListEntries).where(eq(callListEntries.cycleId, cycleId));
    expect(entry).toMatchObject({ reason: 'no_phone', purpose: 'selection' });
    expect(entry!.message).toContain('تم اختيارك للعمل في موسم Fraise 2027');
  });
});

describe('call lists', () => {
  it('lists an agency\'s workers to phone as CSV and PDF, records outcomes and escalates the unreachable', async () => {
    const cycleId = await cycleFor({ firstName: 'سعاد', lastName: 'الإدريسي', language: 'ar', phone: '+212 600 111 222' }, '2027-02-06T08:00:00Z');
    await acts.sendNotification({ key: `${cycleId}:convocation`, cycleId, audience: ['worker'], template: 'convocation', documentIds: [] });
    const csv = await app.inject({ method: 'GET', url: `/agencies/${agencyId}/call-list?purpose=convocation&dueOn=2027-02-06`, headers: { accept: 'text/csv' } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\n')[0]).toBe('entryId,name,phone,message,date,reason,attempts,outcome');
    expect(csv.body).toContain('سعاد الإدريسي');
    expect(csv.body).toContain('+212 600 111 222');
    const pdf = await app.inject({ method: 'GET', url: `/agencies/${agencyId}/call-list.pdf?purpose=convocation&dueOn=2027-02-06` });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.rawPayload.subarray(0, 4).toString()).toBe('%PDF');
    fs.mkdirSync('test-artifacts/documents', { recursive: true });
    fs.writeFileSync('test-artifacts/documents/call-list.pdf', pdf.rawPayload);
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', 'test-artifacts/documents/call-list.pdf', 'test-artifacts/documents/call-list']);
    const json = await app.inject({ method: 'GET', url: `/agencies/${agencyId}/call-list?purpose=convocation&dueOn=2027-02-06` });
    const entry = (json.json() as { entries: { entryId: number; name: string }[] }).entries.find((e) => e.name === 'سعاد الإدريسي')!;
    const call = (outcome: string) => app.inject({ method: 'POST', url: `/call-list/${entry.entryId}/calls`, payload: { outcome, calledBy: 'agent@anapec.test' } });
    expect((await call('unreachable')).json()).toMatchObject({ attempts: 1, outcome: 'unreachable', escalated: false });
    expect((await call('unreachable')).json()).toMatchObject({ attempts: 2, outcome: 'unreachable', escalated: true });
    await mail.waitFor((m) => m.subject.includes('injoignable') && m.text.includes(cycleId), 10_000);
    expect((await call('confirmed')).json()).toMatchObject({ attempts: 3, outcome: 'confirmed' });
    const bad = await app.inject({ method: 'POST', url: `/call-list/${entry.entryId}/calls`, payload: { outcome: 'maybe', calledBy: 'x' } });
    expect(bad.statusCode).toBe(400);
    const missing = await app.inject({ method: 'POST', url: '/call-list/999999999/calls', payload: { outcome: 'reached', calledBy: 'x' } });
    expect(missing.statusCode).toBe(404);
    // outcomes by file
    const file = await app.inject({
      method: 'POST',
      url: `/agencies/${agencyId}/call-outcomes`,
      headers: { 'content-type': 'text/csv' },
      payload: `entryId,outcome,calledBy\n${entry.entryId},reached,agent@anapec.test\n999999999,reached,agent@anapec.test\n${entry.entryId},sometimes,agent\n`,
    });
    expect(file.statusCode).toBe(200);
    expect(file.json()).toMatchObject({ rowsTotal: 3, rowsAccepted: 1, rowsRejected: 2 });
    void agencies;
  });
});
