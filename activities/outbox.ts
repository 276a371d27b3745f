// The one outbox: every message (an e-mail, or an SMS to a worker's phone) is written once under its idempotency key
// and sent only while not yet sent. E-mail delivery is at least once: SMTP has no two-phase commit, so a worker killed
// after the relay accepted the message and before sentAt is written sends it again on retry; that copy carries the
// same Message-ID (derived from the key, never random), so mail clients and relays recognise it as the same message.
import { eq, inArray, isNull, sql } from 'drizzle-orm';
import { documents, emailOutbox } from '../db/schema';
import type { Transporter } from 'nodemailer';
import type { Db } from '../db/client';

/** The Message-ID of an outbox e-mail: from its business key (workflow ID + step), the same on every attempt. */
export const outboxMessageId = (key: string) => `<${key.replace(/[^A-Za-z0-9._-]/g, '.')}@gecco-flow>`;

export interface OutboxEmail {
  key: string;
  cycleId: string | null;
  to: string[];
  subject: string;
  body: string;
  documentIds?: number[];
}

/** Writes the e-mail under its key, sends it if not sent yet; returns whether this call sent it. */
export async function sendOutboxEmail({ db, mailer, config }: { db: Db; mailer: Transporter; config: { MAIL_FROM: string } }, e: OutboxEmail): Promise<{ sent: boolean; recipients: string[] }> {
  // nobody to write to (a worker without an address hears it by SMS and from her agency): nothing to keep
  if (e.to.length === 0) return { sent: false, recipients: [] };
  // One statement writes the row once under its key and records this attempt before the send (unless it was sent
  // already): a crash after it leaves attempts > 0 with no sentAt and no lastError, which says an attempt may have
  // reached the relay and explains a duplicate. The Message-ID is stored before the send too.
  const messageId = outboxMessageId(e.key);
  const [claimed] = await db
    .insert(emailOutbox)
    .values({ idempotencyKey: e.key, cycleId: e.cycleId, toAddresses: e.to, subject: e.subject, body: e.body, documentIds: e.documentIds ?? [], messageId, attempts: 1 })
    .onConflictDoUpdate({ target: emailOutbox.idempotencyKey, set: { attempts: sql`${emailOutbox.attempts} + 1` }, where: isNull(emailOutbox.sentAt) })
    .returning();
  const mail = claimed ?? (await db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, e.key)))[0];
  if (!mail) throw new Error(`outbox row ${e.key} vanished`);
  if (mail.sentAt) return { sent: false, recipients: mail.toAddresses };

  const attachments = mail.documentIds.length ? await db.select().from(documents).where(inArray(documents.id, mail.documentIds)) : [];
  try {
    await mailer.sendMail({
      from: config.MAIL_FROM,
      to: mail.toAddresses,
      subject: mail.subject,
      text: mail.body,
      messageId: mail.messageId ?? messageId,
      attachments: attachments.map((d) => ({ filename: d.filename, content: d.content, contentType: d.contentType })),
    });
  } catch (err) {
    await db.update(emailOutbox).set({ lastError: String(err) }).where(eq(emailOutbox.id, mail.id));
    throw err;
  }
  // Nothing between the relay's acceptance and this one-row update: the window in which a crash causes a second send
  // is as small as SMTP allows.
  await db.update(emailOutbox).set({ sentAt: new Date(), lastError: null }).where(eq(emailOutbox.id, mail.id));
  return { sent: true, recipients: mail.toAddresses };
}
