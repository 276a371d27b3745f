// Erasure of a person's data (on request, or by the retention rule), shared by the API and the retention activity.
//
// What is kept: the candidate row (its id holds the cycles and statistics together) with province, sex, language,
// the birth year, prior seasons and a block after a non-return; every cycle's stages, outcomes, dates and employer;
// the audit trail's steps, stages, outcomes, dates and actors (without the free-text notes actors added); the
// access log. What goes: names, national ID (replaced by ERASED-<HMAC-SHA256 of it>: irreversible without the key,
// unique as the key requires, and the same person registering again is still recognised by it), passport, phone,
// e-mail, household, commune, the day and month of birth; identifiers of her files (authorisation, visa file and
// visa numbers); the documents (rows deleted: a PDF cannot be stripped of its names, and the audit trail already
// says which documents were issued when); message texts about her and her address or phone as a recipient; the
// free text of steps (reasons, notes) and of bulk rows. Temporal keeps a closed cycle's history only for the
// namespace's retention period (7 days), with its payloads encrypted.
import { createHmac } from 'node:crypto';
import { and, eq, inArray, isNotNull, ne, or, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../client';
import {
  accessLog,
  auditEvents,
  bulkItems,
  inSeasonCases,
  callAttempts,
  callListEntries,
  candidates,
  documents,
  emailOutbox,
  erasures,
  intakeFiles,
  reintegrationEnrolments,
  reintegrationSteps,
  sessionInvitations,
  workAuthorisations,
  workerCycles,
} from '../schema';

/** What a cleared text field holds. */
export const ERASED = '[erased]';

/** Audit detail keys that carry no personal data (dates, offers, flags); every other key is dropped on erasure. */
const KEPT_AUDIT_DETAILS = ['season', 'offerId', 'issuedOn', 'submittedOn', 'contractEnd', 'sailing', 'proof', 'late', 'nextSeasonEligible'];

/** The irreversible token a national ID becomes: the same ID always gives the same token under the same key. */
export function erasedNationalId(key: string, nationalId: string): string {
  return `ERASED-${createHmac('sha256', key).update(nationalId.trim().toUpperCase()).digest('hex')}`;
}

export type Erasure = typeof erasures.$inferSelect;

export interface ErasureRequest {
  candidateId: number;
  kind: 'request' | 'retention';
  reason: string;
  note?: string;
  by: { subject: string; label: string; role: string };
  /** the route or process, written to the access log */
  route: string;
  hmacKey: string;
}

export type ErasureResult =
  | { status: 'erased' | 'already'; erasure: Erasure }
  | { status: 'open'; cycles: { id: string; stage: string }[] }
  | { status: 'missing' };

/** Drops the caller's note from an actor label ("label — note" written by actedBy): the note is free text. */
const actorWithoutNote = (column: AnyPgColumn) => sql`split_part(${column}, ' — ', 1)`;

/**
 * Erases one person in one transaction (the candidate row locked, so two erasures never interleave). Refused while a
 * cycle of hers is open: a running workflow would write her data again. A second erasure answers the first.
 */
export async function erasePerson(db: Db, r: ErasureRequest): Promise<ErasureResult> {
  return db.transaction(async (tx) => {
    const [person] = await tx.select().from(candidates).where(eq(candidates.id, r.candidateId)).for('update');
    if (!person) return { status: 'missing' };
    const [done] = await tx.select().from(erasures).where(eq(erasures.candidateId, person.id));
    if (done) return { status: 'already', erasure: done };
    const open = await tx.select({ id: workerCycles.id, stage: workerCycles.stage }).from(workerCycles).where(and(eq(workerCycles.candidateId, person.id), ne(workerCycles.stage, 'closed')));
    if (open.length) return { status: 'open', cycles: open };

    const summary = await anonymise(tx, person, r.hmacKey);
    const [erasure] = await tx
      .insert(erasures)
      .values({ candidateId: person.id, kind: r.kind, reason: r.reason, note: r.note ?? null, erasedBy: r.by.label, erasedBySubject: r.by.subject, summary })
      .returning();
    await tx.insert(accessLog).values({ candidateId: person.id, actorSubject: r.by.subject, actorLabel: r.by.label, actorRole: r.by.role, purpose: r.kind === 'request' ? 'erasure' : 'retention', route: r.route, detail: r.reason });
    return { status: 'erased', erasure: erasure! };
  });
}

async function anonymise(tx: Tx, person: typeof candidates.$inferSelect, hmacKey: string): Promise<Record<string, number>> {
  const summary: Record<string, number> = {};
  const count = (table: string, n: number) => {
    if (n) summary[table] = (summary[table] ?? 0) + n;
  };
  const cycleIds = (await tx.select({ id: workerCycles.id }).from(workerCycles).where(eq(workerCycles.candidateId, person.id))).map((c) => c.id);
  const fullName = `${person.firstName} ${person.lastName}`;
  // the strings that identify her, longest first so a full name is replaced before its parts
  const personal = [fullName, person.nationalId, person.passportNumber, person.email, person.phone, person.firstName, person.lastName]
    .filter((s): s is string => !!s && s.trim().length >= 2)
    .sort((a, b) => b.length - a.length);
  const scrub = (text: string) => personal.reduce((t, s) => t.split(s).join(ERASED), text);

  await tx
    .update(candidates)
    .set({
      nationalId: erasedNationalId(hmacKey, person.nationalId),
      firstName: ERASED,
      lastName: ERASED,
      birthDate: `${person.birthDate.slice(0, 4)}-01-01`,
      commune: ERASED,
      householdSituation: ERASED,
      dependants: 0,
      phone: null,
      email: null,
      passportNumber: null,
      passportExpiry: null,
    })
    .where(eq(candidates.id, person.id));
  count('candidates', 1);

  const auths = await tx.update(workAuthorisations).set({ number: sql`'ERASED-' || ${workAuthorisations.id}`, statusReason: null }).where(eq(workAuthorisations.candidateId, person.id)).returning({ id: workAuthorisations.id });
  count('work_authorisations', auths.length);

  for (const enrolment of await tx.select().from(reintegrationEnrolments).where(eq(reintegrationEnrolments.candidateId, person.id))) {
    await tx
      .update(reintegrationEnrolments)
      .set({ businessName: enrolment.businessName ? ERASED : null, enrolledBy: actorWithoutNote(reintegrationEnrolments.enrolledBy) })
      .where(eq(reintegrationEnrolments.id, enrolment.id));
    await tx.update(reintegrationSteps).set({ recordedBy: actorWithoutNote(reintegrationSteps.recordedBy) }).where(eq(reintegrationSteps.enrolmentId, enrolment.id));
    count('reintegration_enrolments', 1);
  }

  if (cycleIds.length) {
    // identifiers of her files: kept non-null where a count reads them (authorised, visa issued), never in clear
    const cleared = (column: AnyPgColumn) => sql`case when ${column} is null then null else ${ERASED} end`;
    await tx
      .update(workerCycles)
      .set({ authorisationNumber: cleared(workerCycles.authorisationNumber), visaFileReference: cleared(workerCycles.visaFileReference), visaNumber: cleared(workerCycles.visaNumber) })
      .where(inArray(workerCycles.id, cycleIds));
    count('worker_cycles', cycleIds.length);

    const audit = await tx
      .update(auditEvents)
      .set({
        details: sql`(select coalesce(jsonb_object_agg(d.key, d.value), '{}'::jsonb) from jsonb_each(${auditEvents.details}) d where d.key in (${sql.join(KEPT_AUDIT_DETAILS.map((k) => sql`${k}`), sql`, `)})) || '{"erased": true}'::jsonb`,
        actor: actorWithoutNote(auditEvents.actor),
      })
      .where(inArray(auditEvents.cycleId, cycleIds))
      .returning({ id: auditEvents.id });
    count('audit_events', audit.length);

    const docs = await tx.delete(documents).where(inArray(documents.cycleId, cycleIds)).returning({ id: documents.id });
    count('documents_deleted', docs.length);

    const items = await tx.update(bulkItems).set({ payload: { args: {}, erased: true } }).where(and(inArray(bulkItems.cycleId, cycleIds), ne(bulkItems.status, 'pending'))).returning({ line: bulkItems.line });
    count('bulk_items', items.length);

    // the employer's words about her at a selection session
    const invitations = await tx.update(sessionInvitations).set({ reason: null }).where(and(inArray(sessionInvitations.cycleId, cycleIds), isNotNull(sessionInvitations.reason))).returning({ cycleId: sessionInvitations.cycleId });
    if (invitations.length) count('session_invitations', invitations.length);
    // in-season cases keep their kind, employer, dates and status (the season's report by employer); their texts go
    const cases = await tx
      .update(inSeasonCases)
      .set({ details: ERASED, resolution: sql`case when ${inSeasonCases.resolution} is null then null else ${ERASED} end` })
      .where(inArray(inSeasonCases.cycleId, cycleIds))
      .returning({ id: inSeasonCases.id });
    count('in_season_cases', cases.length);

    const entries = await tx.select({ id: callListEntries.id }).from(callListEntries).where(inArray(callListEntries.cycleId, cycleIds));
    if (entries.length) {
      await tx.update(callAttempts).set({ note: null }).where(and(inArray(callAttempts.entryId, entries.map((e) => e.id)), isNotNull(callAttempts.note)));
      count('call_list_entries', entries.length);
    }
  }

  // Messages: those of her cycles (to her, or about her to the agency, the employer, the consulate) lose their text
  // and her address; a message about several workers (a visa batch's escalation) loses her line.
  const messages = await tx
    .select()
    .from(emailOutbox)
    .where(or(cycleIds.length ? inArray(emailOutbox.cycleId, cycleIds) : undefined, sql`${emailOutbox.body} like ${`%${person.nationalId}%`}`));
  for (const m of messages) {
    const own = m.cycleId !== null && cycleIds.includes(m.cycleId);
    await tx
      .update(emailOutbox)
      .set({
        toAddresses: m.toAddresses.map((a) => (a === person.email || a === person.phone ? ERASED : a)),
        subject: scrub(m.subject),
        body: own ? ERASED : scrub(m.body.split(`${person.nationalId} ${fullName}`).join(ERASED)),
        lastError: m.lastError ? scrub(m.lastError) : null,
      })
      .where(eq(emailOutbox.id, m.id));
  }
  count('email_outbox', messages.length);

  // a file's errors may quote her national ID or passport number
  for (const id of [person.nationalId, person.passportNumber].filter((s): s is string => !!s)) {
    const files = await tx
      .update(intakeFiles)
      .set({ errors: sql`replace(${intakeFiles.errors}::text, ${id}, ${ERASED})::jsonb` })
      .where(sql`${intakeFiles.errors}::text like ${`%${id}%`}`)
      .returning({ id: intakeFiles.id });
    count('intake_files', files.length);
  }
  return summary;
}

/**
 * Candidates the retention rule anonymises: never selected (no cycle took an offer, an authorisation or a re-hire;
 * no multi-year authorisation), every cycle closed, no activity (registration, a cycle's last change) for
 * `olderThan` (a PostgreSQL interval such as '2 years'), not yet erased. At most `limit`, oldest first.
 */
export async function expiredUnselected(db: Db | Tx, olderThan: string, limit: number): Promise<number[]> {
  const rows = await db.execute<{ id: number }>(sql`
    select c.id from candidates c
    where not exists (select 1 from erasures e where e.candidate_id = c.id)
      and not exists (select 1 from work_authorisations a where a.candidate_id = c.id)
      and not exists (select 1 from worker_cycles w where w.candidate_id = c.id
                      and (w.stage <> 'closed' or w.offer_id is not null or w.employer_id is not null or w.authorisation_number is not null or w.rehire))
      and greatest(c.created_at, (select max(w.updated_at) from worker_cycles w where w.candidate_id = c.id)) < now() - ${olderThan}::interval
    order by c.id
    limit ${limit}`);
  return rows.map((r) => Number(r.id));
}

export const RETENTION_BATCH = 500;

/** The retention rule's actor in the erasure record and the access log. */
export const RETENTION_ACTOR = { subject: 'system:retention', label: 'retention rule (candidates never selected)', role: 'system' };

/** One batch of the retention rule: erases up to RETENTION_BATCH expired candidates; `more` when others wait. */
export async function anonymiseExpiredBatch(
  db: Db,
  settings: { olderThan: string; hmacKey: string },
  /** an operator who ran the rule by hand (POST /retention/run); else the nightly schedule */
  by: { subject: string; label: string; role: string; route: string } = { ...RETENTION_ACTOR, route: 'retention schedule' },
): Promise<{ erased: number; more: boolean }> {
  const ids = await expiredUnselected(db, settings.olderThan, RETENTION_BATCH);
  let erased = 0;
  for (const candidateId of ids) {
    const r = await erasePerson(db, { candidateId, kind: 'retention', reason: `never selected, no activity for ${settings.olderThan}`, by, route: by.route, hmacKey: settings.hmacKey });
    if (r.status === 'erased') erased += 1;
  }
  return { erased, more: ids.length === RETENTION_BATCH };
}

/**
 * A person registering again after her erasure is recognised by her token (the same national ID gives the same
 * HMAC): a block after a non-return that the erased record still carries applies to the new record too.
 */
export async function inheritErasedBlocks(db: Db | Tx, people: { id: number; nationalId: string }[], hmacKey: string): Promise<number> {
  if (!people.length) return 0;
  // tokens and ids hold no commas: passed as two strings, unnested side by side
  const ids = people.map((p) => p.id).join(',');
  const tokens = people.map((p) => erasedNationalId(hmacKey, p.nationalId)).join(',');
  const rows = await db.execute<{ id: number }>(sql`
    update candidates n set blocked_until = e.blocked_until, blocked_reason = e.blocked_reason
    from unnest(string_to_array(${ids}, ',')::int[], string_to_array(${tokens}, ',')) as r(id, token)
    join candidates e on e.national_id = r.token
    where n.id = r.id and e.blocked_until >= current_date and (n.blocked_until is null or n.blocked_until < e.blocked_until)
    returning n.id`);
  return rows.length;
}
