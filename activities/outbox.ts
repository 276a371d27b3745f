// The one outbox: every message (an e-mail, or an SMS to a worker's phone) is written once under its idempotency key
// and sent only while not yet sent, so a retried activity never sends twice.
import { eq, inArray, sql } from 'drizzle-orm';
import { documents, emailOutbox } from '../db/schema';
import type { Transporter } from 'nodemailer';
import type { Db } from '../db/client';

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
  await db
    .insert(emailOutbox)
    .values({ idempotencyKey: e.key, cycleId: e.cycleId, toAddresses: e.to, subject: e.subject, body: e.body, documentIds: e.documentIds ?? [] })
    .onConflictDoNothing();
  const [mail] = await db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, e.key));
  if (!mail) throw new Error(`outbox row ${e.key} vanished`);
  if (mail.sentAt) return { sent: false, recipients: mail.toAddresses };

  const attachments = mail.documentIds.length ? await db.select().from(documents).where(inArray(documents.id, mail.documentIds)) : [];
  const messageId = `<${e.key.replace(/[^A-Za-z0-9._-]/g, '.')}@gecco-flow>`;
  try {
    await mailer.sendMail({
      from: config.MAIL_FROM,
      to: mail.toAddresses,
      subject: mail.subject,
      text: mail.body,
      messageId,
      attachments: attachments.map((d) => ({ filename: d.filename, content: d.content, contentType: d.contentType })),
    });
  } catch (err) {
    await db.update(emailOutbox).set({ attempts: sql`${emailOutbox.attempts} + 1`, lastError: String(err) }).where(eq(emailOutbox.id, mail.id));
    throw err;
  }
  await db
    .update(emailOutbox)
    .set({ sentAt: new Date(), messageId, attempts: sql`${emailOutbox.attempts} + 1`, lastError: null })
    .where(eq(emailOutbox.id, mail.id));
  return { sent: true, recipients: mail.toAddresses };
}
