// Reads and writes about one person across campaigns and years: history, re-hire, reintegration, reports.
import type { Reach } from '../auth/jurisdiction';
import { cyclesInReach } from './cycles';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import {
  campaigns,
  candidates,
  documents,
  employers,
  offers,
  reintegrationEnrolments,
  reintegrationSteps,
  workAuthorisations,
  workerCycles,
} from '../../db/schema';
export { personByNationalId, personOr404, type CandidateRow } from './candidates';

/** Everything a worker's history shows: authorisations, seasons (with employer and documents), reintegration. */
/** A worker's record; an employer sees only the seasons it employed them (reach). */
export async function loadHistory(db: Db, candidateId: number, reach: Reach = {}) {
  const auths = await db.select().from(workAuthorisations).where(eq(workAuthorisations.candidateId, candidateId)).orderBy(asc(workAuthorisations.startsOn));
  const cycles = await db
    .select({ cycle: workerCycles, season: campaigns.season, employerName: employers.name })
    .from(workerCycles)
    .innerJoin(campaigns, eq(campaigns.id, workerCycles.campaignId))
    .leftJoin(employers, eq(employers.id, workerCycles.employerId))
    .where(and(eq(workerCycles.candidateId, candidateId), cyclesInReach(reach)))
    .orderBy(asc(campaigns.season), asc(workerCycles.startedAt));
  const docs = cycles.length
    ? await db.select({ id: documents.id, kind: documents.kind, cycleId: documents.cycleId }).from(documents).where(inArray(documents.cycleId, cycles.map((c) => c.cycle.id))).orderBy(asc(documents.id))
    : [];
  const enrolments = await db.select().from(reintegrationEnrolments).where(eq(reintegrationEnrolments.candidateId, candidateId));
  const steps = enrolments.length ? await db.select().from(reintegrationSteps).where(inArray(reintegrationSteps.enrolmentId, enrolments.map((e) => e.id))) : [];
  return { auths, cycles, docs, enrolments, steps };
}
export type History = Awaited<ReturnType<typeof loadHistory>>;

export async function offerOfCampaign(db: Db, offerId: string, campaignId: string) {
  const [offer] = await db.select().from(offers).where(and(eq(offers.id, offerId), eq(offers.campaignId, campaignId)));
  return offer;
}

export async function cycleRow(db: Db, cycleId: string) {
  const [c] = await db.select({ id: workerCycles.id, rehire: workerCycles.rehire }).from(workerCycles).where(eq(workerCycles.id, cycleId));
  return c;
}

/** The person's latest season (by campaign season, then start). */
export async function insertRehireCycle(db: Db, c: { id: string; campaignId: string; candidateId: number; province: string }): Promise<void> {
  await db.insert(workerCycles).values({ ...c, stage: 'preselected', rehire: true }).onConflictDoNothing();
}

export const verifiedReturns = (db: Db, candidateId: number) =>
  db.$count(workerCycles, and(eq(workerCycles.candidateId, candidateId), sql`${workerCycles.outcome} in ('returned', 'returned_late', 'early_return')`));

/** Enrols once per programme: the enrolment, and whether this call created it. */
export async function enrol(db: Db, e: { candidateId: number; programme: string; enrolledOn: string; enrolledBy: string }) {
  const [created] = await db.insert(reintegrationEnrolments).values(e).onConflictDoNothing().returning();
  if (created) return { enrolment: created, created: true };
  return { enrolment: (await enrolment(db, e.candidateId, e.programme))!, created: false };
}

export async function enrolment(db: Db, candidateId: number, programme: string) {
  const [e] = await db.select().from(reintegrationEnrolments).where(and(eq(reintegrationEnrolments.candidateId, candidateId), eq(reintegrationEnrolments.programme, programme)));
  return e;
}

export async function recordStep(db: Db, s: { enrolmentId: number; step: string; completedOn: string; recordedBy: string }): Promise<void> {
  await db.insert(reintegrationSteps).values(s as typeof reintegrationSteps.$inferInsert).onConflictDoNothing();
}

export async function closeEnrolment(db: Db, enrolmentId: number, o: { outcome: string; businessName: string | null; outcomeOn: string }): Promise<void> {
  await db
    .update(reintegrationEnrolments)
    .set({ status: 'completed', ...o } as Partial<typeof reintegrationEnrolments.$inferInsert>)
    .where(eq(reintegrationEnrolments.id, enrolmentId));
}

/** Placements, returns, non-returns and re-hires of a season by province and sex; workers blocked today. */
export async function seasonReport(db: Db, season: number) {
  const rows = await db.execute<{ province: string; sex: string; placed: number; returned: number; returned_late: number; non_return: number; stable_hire: number; early_return: number; rehired: number }>(sql`
    select w.province, c.sex,
      count(*) filter (where w.embarked_at is not null)::int as placed,
      count(*) filter (where w.outcome = 'returned')::int as returned,
      count(*) filter (where w.outcome = 'returned_late')::int as returned_late,
      count(*) filter (where w.outcome = 'non_return')::int as non_return,
      count(*) filter (where w.outcome = 'stable_hire')::int as stable_hire,
      count(*) filter (where w.outcome = 'early_return')::int as early_return,
      count(*) filter (where w.rehire)::int as rehired
    from worker_cycles w join campaigns k on k.id = w.campaign_id join candidates c on c.id = w.candidate_id
    where k.season = ${season}
    group by w.province, c.sex order by w.province, c.sex`);
  const today = new Date().toISOString().slice(0, 10);
  const blocked = await db.$count(candidates, sql`${candidates.blockedUntil} >= ${today}`);
  // the reason is in the closing step's audit details
  const reasons = await db.execute<{ reason: string; n: number }>(sql`
    select coalesce(a.details->>'reason', 'other') as reason, count(*)::int as n
    from audit_events a join worker_cycles w on w.id = a.cycle_id join campaigns k on k.id = w.campaign_id
    where k.season = ${season} and a.step = 'early_return' group by 1 order by 1`);
  return { rows, blocked, earlyReturnReasons: Object.fromEntries(reasons.map((r) => [r.reason, r.n])) };
}

export function reintegrationReport(db: Db) {
  return db
    .select({
      programme: reintegrationEnrolments.programme,
      enrolled: sql<number>`count(*)`.mapWith(Number),
      completed: sql<number>`count(*) filter (where ${reintegrationEnrolments.status} = 'completed')`.mapWith(Number),
      businessesCreated: sql<number>`count(*) filter (where ${reintegrationEnrolments.outcome} = 'business_created')`.mapWith(Number),
      employed: sql<number>`count(*) filter (where ${reintegrationEnrolments.outcome} = 'employed')`.mapWith(Number),
    })
    .from(reintegrationEnrolments)
    .groupBy(reintegrationEnrolments.programme)
    .orderBy(asc(reintegrationEnrolments.programme));
}
