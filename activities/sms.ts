// SMS to the worker through the outbox (channel 'sms', key = notification key + ':sms': sent once even when the
// activity is retried), and what happens to its delivery receipts: stored; an undelivered SMS is sent again after
// SMS_RETRY_DELAY up to SMS_MAX_ATTEMPTS in all, then escalated: the worker goes on her agency's call list and the
// agency gets an e-mail. Workers without a phone are reached through their agency's call list only.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { msToNumber } from '@temporalio/common/lib/time';
import { candidates, departurePassengers, emailOutbox, smsReceipts, workerCycles } from '../db/schema';
import { renderSms, SMS_TEMPLATES, type SmsTemplate } from '../templates/sms';
import type { SmsReceipt } from '../worker/sms';
import { addToCallList, agencyForProvince, ALWAYS_CALLED } from './call-lists';
import type { ActivityDeps } from './deps';
import { sendOutboxEmail } from './outbox';

const FAILED = new Set(['UNDELIV', 'REJECTD', 'EXPIRED', 'DELETED', 'UNKNOWN']);
const RECEIPT_LOOKUPS = 20;
const casablancaDay = (iso: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Casablanca' }).format(iso);

export interface WorkerSmsInput {
  key: string;
  cycleId: string;
  template: string;
}

type SmsDeps = Pick<ActivityDeps, 'db' | 'mailer' | 'config' | 'sms'>;

async function workerOf(db: ActivityDeps['db'], cycleId: string) {
  const [row] = await db
    .select({ cycle: workerCycles, candidate: candidates })
    .from(workerCycles)
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .where(eq(workerCycles.id, cycleId));
  return row;
}

/** The SMS for a worker step (selection, visa issued, convocation, return reminder), and her place on the call list. */
export async function sendWorkerSms(deps: SmsDeps, n: WorkerSmsInput, text: string): Promise<{ sent: boolean; parts: number }> {
  if (!SMS_TEMPLATES.includes(n.template)) return { sent: false, parts: 0 };
  const { db } = deps;
  const row = await workerOf(db, n.cycleId);
  if (!row) return { sent: false, parts: 0 };
  const { cycle, candidate } = row;
  const departure = n.template === 'convocation'
    ? (await db.select({ id: departurePassengers.departureId }).from(departurePassengers).where(eq(departurePassengers.cycleId, n.cycleId)))[0]?.id
    : undefined;
  const call = {
    cycleId: n.cycleId,
    campaignId: cycle.campaignId,
    province: candidate.province,
    purpose: n.template,
    message: text,
    dueOn: n.template === 'convocation' && cycle.departureAt ? casablancaDay(cycle.departureAt) : casablancaDay(new Date()),
    departureId: departure ?? null,
  };
  if (!candidate.phone) {
    await addToCallList(db, { ...call, reason: 'no_phone' });
    return { sent: false, parts: 0 };
  }
  if (ALWAYS_CALLED.includes(n.template)) await addToCallList(db, { ...call, reason: 'announcement' });

  const key = `${n.key}:sms`;
  await db
    .insert(emailOutbox)
    .values({ idempotencyKey: key, channel: 'sms', cycleId: n.cycleId, toAddresses: [candidate.phone], subject: n.template, body: text, delivery: 'pending' })
    .onConflictDoNothing();
  const [sms] = await db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, key));
  if (!sms) throw new Error(`outbox row ${key} vanished`);
  if (sms.sentAt) return { sent: false, parts: sms.smscMessageIds?.length ?? 0 };
  if (!deps.sms) {
    // a process built without an SMS gateway: the SMS stays unsent in the outbox and the agency phones her
    await db.update(emailOutbox).set({ lastError: 'no SMS gateway in this process' }).where(eq(emailOutbox.id, sms.id));
    await addToCallList(db, { ...call, reason: 'sms_failed' });
    return { sent: false, parts: 0 };
  }
  let ids: string[];
  try {
    ids = await deps.sms.submit(candidate.phone, text);
  } catch (err) {
    const [failed] = await db
      .update(emailOutbox)
      .set({ attempts: sql`${emailOutbox.attempts} + 1`, lastError: String(err) })
      .where(eq(emailOutbox.id, sms.id))
      .returning({ attempts: emailOutbox.attempts });
    // The SMSC refuses or cannot be reached: retried by Temporal a few times, then the agency phones her rather
    // than the worker's step waiting on the operator.
    if ((failed?.attempts ?? 0) < (deps.config.SMS_MAX_ATTEMPTS ?? 3)) throw err;
    await db.update(emailOutbox).set({ delivery: 'escalated' }).where(eq(emailOutbox.id, sms.id));
    await addToCallList(db, { ...call, reason: 'sms_failed' });
    return { sent: false, parts: 0 };
  }
  await db
    .update(emailOutbox)
    .set({ sentAt: new Date(), smscMessageIds: ids, attempts: sql`${emailOutbox.attempts} + 1`, lastError: null })
    .where(eq(emailOutbox.id, sms.id));
  return { sent: true, parts: ids.length };
}

