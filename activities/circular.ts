// Multi-year circular framework: the 4-year authorisation and the block that follows a non-return.
import { and, eq } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/common';
import { campaigns, candidates, workAuthorisations, workerCycles } from '../db/schema';
import { AUTHORISATION_YEARS, addYears } from '../workflows/contracts/circular';
import type { ActivityDeps } from './deps';

export function createCircularActivities({ db, config }: ActivityDeps) {
  async function cycleRow(cycleId: string) {
    const [row] = await db
      .select({ cycle: workerCycles, campaign: campaigns })
      .from(workerCycles)
      .innerJoin(campaigns, eq(campaigns.id, workerCycles.campaignId))
      .where(eq(workerCycles.id, cycleId));
    if (!row) throw ApplicationFailure.nonRetryable(`worker cycle ${cycleId} is not in the database`, 'CycleNotFound');
    return row;
  }

  return {
    /** The worker's first authorisation opens the 4-year framework; idempotent on the authorisation number. */
    async registerWorkAuthorisation(input: { cycleId: string; authorisationNumber: string; issuedOn: string }): Promise<{ created: boolean }> {
      const { cycle, campaign } = await cycleRow(input.cycleId);
      const active = await db
        .select({ id: workAuthorisations.id })
        .from(workAuthorisations)
        .where(and(eq(workAuthorisations.candidateId, cycle.candidateId), eq(workAuthorisations.status, 'active')));
      if (active.length) return { created: false };
      const rows = await db
        .insert(workAuthorisations)
        .values({
          candidateId: cycle.candidateId,
          number: input.authorisationNumber,
          sector: campaign.sector,
          startsOn: input.issuedOn,
          endsOn: addYears(input.issuedOn, AUTHORISATION_YEARS),
          firstCycleId: input.cycleId,
        })
        .onConflictDoNothing()
        .returning({ id: workAuthorisations.id });
      return { created: rows.length > 0 };
    },

    /** A non-return ends the framework: the authorisation is revoked and renewal is blocked for N years. */
    async blockAfterNonReturn(input: { cycleId: string }): Promise<{ blockedUntil: string }> {
      const { cycle } = await cycleRow(input.cycleId);
      const from = cycle.contractEnd ?? new Date().toISOString().slice(0, 10);
      const blockedUntil = addYears(from, config.NON_RETURN_BLOCK_YEARS);
      const reason = `non-return after the contract ending ${from} (${input.cycleId})`;
      await db.transaction(async (tx) => {
        await tx.update(candidates).set({ blockedUntil, blockedReason: reason }).where(eq(candidates.id, cycle.candidateId));
        await tx
          .update(workAuthorisations)
          .set({ status: 'revoked', statusReason: reason })
          .where(and(eq(workAuthorisations.candidateId, cycle.candidateId), eq(workAuthorisations.status, 'active')));
      });
      return { blockedUntil };
    },
  };
}

export type CircularActivities = ReturnType<typeof createCircularActivities>;
