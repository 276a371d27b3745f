// Departure activities: convoke a sailing's passengers (one bulk operation), follow its embarkation files, tell the
// passengers not aboard when the port closes boarding (one bulk operation), and close the sailing. Each is
// idempotent: the bulk operation IDs are business keys and the row updates only move passengers forward.
import { and, count, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/common';
import { bulkItems, bulkOperations, departurePassengers, departures, workerCycles } from '../db/schema';
import { bulkOperationId } from '../workflows/contracts/bulk';
import type { DepartureCounts } from '../workflows/contracts/departure';
import { startBulkOperation } from './bulk-start';
import type { ActivityDeps } from './deps';
import { registrationOfCycle } from '../db/queries/registration-order';

export function createDepartureActivities({ db, temporal }: ActivityDeps) {
  async function loadDeparture(departureId: string) {
    const [d] = await db.select().from(departures).where(eq(departures.id, departureId));
    // The departure's rows are committed before its workflow starts (activities/start-workflow.ts): no row, no sailing.
    if (!d) throw ApplicationFailure.nonRetryable(`departure ${departureId} is not in the database`, 'DepartureNotFound');
    return d;
  }

  async function counts(departureId: string, seats: number): Promise<DepartureCounts> {
    const rows = await db
      .select({ status: departurePassengers.status, n: count() })
      .from(departurePassengers)
      .where(eq(departurePassengers.departureId, departureId))
      .groupBy(departurePassengers.status);
    const by = new Map(rows.map((r) => [r.status, r.n]));
    const embarked = by.get('embarked') ?? 0;
    const noShow = by.get('no_show') ?? 0;
    return { seats, convoked: (by.get('convoked') ?? 0) + embarked + noShow, embarked, noShow };
  }

  return {
    /**
     * Starts (or finds) the convocation bulk operation for every passenger and marks the departure convoked.
     * `notify`: the operation signals the departure workflow when done (histories before that patch poll instead).
     */
    async convokeDeparture(input: { departureId: string; recordedBy: string; notify?: boolean }): Promise<{ operationId: string; passengers: number; seats: number }> {
      const d = await loadDeparture(input.departureId);
      const passengers = await db
        .select({ cycleId: departurePassengers.cycleId })
        .from(departurePassengers)
        .where(eq(departurePassengers.departureId, d.id))
        .orderBy(registrationOfCycle(departurePassengers.cycleId));
      const args = { departureAt: d.departureAt.toISOString(), port: d.port, sailing: d.id, recordedBy: input.recordedBy };
      const operationId = await startBulkOperation(db, temporal, {
        campaignId: d.campaignId,
        kind: 'convocation',
        sourceKey: d.id,
        source: `departure ${d.id}`,
        createdBy: input.recordedBy,
        items: passengers.map((p, i) => ({ line: i + 1, cycleId: p.cycleId, payload: { args, context: { departureId: d.id } } })),
        ...(input.notify ? { notify: d.id } : {}),
      });
      await db.update(departures).set({ status: 'convoked' }).where(and(eq(departures.id, d.id), eq(departures.status, 'planned')));
      return { operationId, passengers: passengers.length, seats: d.seats };
    },

    /** Current counts, and which of the given bulk operations are still being applied. */
    async departureProgress(input: { departureId: string; operationIds: string[] }): Promise<{ counts: DepartureCounts; running: string[] }> {
      const d = await loadDeparture(input.departureId);
      const ops = input.operationIds.length
        ? await db.select({ id: bulkOperations.id, status: bulkOperations.status }).from(bulkOperations).where(inArray(bulkOperations.id, input.operationIds))
        : [];
      // An operation not found is not waited for (it cannot finish).
      const running = ops.filter((o) => o.status !== 'done').map((o) => o.id);
      return { counts: await counts(d.id, d.seats), running };
    },

    /**
     * After the port closed boarding: one bulk operation telling every passenger not aboard (convocation applied, no
     * embarkation recorded) that they are a no-show. The workflow calls it once the convocation operation has
     * signalled its end; histories from before that patch relied on the retry below while it was still running.
     */
    async recordNoShows(input: { departureId: string; closedBy: string; notify?: boolean }): Promise<{ operationId: string | null; passengers: number }> {
      const d = await loadDeparture(input.departureId);
      const convocationOp = bulkOperationId(d.campaignId, 'convocation', d.id);
      const [op] = await db.select({ status: bulkOperations.status }).from(bulkOperations).where(eq(bulkOperations.id, convocationOp));
      if (op && op.status !== 'done') throw ApplicationFailure.retryable(`the convocations of ${d.id} are still being applied`, 'ConvocationsRunning');
      const notAboard = await db
        .select({ cycleId: departurePassengers.cycleId })
        .from(departurePassengers)
        .innerJoin(workerCycles, eq(workerCycles.id, departurePassengers.cycleId))
        .innerJoin(bulkItems, and(eq(bulkItems.operationId, convocationOp), eq(bulkItems.cycleId, departurePassengers.cycleId), eq(bulkItems.status, 'applied')))
        .where(and(eq(departurePassengers.departureId, d.id), eq(departurePassengers.status, 'convoked'), isNull(workerCycles.embarkedAt)))
        .orderBy(departurePassengers.cycleId);
      if (notAboard.length === 0) return { operationId: null, passengers: 0 };
      const args = { departureId: d.id, recordedBy: input.closedBy };
      const operationId = await startBulkOperation(db, temporal, {
        campaignId: d.campaignId,
        kind: 'no_show',
        sourceKey: d.id,
        source: `boarding closed on ${d.id}`,
        createdBy: input.closedBy,
        items: notAboard.map((p, i) => ({ line: i + 1, cycleId: p.cycleId, payload: { args, context: { departureId: d.id } } })),
        ...(input.notify ? { notify: d.id } : {}),
      });
      return { operationId, passengers: notAboard.length };
    },

    /**
     * Closes the sailing: passengers whose cycle recorded the embarkation are embarked (whichever way it was
     * recorded), passengers whose convocation the cycle refused are taken off the list, the others are no-shows.
     */
    async closeDeparture(input: { departureId: string }): Promise<{ counts: DepartureCounts; convocationsRefused: number }> {
      const d = await loadDeparture(input.departureId);
      const result = await db.transaction(async (tx) => {
        // Embarkations recorded on the cycle (single-cycle API, or a mirror row not yet written).
        await tx
          .update(departurePassengers)
          .set({ status: 'embarked', embarkedAt: sql`(select ${workerCycles.embarkedAt} from ${workerCycles} where ${workerCycles.id} = ${departurePassengers.cycleId})` })
          .where(
            and(
              eq(departurePassengers.departureId, d.id),
              eq(departurePassengers.status, 'convoked'),
              inArray(departurePassengers.cycleId, tx.select({ id: workerCycles.id }).from(workerCycles).where(isNotNull(workerCycles.embarkedAt))),
            ),
          );
        // Convocations the cycle never accepted (refused, or still pending: the sailing is gone) are not no-shows.
        const convocationOp = bulkOperationId(d.campaignId, 'convocation', d.id);
        const notConvoked = await tx
          .select({ cycleId: bulkItems.cycleId })
          .from(bulkItems)
          .where(and(eq(bulkItems.operationId, convocationOp), sql`${bulkItems.status} <> 'applied'`));
        if (notConvoked.length) {
          await tx
            .delete(departurePassengers)
            .where(
              and(
                eq(departurePassengers.departureId, d.id),
                eq(departurePassengers.status, 'convoked'),
                inArray(departurePassengers.cycleId, notConvoked.map((r) => r.cycleId)),
              ),
            );
        }
        await tx
          .update(departurePassengers)
          .set({ status: 'no_show' })
          .where(and(eq(departurePassengers.departureId, d.id), eq(departurePassengers.status, 'convoked')));
        await tx.update(departures).set({ status: 'departed' }).where(eq(departures.id, d.id));
        // Counted from the operation's rows, so a retried activity reports the same number.
        return new Set(notConvoked.map((r) => r.cycleId)).size;
      });
      return { counts: await counts(d.id, d.seats), convocationsRefused: result };
    },
  };
}

export type DepartureActivities = ReturnType<typeof createDepartureActivities>;
