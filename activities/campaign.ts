// Campaign activities: the counts stage moves are judged on, the stage mirror, and the reserve list.
import { and, asc, count, eq, inArray, isNotNull, isNull, ne, notInArray, sql } from 'drizzle-orm';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { UNPROCESSED_UPDATE } from '../workflows/contracts/errors';
import { campaigns, offers, reserveCalls, workerCycles } from '../db/schema';
import type { CampaignCounts, CampaignStage } from '../workflows/contracts/campaign';
import { DROP_OUT_OUTCOMES, recordSelectionUpdate } from '../workflows/contracts/worker-cycle';
import { admitOne, releaseSeat } from '../db/queries/contracting';
import { isQuotaOnly } from '../workflows/contracts/eligibility';
import type { ActivityDeps } from './deps';

export function createCampaignActivities({ db, temporal }: ActivityDeps) {
  return {
    async campaignCounts({ campaignId }: { campaignId: string }): Promise<CampaignCounts> {
      const [o] = await db.select({ n: count() }).from(offers).where(eq(offers.campaignId, campaignId));
      const [c] = await db
        .select({
          cycles: count(),
          selected: sql<number>`count(*) filter (where ${workerCycles.offerId} is not null)`.mapWith(Number),
          authorised: sql<number>`count(*) filter (where ${workerCycles.authorisationNumber} is not null)`.mapWith(Number),
          visasIssued: sql<number>`count(*) filter (where ${workerCycles.visaNumber} is not null)`.mapWith(Number),
          embarked: sql<number>`count(*) filter (where ${workerCycles.embarkedAt} is not null)`.mapWith(Number),
          open: sql<number>`count(*) filter (where ${workerCycles.stage} <> 'closed')`.mapWith(Number),
        })
        .from(workerCycles)
        .where(eq(workerCycles.campaignId, campaignId));
      return { offers: o?.n ?? 0, cycles: c?.cycles ?? 0, selected: c?.selected ?? 0, authorised: c?.authorised ?? 0, visasIssued: c?.visasIssued ?? 0, embarked: c?.embarked ?? 0, open: c?.open ?? 0 };
    },

    async recordCampaignStage(input: { campaignId: string; stage: CampaignStage; by: string; at: string }): Promise<void> {
      await db.update(campaigns).set({ stage: input.stage }).where(eq(campaigns.id, input.campaignId));
    },

    /**
     * Offers each vacated post (a selected worker who dropped out) to the next reserve, in rank order, until
     * the campaign's reserve cut-off. Idempotent: a post with a successful call is not offered again.
     */
    async fillVacanciesFromReserve({ campaignId }: { campaignId: string }): Promise<{ called: number; vacancies: number }> {
      const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
      if (!campaign) return { called: 0, vacancies: 0 };
      if (campaign.reserveCutoff && new Date().toISOString().slice(0, 10) > campaign.reserveCutoff) return { called: 0, vacancies: 0 };

      // read once, and only when a call is to be made (most checks find nothing to do)
      let offersOfCampaign: Map<string, typeof offers.$inferSelect> | undefined;
      const campaignOffers = async () => (offersOfCampaign ??= new Map((await db.select().from(offers).where(eq(offers.campaignId, campaignId))).map((o) => [o.id, o])));

      /** One call to one reserve for one post: the same eligibility gate as every other path, then the selection. */
      const callReserve = async (call: { id: number; reserveCycleId: string; vacatedCycleId: string }, candidateId: number, offer: typeof offers.$inferSelect): Promise<'selected' | 'refused' | 'offer_full'> => {
        // A blocked reserve is not selected; the call says why.
        const gate = await admitOne(db, { candidateId, cycleId: call.reserveCycleId, offerId: offer.id }, { hold: 'reserve', campaignId });
        if (isQuotaOnly(gate.refusals)) {
          // the offer is full (the vacated post was refilled another way): no reserve is used up for it
          await db.delete(reserveCalls).where(eq(reserveCalls.id, call.id));
          return 'offer_full';
        }
        if (gate.refusals.length) {
          await db.update(reserveCalls).set({ status: 'refused', reason: gate.refusals.map((r) => r.reason).join('; ') }).where(eq(reserveCalls.id, call.id));
          return 'refused';
        }
        try {
          // the call's id is the update's: a call finished again after a crash is one selection, not two
          await temporal.workflow.getHandle(call.reserveCycleId).executeUpdate(recordSelectionUpdate, {
            args: [{ decision: 'selected', employerId: offer.employerId, offerId: offer.id, contractStart: offer.contractStart, contractEnd: offer.contractEnd, decidedBy: `reserve list (replaces ${call.vacatedCycleId})` }],
            updateId: `reserve-call-${call.id}`,
          });
          await db.update(reserveCalls).set({ status: 'selected' }).where(eq(reserveCalls.id, call.id));
          return 'selected';
        } catch (err) {
          if (!(err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError)) throw err;
          // dropped unprocessed by the server: not the reserve's refusal; the activity's retry calls again
          if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === UNPROCESSED_UPDATE) throw err;
          // that reserve is no longer available (expired, withdrew): record why and try the next one
          await releaseSeat(db, call.reserveCycleId);
          await db.update(reserveCalls).set({ status: 'refused', reason: err.message }).where(eq(reserveCalls.id, call.id));
          return 'refused';
        }
      };

      // A call still at 'called' was left by an attempt that died between recording it and the reserve's answer (its
      // worker killed): it holds its post and its reserve, so it is finished before anything else, or never would be.
      let called = 0;
      const interrupted = await db
        .select({ id: reserveCalls.id, offerId: reserveCalls.offerId, vacatedCycleId: reserveCalls.vacatedCycleId, reserveCycleId: reserveCalls.reserveCycleId, candidateId: workerCycles.candidateId })
        .from(reserveCalls)
        .innerJoin(workerCycles, eq(workerCycles.id, reserveCalls.reserveCycleId))
        .where(and(eq(reserveCalls.campaignId, campaignId), eq(reserveCalls.status, 'called')))
        .orderBy(asc(reserveCalls.id));
      for (const call of interrupted) {
        if ((await callReserve(call, call.candidateId, (await campaignOffers()).get(call.offerId)!)) === 'selected') called += 1;
      }

      const filled = db.select({ id: reserveCalls.vacatedCycleId }).from(reserveCalls).where(and(eq(reserveCalls.campaignId, campaignId), ne(reserveCalls.status, 'refused')));
      const vacated = await db
        .select({ cycleId: workerCycles.id, offerId: workerCycles.offerId })
        .from(workerCycles)
        .where(and(eq(workerCycles.campaignId, campaignId), isNotNull(workerCycles.offerId), inArray(workerCycles.outcome, [...DROP_OUT_OUTCOMES]), notInArray(workerCycles.id, filled)))
        .orderBy(asc(workerCycles.updatedAt), asc(workerCycles.id));
      if (vacated.length === 0) return { called, vacancies: 0 };

      const offerById = await campaignOffers();
      const alreadyCalled = db.select({ id: reserveCalls.reserveCycleId }).from(reserveCalls).where(eq(reserveCalls.campaignId, campaignId));
      const reserves = await db
        .select({ cycleId: workerCycles.id, candidateId: workerCycles.candidateId })
        .from(workerCycles)
        .where(and(eq(workerCycles.campaignId, campaignId), isNotNull(workerCycles.reserveRank), eq(workerCycles.stage, 'preselected'), isNull(workerCycles.outcome), notInArray(workerCycles.id, alreadyCalled)))
        .orderBy(asc(workerCycles.reserveRank), asc(workerCycles.id));

      let next = 0;
      for (const post of vacated) {
        const offer = offerById.get(post.offerId!);
        if (!offer) continue;
        while (next < reserves.length) {
          const reserve = reserves[next++]!;
          const [call] = await db
            .insert(reserveCalls)
            .values({ campaignId, offerId: offer.id, vacatedCycleId: post.cycleId, reserveCycleId: reserve.cycleId })
            .onConflictDoNothing()
            .returning();
          if (!call) continue;
          const answer = await callReserve(call, reserve.candidateId, offer);
          if (answer === 'offer_full') {
            next -= 1;
            break;
          }
          if (answer === 'selected') {
            called += 1;
            break;
          }
        }
        if (next >= reserves.length) break;
      }
      return { called, vacancies: vacated.length };
    },
  };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
