// SMS to the worker through the outbox (channel 'sms', key = notification key + ':sms': sent once even when the
// activity is retried), and what happens to its delivery receipts: stored; an undelivered SMS is sent again after
// SMS_RETRY_DELAY up to SMS_MAX_ATTEMPTS in all, then escalated: the worker goes on her agency's call list and the
// agency gets an e-mail. Workers without a phone are reached through their agency's call list only.
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { msToNumber } from '@temporalio/common/lib/time';
import { candidates, departurePassengers, emailOutbox, smsReceipts, workerCycles } from '../db/schema';
import { renderSms, SMS_TEMPLATES, type SmsTemplate } from '../templates/sms';
import type { SmsReceipt } from '../worker/sms';
import { addToCallList, agencyForProvince, ALWAYS_CALLED } from './call-lists';
import type { ActivityDeps } from './deps';
import { sendOutboxEmail } from './outbox';

/** receipts stored by one statement at most */
const RECEIPT_BATCH_MAX = 200;
const FAILED = new Set(['UNDELIV', 'REJECTD', 'EXPIRED', 'DELETED', 'UNKNOWN']);
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

type WorkerRow = NonNullable<Awaited<ReturnType<typeof workerOf>>> & { agency?: { id: string } | null };

/** The SMS for a worker step (selection, visa issued, convocation, return reminder), and her place on the call list. */
export async function sendWorkerSms(deps: SmsDeps, n: WorkerSmsInput, text: string, loaded?: WorkerRow): Promise<{ sent: boolean; parts: number }> {
  if (!SMS_TEMPLATES.includes(n.template)) return { sent: false, parts: 0 };
  const { db } = deps;
  // the caller that has just read her cycle (a step's notification) passes it: one query less per SMS
  const row: WorkerRow | undefined = loaded ?? (await workerOf(db, n.cycleId));
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
    // read with her cycle by a step's notification (cycleContext); looked up by addToCallList otherwise
    ...(row.agency !== undefined ? { agencyId: row.agency?.id ?? null } : {}),
  };
  if (!candidate.phone) {
    await addToCallList(db, { ...call, reason: 'no_phone' });
    return { sent: false, parts: 0 };
  }
  if (ALWAYS_CALLED.includes(n.template)) await addToCallList(db, { ...call, reason: 'announcement' });

  const key = `${n.key}:sms`;
  const [created] = await db
    .insert(emailOutbox)
    .values({ idempotencyKey: key, channel: 'sms', cycleId: n.cycleId, toAddresses: [candidate.phone], subject: n.template, body: text, delivery: 'pending' })
    .onConflictDoNothing()
    .returning();
  // a retry finds the row its first attempt wrote
  const sms = created ?? (await db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, key)))[0];
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
  // receipts that came before the ids were written are waiting for them
  await createSmsDelivery(deps).settle(sms.id);
  return { sent: true, parts: ids.length };
}

/** The SMS text of a worker step, in her language. */
export function workerSmsText(template: string, ctx: { language: 'ar' | 'fr' | 'es'; sex: 'F' | 'M'; campaignName: string; employerName?: string | null; departureAt?: Date | null; port?: string | null; contractEnd?: string | null; site?: string | null; sessionOn?: string | null; sessionAt?: string | null }): string {
  return renderSms(template as SmsTemplate, { ...ctx, departureAt: ctx.departureAt?.toISOString() ?? null });
}

/**
 * What the SMSC's delivery receipts do to an SMS: built once per worker process. `store` keeps a receipt before the
 * gateway acknowledges it (an unacknowledged receipt is delivered again by the SMSC, so a crash loses none); `settle`
 * decides a submission from the receipts stored for its parts. Both the receipt and the submission call `settle`
 * once their side is written, so whichever comes second decides: a receipt may arrive before its parts' ids are.
 */
