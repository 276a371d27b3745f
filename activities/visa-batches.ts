// Consular visa batches: the batch workflow's activities, and the reads the API shares with them (the manifest's
// data, the members' decision counts). Each activity is idempotent on the batch ID.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/client';
import { bulkOperations, campaigns, candidates, emailOutbox, employers, visaBatchMembers, visaBatches, workerCycles } from '../db/schema';
import type { VisaBatchManifestData } from '../templates/visa-batch-manifest';
import { visaBatchSourceKey, type VisaBatchCounts } from '../workflows/contracts/visa-batch';
import { startBulkOperation } from './bulk-start';
import type { BulkItemPayload } from './coordination';
import type { ActivityDeps } from './deps';
import { byRegistration, registrationOfCycle } from '../db/queries/registration-order';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A batch's members with who they are and their file, in manifest order (candidate id); page it with limit/offset. */
export function batchMembers(db: Db, batchId: string) {
  return db
    .select({
      cycleId: workerCycles.id,
      nationalId: candidates.nationalId,
      firstName: candidates.firstName,
      lastName: candidates.lastName,
      province: candidates.province,
      passportNumber: candidates.passportNumber,
      passportExpiry: candidates.passportExpiry,
      employerId: workerCycles.employerId,
      employerName: employers.name,
      authorisationNumber: workerCycles.authorisationNumber,
      offerId: workerCycles.offerId,
      contractStart: workerCycles.contractStart,
      contractEnd: workerCycles.contractEnd,
      attempt: visaBatchMembers.attempt,
      decision: visaBatchMembers.decision,
      decidedAt: visaBatchMembers.decidedAt,
      stage: workerCycles.stage,
    })
    .from(visaBatchMembers)
    .innerJoin(workerCycles, eq(workerCycles.id, visaBatchMembers.cycleId))
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .leftJoin(employers, eq(employers.id, workerCycles.employerId))
    .where(eq(visaBatchMembers.batchId, batchId))
    .orderBy(byRegistration)
    .$dynamic();
}

/** Everything the manifest prints, members in manifest order (candidate id); undefined for an unknown batch. */
export async function loadVisaBatchManifestData(db: Db, batchId: string): Promise<VisaBatchManifestData | undefined> {
  const [row] = await db
    .select({ batch: visaBatches, campaign: { id: campaigns.id, name: campaigns.name, season: campaigns.season } })
    .from(visaBatches)
    .innerJoin(campaigns, eq(campaigns.id, visaBatches.campaignId))
    .where(eq(visaBatches.id, batchId));
  if (!row) return undefined;
  const members = await batchMembers(db, batchId);
  const b = row.batch;
  return {
    batchId: b.id,
    issuedOn: b.lodgedOn ?? b.createdAt.toISOString().slice(0, 10),
    campaign: row.campaign,
    weekStart: b.weekStart,
    capacity: b.capacity,
    lodgedOn: b.lodgedOn,
    members: members.map((m, i) => ({ n: i + 1, ...m })),
  };
}

const emptyCounts = (): VisaBatchCounts => ({ members: 0, issued: 0, refused: 0, incomplete: 0, undecided: 0, awaiting: 0 });

/** Decision counts per batch, in one query (the list of a campaign's batches uses it too). */
export async function visaBatchCounts(db: Db, batchIds: string[]): Promise<Map<string, VisaBatchCounts>> {
  const out = new Map<string, VisaBatchCounts>(batchIds.map((id) => [id, emptyCounts()]));
  if (batchIds.length === 0) return out;
  const rows = await db
    .select({
      batchId: visaBatchMembers.batchId,
      members: sql<number>`count(*)::int`,
      issued: sql<number>`(count(*) filter (where ${visaBatchMembers.decision} = 'issued'))::int`,
      refused: sql<number>`(count(*) filter (where ${visaBatchMembers.decision} = 'refused'))::int`,
      incomplete: sql<number>`(count(*) filter (where ${visaBatchMembers.decision} = 'incomplete'))::int`,
      undecided: sql<number>`(count(*) filter (where ${visaBatchMembers.decision} is null))::int`,
      // A member whose cycle closed without a decision (withdrawn, lapsed) is no longer waited for.
      awaiting: sql<number>`(count(*) filter (where ${visaBatchMembers.decision} is null and ${workerCycles.stage} <> 'closed'))::int`,
    })
    .from(visaBatchMembers)
    .innerJoin(workerCycles, eq(workerCycles.id, visaBatchMembers.cycleId))
    .where(inArray(visaBatchMembers.batchId, batchIds))
    .groupBy(visaBatchMembers.batchId);
  for (const r of rows) {
    const { batchId, ...counts } = r;
    out.set(batchId, counts);
  }
  return out;
}

