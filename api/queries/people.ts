// Everything held about one person, for her export (data protection: right of access), and her erasure (SQL only;
// the erasure itself is in db/queries/erasure.ts, shared with the retention activity).
import { and, asc, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Reach } from '../auth/jurisdiction';
import type { Db } from '../../db/client';
import {
  accessLog,
  auditEvents,
  callAttempts,
  inSeasonCases,
  callListEntries,
  sessionInvitations,
  campaigns,
  departurePassengers,
  documents,
  emailOutbox,
  employers,
  erasures,
  reintegrationEnrolments,
  reintegrationSteps,
  visaBatchMembers,
  workAuthorisations,
  workerCycles,
} from '../../db/schema';
import { cyclesInReach } from './cycles';
import { personOr404 } from './candidates';

export { erasePerson, type Erasure, type ErasureResult } from '../../db/queries/erasure';

/** The person's record and every row about her (404 outside the caller's reach). Document contents stay out: their list is given. */
export async function personalRecord(db: Db, candidateId: number, reach: Reach) {
  const person = await personOr404(db, candidateId, reach);
  const cycles = await db
    .select({ cycle: workerCycles, campaignName: campaigns.name, season: campaigns.season, employerName: employers.name })
    .from(workerCycles)
    .innerJoin(campaigns, eq(campaigns.id, workerCycles.campaignId))
    .leftJoin(employers, eq(employers.id, workerCycles.employerId))
    .where(and(eq(workerCycles.candidateId, person.id), cyclesInReach(reach)))
    .orderBy(asc(campaigns.season), asc(workerCycles.startedAt));
  const cycleIds = cycles.map((c) => c.cycle.id);
  const ofCycles = <T>(load: (ids: string[]) => Promise<T[]>) => (cycleIds.length ? load(cycleIds) : Promise.resolve([] as T[]));

  const audit = await ofCycles((ids) => db.select().from(auditEvents).where(inArray(auditEvents.cycleId, ids)).orderBy(asc(auditEvents.occurredAt), asc(auditEvents.id)));
  const docs = await ofCycles((ids) =>
    db
      .select({ id: documents.id, cycleId: documents.cycleId, kind: documents.kind, version: documents.version, filename: documents.filename, sizeBytes: documents.sizeBytes, sha256: documents.sha256, createdAt: documents.createdAt })
      .from(documents)
      .where(inArray(documents.cycleId, ids))
      .orderBy(asc(documents.id)),
  );
  const visaFiles = await ofCycles((ids) => db.select().from(visaBatchMembers).where(inArray(visaBatchMembers.cycleId, ids)));
  const sailings = await ofCycles((ids) => db.select().from(departurePassengers).where(inArray(departurePassengers.cycleId, ids)));
  const invitations = await ofCycles((ids) => db.select().from(sessionInvitations).where(inArray(sessionInvitations.cycleId, ids)).orderBy(asc(sessionInvitations.invitedAt)));
  const callEntries = await ofCycles((ids) => db.select().from(callListEntries).where(inArray(callListEntries.cycleId, ids)).orderBy(asc(callListEntries.id)));
  const cases = await ofCycles((ids) => db.select().from(inSeasonCases).where(inArray(inSeasonCases.cycleId, ids)).orderBy(asc(inSeasonCases.id)));
  const calls = callEntries.length ? await db.select().from(callAttempts).where(inArray(callAttempts.entryId, callEntries.map((e) => e.id))).orderBy(asc(callAttempts.id)) : [];
  // messages to her (her e-mail address, her phone) and about her (her cycles' messages to the agency, employer, consulate)
  const addressedToHer = [person.email, person.phone].filter((a): a is string => !!a);
  const messages = await db
    .select()
    .from(emailOutbox)
    .where(or(cycleIds.length ? inArray(emailOutbox.cycleId, cycleIds) : undefined, addressedToHer.length ? sql`${emailOutbox.toAddresses} && ${sql`array[${sql.join(addressedToHer.map((a) => sql`${a}`), sql`, `)}]::text[]`}` : undefined))
    .orderBy(asc(emailOutbox.id));
  const authorisations = await db.select().from(workAuthorisations).where(eq(workAuthorisations.candidateId, person.id)).orderBy(asc(workAuthorisations.startsOn));
  const enrolments = await db.select().from(reintegrationEnrolments).where(eq(reintegrationEnrolments.candidateId, person.id)).orderBy(asc(reintegrationEnrolments.id));
  const steps = enrolments.length ? await db.select().from(reintegrationSteps).where(inArray(reintegrationSteps.enrolmentId, enrolments.map((e) => e.id))) : [];
  const reads = await db.select().from(accessLog).where(eq(accessLog.candidateId, person.id)).orderBy(desc(accessLog.at), desc(accessLog.id)).limit(1000);
  const [erasure] = await db.select().from(erasures).where(eq(erasures.candidateId, person.id));
  return { person, cycles, audit, docs, visaFiles, sailings, invitations, callEntries, calls, cases, messages, authorisations, enrolments, steps, reads, erasure };
}
export type PersonalRecord = Awaited<ReturnType<typeof personalRecord>>;
