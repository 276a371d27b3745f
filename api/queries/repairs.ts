// Operator repairs (SQL only): their audit records, and what a repair reads or changes in one transaction.
import { and, desc, eq, isNull, like, not, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { bulkOperations, departurePassengers, departures, documents, emailOutbox, operatorRepairs, visaBatchMembers, visaBatches } from '../../db/schema';
import { visaBatchLodgeOperationId } from '../../workflows/contracts/visa-batch';
import { conflict, notFound } from '../errors';
import type { Page } from '../paging';

export type RepairRow = typeof operatorRepairs.$inferSelect;
export type NewRepair = Pick<typeof operatorRepairs.$inferInsert, 'kind' | 'target' | 'cycleId' | 'reason' | 'actor' | 'actorSubject' | 'status' | 'details'>;

/** Writes a repair's audit record (before the repair, or with it in the same transaction); answers its row. */
export async function recordRepair(db: Db | Tx, r: NewRepair): Promise<RepairRow> {
  const [row] = await db.insert(operatorRepairs).values({ ...r, finishedAt: r.status && r.status !== 'started' ? new Date() : null }).returning();
  return row!;
}

const withDetails = (details: Record<string, unknown>) => sql`${operatorRepairs.details} || ${JSON.stringify(details)}::jsonb`;

/** A repair done outside a workflow (a reset): what it did, and how it ended (`started`: still running). */
export async function finishRepair(db: Db, id: number, status: RepairRow['status'], details: Record<string, unknown>): Promise<RepairRow> {
  const [row] = await db
    .update(operatorRepairs)
    .set({ status, finishedAt: status === 'started' ? null : new Date(), details: withDetails(details) })
    .where(eq(operatorRepairs.id, id))
    .returning();
  return row!;
}

/** A batch reset's job has ended: its audit record says so (once). */
export async function batchResetFinished(db: Db, jobId: string, status: 'done' | 'failed', details: Record<string, unknown>): Promise<void> {
  await db
    .update(operatorRepairs)
    .set({ status, finishedAt: new Date(), details: withDetails(details) })
    .where(and(eq(operatorRepairs.kind, 'batch_reset'), eq(operatorRepairs.status, 'started'), sql`${operatorRepairs.details}->>'jobId' = ${jobId}`));
}

export async function repairOr404(db: Db, id: number): Promise<RepairRow> {
  const [row] = await db.select().from(operatorRepairs).where(eq(operatorRepairs.id, id));
  if (!row) throw notFound(`repair ${id}`);
  return row;
}

export async function listRepairs(db: Db, page: Page, target?: string) {
  const where = target ? eq(operatorRepairs.target, target) : undefined;
  const total = await db.$count(operatorRepairs, where);
  const rows = await db.select().from(operatorRepairs).where(where).orderBy(desc(operatorRepairs.id)).limit(page.limit).offset(page.offset);
  return { total, rows };
}

/**
 * The channels a notification went out on (its e-mail row `<key>`, its SMS row `<key>:sms`) and the number of its
 * next resend: resends are rows `<key>:resend:<n>`.
 */
export async function notificationForResend(db: Db, key: string) {
  const rows = await db.select({ key: emailOutbox.idempotencyKey }).from(emailOutbox).where(sql`${emailOutbox.idempotencyKey} in (${key}, ${`${key}:sms`})`);
  // e-mail first, whatever order PostgreSQL answers the rows in
  const channels = (['email', 'sms'] as const).filter((c) => rows.some((r) => (r.key === key) === (c === 'email')));
  const escaped = key.replace(/[\\%_]/g, (c) => `\\${c}`);
  const resends = await db.$count(emailOutbox, and(like(emailOutbox.idempotencyKey, `${escaped}:resend:%`), not(like(emailOutbox.idempotencyKey, '%:sms'))));
  const repairs = await db.$count(operatorRepairs, and(eq(operatorRepairs.kind, 'resend_message'), eq(operatorRepairs.target, key)));
  // a resend requested but not sent yet counts too, so two requests never share a number
  return { channels, next: Math.max(resends, repairs) + 1 };
}

/** A document and the version its reprint takes (the next of its kind for its cycle). */
export async function documentForReprint(db: Db, documentId: number) {
  const [doc] = await db.select({ id: documents.id, cycleId: documents.cycleId, kind: documents.kind }).from(documents).where(eq(documents.id, documentId));
  if (!doc) throw notFound(`document ${documentId}`);
  const [last] = await db
    .select({ version: sql<number>`max(${documents.version})::int` })
    .from(documents)
    .where(and(eq(documents.cycleId, doc.cycleId), eq(documents.kind, doc.kind)));
  return { ...doc, nextVersion: (last?.version ?? 0) + 1 };
}

/**
 * Takes a worker out of a visa batch, with the repair's audit record, in one transaction: only a file still waiting
 * for its decision, never the batch's last member, and not while the lodgement is being applied (its rows are the
 * members at lodging time). Before lodgement the file goes back to waiting for a batch; after, its decision is
 * recorded on the cycle alone (POST /cycles/:id/consular-decision). Answers the batch's members left.
 */
export async function releaseBatchMember(db: Db, batchId: string, cycleId: string, repair: NewRepair) {
  return db.transaction(async (tx) => {
    const [batch] = await tx.select().from(visaBatches).where(eq(visaBatches.id, batchId)).for('update');
    if (!batch) throw notFound(`visa batch ${batchId}`);
    const [member] = await tx.select().from(visaBatchMembers).where(and(eq(visaBatchMembers.batchId, batchId), eq(visaBatchMembers.cycleId, cycleId)));
    if (!member) throw notFound(`worker cycle ${cycleId} in visa batch ${batchId}`);
    if (member.decision) throw conflict(`worker cycle ${cycleId} has its decision in visa batch ${batchId} (${member.decision}): nothing to release`);
    if (batch.status === 'decided') throw conflict(`visa batch ${batchId} is decided`);
    if (batch.lodgedOn) {
      const [op] = await tx.select({ status: bulkOperations.status }).from(bulkOperations).where(eq(bulkOperations.id, visaBatchLodgeOperationId(batch.campaignId, batch.seq)));
      if (op && op.status !== 'done') throw conflict(`visa batch ${batchId} is being lodged; release its member once the lodgement is applied`);
    }
    if (batch.members <= 1) throw conflict(`worker cycle ${cycleId} is the last member of visa batch ${batchId}: a batch is not emptied`);
    await tx.delete(visaBatchMembers).where(and(eq(visaBatchMembers.batchId, batchId), eq(visaBatchMembers.cycleId, cycleId), isNull(visaBatchMembers.decision)));
    const [left] = await tx.update(visaBatches).set({ members: sql`${visaBatches.members} - 1` }).where(eq(visaBatches.id, batchId)).returning({ members: visaBatches.members });
    const row = await recordRepair(tx, { ...repair, details: { ...repair.details, lodged: batch.lodgedOn !== null, membersLeft: left!.members } });
    return { repair: row, members: left!.members, lodged: batch.lodgedOn !== null };
  });
}

/** A passenger an operator may take off a sailing: convoked (not embarked, not a no-show), the sailing not departed. */
export async function passengerToRelease(db: Db, departureId: string, cycleId: string): Promise<void> {
  const [row] = await db
    .select({ status: departurePassengers.status, sailing: departures.status })
    .from(departures)
    .leftJoin(departurePassengers, and(eq(departurePassengers.departureId, departures.id), eq(departurePassengers.cycleId, cycleId)))
    .where(eq(departures.id, departureId));
  if (!row) throw notFound(`sailing ${departureId}`);
  if (!row.status) throw notFound(`worker cycle ${cycleId} on sailing ${departureId}`);
  if (row.status !== 'convoked') throw conflict(`worker cycle ${cycleId} is ${row.status === 'embarked' ? 'aboard' : 'a no-show'} on sailing ${departureId}: nothing to release`);
  if (row.sailing === 'departed') throw conflict(`sailing ${departureId} has left`);
}

/**
 * Once the cycle accepted its release: the passenger row goes (so the next sailing planned takes her, and this one's
 * no-shows leave her out) with the repair's audit record, in one transaction. Answers the passengers left.
 */
export async function releasePassenger(db: Db, departureId: string, cycleId: string, repair: NewRepair) {
  return db.transaction(async (tx) => {
    await tx.delete(departurePassengers).where(and(eq(departurePassengers.departureId, departureId), eq(departurePassengers.cycleId, cycleId), eq(departurePassengers.status, 'convoked')));
    const members = await tx.$count(departurePassengers, eq(departurePassengers.departureId, departureId));
    return { repair: await recordRepair(tx, { ...repair, details: { ...repair.details, passengersLeft: members } }), members };
  });
}
