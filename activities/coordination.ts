// Bulk operations: apply one step to many worker cycles. Each row is applied at most once: the row's status
// is kept in PostgreSQL and each Update carries a business update ID, so a retried page never applies twice.
import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { bulkItems, bulkOperations, departurePassengers, visaBatchMembers, workerCycles } from '../db/schema';
import type { BulkKind, BulkPageResult } from '../workflows/contracts/bulk';
import type { StepAck, WorkerCycleInput } from '../workflows/contracts/worker-cycle';
import { CYCLE_STEPS, STEP_BY_BULK_KIND } from '../workflows/contracts/steps';
import { releaseSeat } from '../db/queries/contracting';
import { UNPROCESSED_UPDATE } from '../workflows/contracts/errors';
import type { ActivityDeps } from './deps';
import { startWorkerCycle } from './start-worker-cycle';
import { SESSION_INVITATION_KIND, sendSessionInvitation } from './selection-sessions';

/** A row of a bulk operation: the Update's argument, plus context for the tables that mirror the step. */
export interface BulkItemPayload {
  args: Record<string, unknown>;
  context?: { batchId?: string; departureId?: string };
}

/** Messages at a time into distinct worker workflows; each workflow gets one message per row. */
const CONCURRENCY = 32;
/** Page attempts before a row whose Update the server keeps dropping unprocessed is refused. */
const UNPROCESSED_PAGE_ATTEMPTS = 5;
/** Row statuses written per statement. */
const STATUS_BATCH = 64;

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(runners);
}