export interface EscalationInput {
  batchId: string;
  phase: 'lodgement' | 'decision';
}

export function createVisaBatchActivities({ db, temporal, mailer, config }: ActivityDeps) {
  async function batchOrFail(batchId: string) {
    const [batch] = await db.select().from(visaBatches).where(eq(visaBatches.id, batchId));
    if (!batch) throw ApplicationFailure.nonRetryable(`visa batch ${batchId} is not in the database`, 'VisaBatchNotFound');
    return batch;
  }

  /** Outbox: the e-mail is written once under its key and sent only if not yet sent (as sendNotification does). */
  async function sendOnce(key: string, to: string[], subject: string, body: string): Promise<{ sent: boolean; recipients: string[] }> {
    await db.insert(emailOutbox).values({ idempotencyKey: key, cycleId: null, toAddresses: to, subject, body, documentIds: [] }).onConflictDoNothing();
    const [mail] = await db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, key));
    if (!mail) throw new Error(`outbox row ${key} vanished`);
    if (mail.sentAt || mail.toAddresses.length === 0) return { sent: false, recipients: mail.toAddresses };
    const messageId = `<${key.replace(/[^A-Za-z0-9._-]/g, '.')}@gecco-flow>`;
    try {
      await mailer.sendMail({ from: config.MAIL_FROM, to: mail.toAddresses, subject: mail.subject, text: mail.body, messageId });
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

  return {
    /**
     * Counts the batch's dossier and fingerprints what its manifest lists. The manifest is not stored: the API renders
     * it on demand from the database (GET /visa-batches/:id/manifest), so it always shows the current decisions, and
     * the worker does not render it: the lodgement waits on this step, and rendering a PDF only to hash it made a
     * lodgement take seconds under load. `sizeBytes` is the listed content's size.
     */
    async generateVisaBatchManifest({ batchId }: { batchId: string }): Promise<{ members: number; sha256: string; sizeBytes: number }> {
      // The batch's rows are committed before its workflow starts (activities/start-workflow.ts): no row, no batch.
      const data = await loadVisaBatchManifestData(db, batchId);
      if (!data) throw ApplicationFailure.nonRetryable(`visa batch ${batchId} is not in the database`, 'VisaBatchNotFound');
      const content = Buffer.from(JSON.stringify(data));
      return { members: data.members.length, sha256: sha256(content), sizeBytes: content.length };
    },

    /** Marks the batch lodged and starts the bulk operation that submits every member's visa file. */
    async lodgeVisaBatch(input: { batchId: string; lodgedOn: string; lodgedBy: string; decisionDeadlineAt: string }): Promise<{ operationId: string; members: number }> {
      const batch = await batchOrFail(input.batchId);
      await db
        .update(visaBatches)
        .set({ status: 'lodged', lodgedOn: input.lodgedOn, decisionDeadlineAt: new Date(input.decisionDeadlineAt) })
        .where(and(eq(visaBatches.id, batch.id), eq(visaBatches.status, 'assembled')));
      const members = await db
        .select({ cycleId: visaBatchMembers.cycleId })
        .from(visaBatchMembers)
        .where(eq(visaBatchMembers.batchId, batch.id))
        .orderBy(registrationOfCycle(visaBatchMembers.cycleId));
      const items = members.map((m, i) => {
        const payload: BulkItemPayload = {
          args: { fileReference: `${batch.id}/${i + 1}`, submittedOn: input.lodgedOn, submittedBy: input.lodgedBy },
          context: { batchId: batch.id },
        };
        return { line: i + 1, cycleId: m.cycleId, payload };
      });
      const operationId = await startBulkOperation(db, temporal, {
        campaignId: batch.campaignId,
        kind: 'visa_lodge',
        sourceKey: visaBatchSourceKey(batch.seq),
        source: `visa batch ${batch.id}`,
        createdBy: input.lodgedBy,
        items,
      });
      return { operationId, members: items.length };
    },

    /**
     * The members' decision counts. The workflow counts once a decisions operation has signalled its end
     * (bulkOperationDoneSignal). `afterOperationId` is only sent by batches recorded before the
     * 'visa-batch-bulk-done-signal' patch: for them the activity still waits for the operation itself (polls ~45 s
     * with heartbeats, then asks Temporal to retry), as those histories expect. Remove once no such batch runs.
     */
    async countVisaBatchDecisions(input: { batchId: string; afterOperationId?: string }): Promise<VisaBatchCounts> {
      if (input.afterOperationId) {
        const started = Date.now();
        let delay = 250;
        for (;;) {
          const [op] = await db.select({ status: bulkOperations.status }).from(bulkOperations).where(eq(bulkOperations.id, input.afterOperationId));
          if (!op || op.status === 'done') break;
          if (Date.now() - started > 45_000) {
            throw ApplicationFailure.retryable(`decisions operation ${input.afterOperationId} is still running`, 'OperationRunning');
          }
          Context.current().heartbeat();
          await sleep(delay);
          delay = Math.min(delay * 2, 5_000);
        }
      }
      const counts = await visaBatchCounts(db, [input.batchId]);
      return counts.get(input.batchId)!;
    },

    /** Escalates a late batch to the consular liaison team (once per phase: the outbox key). */
    async escalateVisaBatch({ batchId, phase }: EscalationInput): Promise<{ sent: boolean; recipients: string[] }> {
      const batch = await batchOrFail(batchId);
      const [campaign] = await db.select({ name: campaigns.name }).from(campaigns).where(eq(campaigns.id, batch.campaignId));
      if (phase === 'decision') {
        await db.update(visaBatches).set({ status: 'escalated', escalatedAt: new Date() }).where(and(eq(visaBatches.id, batchId), eq(visaBatches.status, 'lodged')));
      } else {
        await db.update(visaBatches).set({ escalatedAt: new Date() }).where(and(eq(visaBatches.id, batchId), eq(visaBatches.status, 'assembled'), isNull(visaBatches.escalatedAt)));
      }
      const counts = (await visaBatchCounts(db, [batchId])).get(batchId)!;
      const waiting = await db
        .select({ nationalId: candidates.nationalId, firstName: candidates.firstName, lastName: candidates.lastName })
        .from(visaBatchMembers)
        .innerJoin(workerCycles, eq(workerCycles.id, visaBatchMembers.cycleId))
        .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
        .where(and(eq(visaBatchMembers.batchId, batchId), isNull(visaBatchMembers.decision)))
        .orderBy(asc(candidates.registrationSeq))
        .limit(30);
      const list = waiting.map((w) => `- ${w.nationalId} ${w.firstName} ${w.lastName}`).join('\n');
      const more = counts.undecided > waiting.length ? `\n… et ${counts.undecided - waiting.length} autres / y ${counts.undecided - waiting.length} más` : '';
      const name = campaign?.name ?? batch.campaignId;
      const mail =
        phase === 'decision'
          ? {
              key: `${batchId}:escalation`,
              subject: `[${name}] Lot de visas ${batchId} sans décision consulaire / Lote de visados sin decisión`,
              text:
                `Le lot de visas ${batchId} (semaine du ${batch.weekStart}), déposé le ${batch.lodgedOn ?? '?'}, n'a pas reçu toutes les décisions consulaires dans le délai.\n` +
                `Décisions : ${counts.issued} délivrés, ${counts.refused} refusés, ${counts.incomplete} incomplets ; ${counts.undecided} sur ${counts.members} sans décision.\n` +
                `Merci de relancer le consulat.\n\n` +
                `El lote ${batchId} no ha recibido todas las decisiones consulares en el plazo: ${counts.undecided} de ${counts.members} expedientes sin decisión.\n\n` +
                `Sans décision / Sin decisión :\n${list}${more}\n\nManifeste / Manifiesto : /visa-batches/${batchId}/manifest\n`,
            }
          : {
              key: `${batchId}:lodgement_escalation`,
              subject: `[${name}] Lot de visas ${batchId} non déposé / Lote de visados no presentado`,
              text:
                `Le lot de visas ${batchId} (semaine du ${batch.weekStart}, ${counts.members} dossiers) n'a pas été déposé au consulat dans le délai.\n` +
                `Merci de le déposer ou de le signaler ; sans dépôt, le lot sera clos et ses dossiers pourront rejoindre un autre lot.\n\n` +
                `El lote ${batchId} (${counts.members} expedientes) no ha sido presentado en el consulado en el plazo.\n\n` +
                `Manifeste / Manifiesto : /visa-batches/${batchId}/manifest\n`,
            };
      return sendOnce(mail.key, [config.CONSULAR_LIAISON_EMAIL], mail.subject, mail.text);
    },

    /** Records how the batch ended: 'decided', or 'escalated' for a batch never lodged (it frees its members). */
    async finishVisaBatch({ batchId, status }: { batchId: string; status: 'decided' | 'escalated' }): Promise<void> {
      await db.update(visaBatches).set({ status }).where(eq(visaBatches.id, batchId));
    },
  };
}

export type VisaBatchActivities = ReturnType<typeof createVisaBatchActivities>;