export function createSmsDelivery(deps: SmsDeps): {
  store: (receipt: SmsReceipt) => Promise<void>;
  settle: (outboxId: number) => Promise<void>;
  resumeRetries: () => Promise<number>;
} {
  const { db, config } = deps;
  const maxAttempts = config.SMS_MAX_ATTEMPTS ?? 3;
  const retryDelay = msToNumber((config.SMS_RETRY_DELAY ?? '10 minutes') as Parameters<typeof msToNumber>[0]);
  const later = (outboxId: number) => setTimeout(() => void resend(outboxId).catch(() => {}), retryDelay).unref();

  async function resend(outboxId: number): Promise<void> {
    if (!deps.sms) return;
    // claimed by one process only: two workers resuming retries do not both send it
    const [sms] = await db
      .update(emailOutbox)
      .set({ delivery: 'resending' })
      .where(and(eq(emailOutbox.id, outboxId), eq(emailOutbox.delivery, 'failed')))
      .returning();
    if (!sms) return;
    try {
      const ids = await deps.sms.submit(sms.toAddresses[0]!, sms.body);
      await db.update(emailOutbox).set({ smscMessageIds: ids, delivery: 'pending', attempts: sql`${emailOutbox.attempts} + 1`, sentAt: new Date() }).where(eq(emailOutbox.id, outboxId));
      await settle(outboxId);
    } catch (err) {
      await db.update(emailOutbox).set({ delivery: 'failed', lastError: String(err) }).where(eq(emailOutbox.id, outboxId));
      later(outboxId);
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

  /**
   * Decides the SMS `which` selects from the receipts stored for its current parts. One statement reads the SMS and
   * its receipts, attaches the receipts stored before its ids were written (whatever its state: a receipt belongs to
   * its SMS) and marks it delivered when every part of its current submission is (the usual end, in the same round
   * trip); a failed part is decided by a second statement here, which retries or escalates.
   */
  async function settleWhere(which: SQL): Promise<void> {
    const rows = await db.execute<{ id: number; delivery: string; ids: string[] | null; receipts: { id: string; stat: string; err: string | null }[] }>(sql`
      with sms as (select ${emailOutbox.id} as id, ${emailOutbox.delivery} as delivery, ${emailOutbox.smscMessageIds} as ids from ${emailOutbox} where ${which}),
      attached as (update ${smsReceipts} set outbox_id = sms.id from sms where ${smsReceipts.smscMessageId} = any(sms.ids) and ${smsReceipts.outboxId} is null),
      seen as (select sms.id, sms.delivery, sms.ids, coalesce(r.receipts, '[]'::json) as receipts,
        cardinality(sms.ids) > 0 and r.delivered = cardinality(sms.ids) and not r.failed as all_delivered
        from sms cross join lateral (select json_agg(json_build_object('id', r.smsc_message_id, 'stat', r.stat, 'err', r.err)) as receipts,
          count(distinct r.smsc_message_id) filter (where r.stat = 'DELIVRD') as delivered,
          coalesce(bool_or(r.stat in (${sql.join([...FAILED].map((f) => sql`${f}`), sql`, `)})), false) as failed
          from ${smsReceipts} r where r.smsc_message_id = any(sms.ids)) r),
      delivered as (update ${emailOutbox} set delivery = 'delivered', delivered_at = now() from seen
        where ${emailOutbox.id} = seen.id and seen.all_delivered and ${emailOutbox.delivery} = 'pending')
      select id, delivery, ids, receipts from seen`);
    for (const sms of rows) await decideFailure(sms);
  }

  async function decideFailure(sms: { id: number; delivery: string; ids: string[] | null; receipts: { id: string; stat: string; err: string | null }[] }): Promise<void> {
    if (sms.delivery !== 'pending' || !sms.ids?.length) return;
    const failure = sms.receipts.find((r) => FAILED.has(r.stat));
    // without a failed part: delivered by the settling statement when every part is, else still pending
    if (!failure) return;
    // the first failed part of a submission decides (a later settle finds it already failed)
    const [failed] = await db
      .update(emailOutbox)
      .set({ delivery: 'failed', lastError: `not delivered (${failure.stat}${failure.err ? ` err ${failure.err}` : ''})` })
      .where(and(eq(emailOutbox.id, sms.id), eq(emailOutbox.delivery, 'pending')))
      .returning();
    if (!failed) return;
    if (failed.attempts < maxAttempts) later(failed.id);
    else await escalate(failed);
  }

  const settle = (outboxId: number): Promise<void> => settleWhere(eq(emailOutbox.id, outboxId));

  /**
   * Stores receipts and settles their SMS. The receipts are written (and committed) before their SMS are looked up.
   * Looked up first, a submission writing its ids at that moment could miss a receipt in its settle while this lookup
   * missed its ids, and the SMS stayed pending for good (2 SMS in a CI fault season). Now either the submission's
   * settle sees the receipt or this lookup sees the ids; the settle attaches the receipt to its SMS. A receipt
   * delivered again (stored, then the process died before acknowledging it) settles its SMS again: that settle may be
   * the one the crash cut short.
   */
  async function storeAll(receipts: SmsReceipt[]): Promise<void> {
    await db
      .insert(smsReceipts)
      .values(receipts.map((r) => ({ smscMessageId: r.messageId, outboxId: null, stat: r.stat, err: r.err })))
      .onConflictDoNothing();
    const ids = receipts.map((r) => r.messageId);
    await settleWhere(and(eq(emailOutbox.channel, 'sms'), sql`${emailOutbox.smscMessageIds} && array[${sql.join(ids.map((id) => sql`${id}`), sql`, `)}]::text[]`)!);
  }

  // Receipts come in bursts (two or three parts per Arabic SMS, a whole sailing's convocations at once). Those that
  // arrive while a batch is being stored wait for the next one, so a burst costs two statements per batch instead of
  // two per receipt; a lone receipt is stored at once. Each receipt is acknowledged once its batch is stored: a failed
  // batch leaves all of its receipts unacknowledged, and the SMSC delivers them again.
  const waiting: { receipt: SmsReceipt; stored: () => void; failed: (err: unknown) => void }[] = [];
  let storing = false;
  async function storeWaiting(): Promise<void> {
    storing = true;
    try {
      while (waiting.length) {
        const batch = waiting.splice(0, RECEIPT_BATCH_MAX);
        try {
          await storeAll(batch.map((w) => w.receipt));
          for (const w of batch) w.stored();
        } catch (err) {
          for (const w of batch) w.failed(err);
        }
      }
    } finally {
      storing = false;
    }
  }
  function store(receipt: SmsReceipt): Promise<void> {
    return new Promise<void>((stored, failed) => {
      waiting.push({ receipt, stored, failed });
      if (!storing) void storeWaiting();
    });
  }

  /** After a restart: the resends that were waiting in the stopped process are scheduled again. */
  async function resumeRetries(): Promise<number> {
    const waiting = await db
      .select({ id: emailOutbox.id })
      .from(emailOutbox)
      .where(and(eq(emailOutbox.channel, 'sms'), inArray(emailOutbox.delivery, ['failed', 'resending'])));
    // a resend cut short by the crash is taken up again (the SMS may reach her twice; never not at all)
    await db.update(emailOutbox).set({ delivery: 'failed' }).where(and(eq(emailOutbox.channel, 'sms'), eq(emailOutbox.delivery, 'resending')));
    for (const { id } of waiting) later(id);
    return waiting.length;
  }

  return { store, settle, resumeRetries };
}
