// Reads and writes about one person across campaigns and years: history, re-hire, reintegration, reports.
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
export async function loadHistory(db: Db, candidateId: number) {
  const auths = await db.select().from(workAuthorisations).where(eq(workAuthorisations.candidateId, candidateId)).orderBy(asc(workAuthorisations.startsOn));
  const cycles = await db
    .select({ cycle: workerCycles, season: campaigns.season, employerName: employers.name })
    .from(workerCycles)
    .innerJoin(campaigns, eq(campaigns.id, workerCycles.campaignId))
    .leftJoin(employers, eq(employers.id, workerCycles.employerId))
    .where(eq(workerCycles.candidateId, candidateId))
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
  db.$count(workerCycles, and(eq(workerCycles.candidateId, candidateId), sql`${workerCycles.outcome} in ('returned', 'returned_late')`));

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
  const rows = await db.execute<{ province: string; sex: string; placed: number; returned: number; returned_late: number; non_return: number; rehired: number }>(sql`
    select w.province, c.sex,
      count(*) filter (where w.embarked_at is not null)::int as placed,
      count(*) filter (where w.outcome = 'returned')::int as returned,
      count(*) filter (where w.outcome = 'returned_late')::int as returned_late,
      count(*) filter (where w.outcome = 'non_return')::int as non_return,
      count(*) filter (where w.rehire)::int as rehired
    from worker_cycles w join campaigns k on k.id = w.campaign_id join candidates c on c.id = w.candidate_id
    where k.season = ${season}
    group by w.province, c.sex order by w.province, c.sex`);
  const today = new Date().toISOString().slice(0, 10);
  const blocked = await db.$count(candidates, sql`${candidates.blockedUntil} >= ${today}`);
  return { rows, blocked };
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