export function createCoordinationActivities(deps: ActivityDeps) {
  const { db, temporal } = deps;
  /** `written`: the row's status is already in PostgreSQL (a refusal is written at once with what it releases) */
  type Outcome = { status: 'applied' } | { status: 'refused'; error: string; written?: boolean };

  async function applyOne(kind: BulkKind, operationId: string, line: number, cycleId: string, payload: BulkItemPayload): Promise<Outcome> {
    if (kind === 'start_cycles') {
      const input = payload.args as unknown as WorkerCycleInput & { reserveRank?: number | null };
      const { reserveRank, ...cycleInput } = input;
      await db
        .insert(workerCycles)
        .values({ id: cycleId, campaignId: input.campaignId, candidateId: input.candidateId, province: input.province, stage: 'preselected', reserveRank: reserveRank ?? null })
        .onConflictDoNothing();
      const started = await startWorkerCycle(temporal, cycleInput);
      return started === 'started' ? { status: 'applied' } : { status: 'refused', error: 'this candidate already had a cycle in the campaign' };
    }
    if ((kind as string) === SESSION_INVITATION_KIND) return sendSessionInvitation(deps, { sessionId: Number(payload.args.sessionId), cycleId });
    const step = STEP_BY_BULK_KIND[kind];
    if (!step) throw ApplicationFailure.nonRetryable(`unknown bulk kind ${kind}`, 'BadBulkKind');
    const def = CYCLE_STEPS[step].update as UpdateDefinition<StepAck, [never]>;
    const refused = async (error: string): Promise<Outcome> => {
      // The refusal is final: it is written with what it releases, in one transaction, before the page goes on. A
      // page retried after a crash then skips the row instead of sending its Update again, which the cycle, having
      // caught up meanwhile, could accept after its place was given away (the fault season found cycles convoked to
      // a sailing they were no longer on, and so never embarked nor no-shows).
      await db.transaction(async (tx) => {
        await tx
          .update(bulkItems)
          .set({ status: 'refused', error, appliedAt: new Date() })
          .where(and(eq(bulkItems.operationId, operationId), eq(bulkItems.line, line), eq(bulkItems.status, 'pending')));
        // a selection file's row held its offer's seat at load time: a refused row gives it back
        if (kind === 'selection') await releaseSeat(tx, cycleId);
        // A batch or sailing planned from PostgreSQL may hold a cycle whose workflow had not confirmed its stage yet
        // (the mirror is written just before the workflow task that took the step is recorded): the member the
        // cycle refuses is released at once, so a later batch or sailing takes it; the row's error says why.
        if (kind === 'visa_lodge' && payload.context?.batchId) {
          await tx.delete(visaBatchMembers).where(and(eq(visaBatchMembers.batchId, payload.context.batchId), eq(visaBatchMembers.cycleId, cycleId), isNull(visaBatchMembers.decision)));
        }
        if (kind === 'convocation' && payload.context?.departureId) {
          await tx.delete(departurePassengers).where(and(eq(departurePassengers.departureId, payload.context.departureId), eq(departurePassengers.cycleId, cycleId), eq(departurePassengers.status, 'convoked')));
        }
      });
      return { status: 'refused', error, written: true };
    };
    try {
      // The update ID makes a retried row return the first outcome instead of being applied twice.
      await temporal.workflow.getHandle(cycleId).executeUpdate(def, { args: [payload.args as never], updateId: `${operationId}:${line}` });
    } catch (err) {
      // dropped unprocessed by the server (not refused by the cycle): fail the page, whose retry sends it again;
      // after a few page attempts the row is refused with that reason rather than holding the file up for ever
      const unprocessed = err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === UNPROCESSED_UPDATE;
      if (unprocessed && Context.current().info.attempt < UNPROCESSED_PAGE_ATTEMPTS) throw err;
      if (err instanceof WorkflowUpdateFailedError) return refused(err.cause?.message ?? err.message);
      if (err instanceof WorkflowNotFoundError) return refused('the worker cycle is closed or unknown');
      if (err instanceof Error && /already completed/i.test(err.message)) return refused('the worker cycle is closed');
      throw err;
    }
    // Mirror tables the batch and departure views read.
    if (kind === 'visa_decision' && payload.context?.batchId) {
      await db
        .update(visaBatchMembers)
        .set({ decision: payload.args.decision as 'issued' | 'refused' | 'incomplete', decidedAt: new Date() })
        .where(and(eq(visaBatchMembers.batchId, payload.context.batchId), eq(visaBatchMembers.cycleId, cycleId)));
    }
    if (kind === 'embarkation' && payload.context?.departureId) {
      await db
        .update(departurePassengers)
        .set({ status: 'embarked', embarkedAt: new Date(String(payload.args.embarkedAt)) })
        .where(and(eq(departurePassengers.departureId, payload.context.departureId), eq(departurePassengers.cycleId, cycleId)));
    }
    if (kind === 'no_show' && payload.context?.departureId) {
      await db
        .update(departurePassengers)
        .set({ status: 'no_show' })
        .where(and(eq(departurePassengers.departureId, payload.context.departureId), eq(departurePassengers.cycleId, cycleId), eq(departurePassengers.status, 'convoked')));
    }
    return { status: 'applied' };
  }

  return {
    /** Applies the pending rows after `afterLine`, up to `limit`, with bounded concurrency. */
    async applyBulkPage(input: { operationId: string; afterLine: number; limit: number }): Promise<BulkPageResult> {
      const [op] = await db.select().from(bulkOperations).where(eq(bulkOperations.id, input.operationId));
      if (!op) throw ApplicationFailure.nonRetryable(`bulk operation ${input.operationId} not found`, 'BulkNotFound');
      const rows = await db
        .select()
        .from(bulkItems)
        .where(and(eq(bulkItems.operationId, op.id), gt(bulkItems.line, input.afterLine)))
        .orderBy(asc(bulkItems.line))
        .limit(input.limit);
      let applied = 0;
      let refused = 0;
      let done = 0;
      // Row statuses are written in batches (one statement per STATUS_BATCH rows, not one per row): a crash
      // before a flush only means those rows are retried, and their business update IDs return the first outcome.
      let unwritten: { line: number; status: 'applied' | 'refused'; error: string | null }[] = [];
      const flush = async () => {
        if (!unwritten.length) return;
        const batch = unwritten;
        unwritten = [];
        const values = sql.join(
          batch.map((o) => sql`(${o.line}::int, ${o.status}::text, ${o.error}::text)`),
          sql`, `,
        );
        await db.execute(sql`
          update ${bulkItems} set status = v.status, error = v.error, applied_at = now()
          from (values ${values}) as v(line, status, error)
          where ${bulkItems.operationId} = ${op.id} and ${bulkItems.line} = v.line`);
      };
      await pool(
        rows.filter((r) => r.status === 'pending'),
        CONCURRENCY,
        async (row) => {
          const outcome = await applyOne(op.kind as BulkKind, op.id, row.line, row.cycleId, row.payload as unknown as BulkItemPayload);
          if (!(outcome.status === 'refused' && outcome.written)) unwritten.push({ line: row.line, status: outcome.status, error: outcome.status === 'refused' ? outcome.error : null });
          if (unwritten.length >= STATUS_BATCH) await flush();
          if (outcome.status === 'applied') applied += 1;
          else refused += 1;
          done += 1;
          Context.current().heartbeat(done);
        },
      );
      await flush();
      const lastLine = rows.length ? rows[rows.length - 1]!.line : input.afterLine;
      return { lastLine, applied, refused, done: rows.length < input.limit };
    },

    /** Records the final counts from the rows themselves (exact even after retries). */
    async finishBulkOperation(input: { operationId: string }): Promise<void> {
      await db
        .update(bulkOperations)
        .set({
          status: 'done',
          finishedAt: new Date(),
          applied: sql`(select count(*) from ${bulkItems} where ${bulkItems.operationId} = ${input.operationId} and ${bulkItems.status} = 'applied')`,
          refused: sql`(select count(*) from ${bulkItems} where ${bulkItems.operationId} = ${input.operationId} and ${bulkItems.status} = 'refused')`,
        })
        .where(eq(bulkOperations.id, input.operationId));
    },
  };
}

export type CoordinationActivities = ReturnType<typeof createCoordinationActivities>;