/** The SMS text of a worker step, in her language. */
export function workerSmsText(template: string, ctx: { language: 'ar' | 'fr' | 'es'; sex: 'F' | 'M'; campaignName: string; employerName?: string | null; departureAt?: Date | null; port?: string | null; contractEnd?: string | null }): string {
  return renderSms(template as SmsTemplate, { ...ctx, departureAt: ctx.departureAt?.toISOString() ?? null });
}

/** Handles the SMSC's delivery receipts: built once per worker process, registered on the gateway. */
export function createSmsReceiptHandler(deps: SmsDeps): (receipt: SmsReceipt) => Promise<void> {
  const { db, config } = deps;
  const maxAttempts = config.SMS_MAX_ATTEMPTS ?? 3;
  const retryDelay = msToNumber((config.SMS_RETRY_DELAY ?? '10 minutes') as Parameters<typeof msToNumber>[0]);

  async function resend(outboxId: number): Promise<void> {
    const [sms] = await db.select().from(emailOutbox).where(eq(emailOutbox.id, outboxId));
    if (!sms || sms.delivery !== 'failed' || !deps.sms) return;
    try {
      const ids = await deps.sms.submit(sms.toAddresses[0]!, sms.body);
      await db.update(emailOutbox).set({ smscMessageIds: ids, delivery: 'pending', attempts: sql`${emailOutbox.attempts} + 1`, sentAt: new Date() }).where(eq(emailOutbox.id, outboxId));
    } catch (err) {
      await db.update(emailOutbox).set({ lastError: String(err) }).where(eq(emailOutbox.id, outboxId));
      setTimeout(() => void resend(outboxId).catch(() => {}), retryDelay).unref();
    }
  }

  async function escalate(sms: typeof emailOutbox.$inferSelect): Promise<void> {
    const row = sms.cycleId ? await workerOf(db, sms.cycleId) : undefined;
    if (!row) return;
    const { cycle, candidate } = row;
    await addToCallList(db, {
      cycleId: cycle.id,
      campaignId: cycle.campaignId,
      province: candidate.province,
      purpose: sms.subject,
      reason: 'sms_failed',
      message: sms.body,
      dueOn: casablancaDay(new Date()),
    });
    const agency = await agencyForProvince(db, candidate.province);
    await sendOutboxEmail(deps, {
      key: `${sms.idempotencyKey}:escalation`,
      cycleId: cycle.id,
      to: [agency?.email ?? config.AGENCY_EMAIL],
      subject: `[GECCO] SMS non remis – appeler ${candidate.firstName} ${candidate.lastName}`,
      body: `Le SMS « ${sms.subject} » n'a pas pu être remis à ${candidate.firstName} ${candidate.lastName} après ${sms.attempts} envoi(s). Elle est sur la liste d'appels de l'agence : merci de l'appeler et de lui lire le message.\n\nMessage à lire :\n${sms.body}\n\nRéférence / Referencia : ${cycle.id}\n`,
    });
    await db.update(emailOutbox).set({ delivery: 'escalated' }).where(eq(emailOutbox.id, sms.id));
  }

  const handle = async (receipt: SmsReceipt, tries = 0): Promise<void> => {
    const [sms] = await db
      .select()
      .from(emailOutbox)
      .where(and(eq(emailOutbox.channel, 'sms'), sql`${emailOutbox.smscMessageIds} @> array[${receipt.messageId}]::text[]`));
    // A receipt can arrive before the submission's part ids are written (the SMSC is quick, the last part is not
    // submitted yet): look again shortly, then keep it unattached.
    if (!sms && tries < RECEIPT_LOOKUPS) {
      setTimeout(() => void handle(receipt, tries + 1).catch(() => {}), 500).unref();
      return;
    }
    await db.insert(smsReceipts).values({ smscMessageId: receipt.messageId, outboxId: sms?.id ?? null, stat: receipt.stat, err: receipt.err }).onConflictDoNothing();
    if (!sms) return;
    if (receipt.stat === 'DELIVRD') {
      // delivered when every part of the current submission is
      const [{ delivered } = { delivered: 0 }] = await db
        .select({ delivered: sql<number>`count(distinct ${smsReceipts.smscMessageId})::int` })
        .from(smsReceipts)
        .where(and(eq(smsReceipts.stat, 'DELIVRD'), inArray(smsReceipts.smscMessageId, sms.smscMessageIds ?? [])));
      if (delivered >= (sms.smscMessageIds?.length ?? 1)) {
        await db.update(emailOutbox).set({ delivery: 'delivered', deliveredAt: new Date() }).where(and(eq(emailOutbox.id, sms.id), eq(emailOutbox.delivery, 'pending')));
      }
      return;
    }
    if (!FAILED.has(receipt.stat)) return;
    // the first failed part of a submission decides (later parts of the same one find it already failed)
    const [failed] = await db
      .update(emailOutbox)
      .set({ delivery: 'failed', lastError: `not delivered (${receipt.stat}${receipt.err ? ` err ${receipt.err}` : ''})` })
      .where(and(eq(emailOutbox.id, sms.id), eq(emailOutbox.delivery, 'pending')))
      .returning();
    if (!failed) return;
    if (failed.attempts < maxAttempts) setTimeout(() => void resend(failed.id).catch(() => {}), retryDelay).unref();
    else await escalate(failed);
  };
  return (receipt) => handle(receipt);
}
