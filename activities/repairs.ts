// Activities of operator repairs (workflows/repair.ts). A resend deliberately bypasses the outbox's send-once key: the
// copy is a new outbox row under `<notification key>:resend:<n>` (its SMS under `…:resend:<n>:sms`), with a Message-ID
// of its own, so it is sent even though the original was; the original row is left as it was. Retrying the activity
// sends the copy once, like any outbox message.
import { eq } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/common';
import { emailOutbox, operatorRepairs } from '../db/schema';
import type { RepairInput, RepairResult } from '../workflows/contracts/repair';
import type { ActivityDeps } from './deps';
import { sendOutboxEmail } from './outbox';
import { sendWorkerSms } from './sms';
import { createCycleActivities } from './worker-cycle';

type Resend = Extract<RepairInput, { kind: 'resend_message' }>;
type Regenerate = Extract<RepairInput, { kind: 'regenerate_document' }>;

export function createRepairActivities(deps: ActivityDeps, cycle = createCycleActivities(deps)) {
  const { db } = deps;
  const row = async (key: string) => (await db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, key)))[0];

  return {
    /** Sends a notification's e-mail and/or SMS again, as they were written, under the resend key. */
    async resendMessage(r: Resend): Promise<Record<string, unknown>> {
      const sent: Record<string, unknown> = { resendKey: r.resendKey };
      if (r.channels.includes('email')) {
        const mail = await row(r.notificationKey);
        if (!mail) throw ApplicationFailure.nonRetryable(`no e-mail under ${r.notificationKey}`, 'NothingToResend');
        const copy = await sendOutboxEmail(deps, { key: r.resendKey, cycleId: mail.cycleId, to: mail.toAddresses, subject: mail.subject, body: mail.body, documentIds: mail.documentIds });
        sent.email = { key: r.resendKey, recipients: copy.recipients.length };
      }
      if (r.channels.includes('sms')) {
        const sms = await row(`${r.notificationKey}:sms`);
        if (!sms) throw ApplicationFailure.nonRetryable(`no SMS under ${r.notificationKey}:sms`, 'NothingToResend');
        // to the worker's phone as recorded now (a corrected number is the usual reason to resend)
        const copy = await sendWorkerSms(deps, { key: r.resendKey, cycleId: r.cycleId, template: sms.subject }, sms.body);
        sent.sms = { key: `${r.resendKey}:sms`, parts: copy.parts };
      }
      return sent;
    },

    /** Prints the document again, as the next version of its kind, from today's records. */
    async regenerateDocument(r: Regenerate): Promise<Record<string, unknown>> {
      const printed = await cycle.printDocumentVersion({ cycleId: r.cycleId, kind: r.documentKind, version: r.version });
      return { documentKind: r.documentKind, replaces: r.documentId, documentId: printed.documentId, version: r.version };
    },

    /** The repair's audit record says how it ended. */
    async finishRepair(result: RepairResult): Promise<void> {
      await db
        .update(operatorRepairs)
        .set({ status: result.status, finishedAt: new Date(), details: { ...(await detailsOf(result.repairId)), ...result.details } })
        .where(eq(operatorRepairs.id, result.repairId));
    },
  };

  async function detailsOf(repairId: number) {
    return (await db.select({ details: operatorRepairs.details }).from(operatorRepairs).where(eq(operatorRepairs.id, repairId)))[0]?.details ?? {};
  }
}

export type RepairActivities = ReturnType<typeof createRepairActivities>;
