// Selection sessions (issue 13): an employer interviews candidates at one of the selection sites on a day, for one of
// its offers. About two candidates are invited per post left, from the campaign's preselected cycles in registration
// order; each hears of it through the outbox (activities/selection-sessions.ts). Attendance is recorded, then the
// results: selections go through the selection step's one path (api/queries/selection-plan.ts: the eligibility gate,
// the offer's quota, a bulk operation of kind 'selection'), ranked reserves join the campaign's reserve list.
import { and, asc, eq, isNull, max, notExists, sql, type SQL } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { campaigns, candidates, offers, selectionSessions, selectionSites, sessionInvitations, workerCycles } from '../../db/schema';
import { byRegistration } from '../../db/queries/registration-order';
import { seatsHeld } from '../../db/queries/contracting';
import { startBulkWorkflow, writeBulkOperation } from '../../activities/bulk-start';
import { SESSION_INVITATION_KIND } from '../../activities/selection-sessions';
import { CYCLE_STEPS } from '../../workflows/contracts/steps';
import type { Reach } from '../auth/jurisdiction';
import { conflict, notFound, unprocessable } from '../errors';
import { sha256, type RowError } from '../files';
import { cyclesInReach } from './cycles';
import { planSelection } from './selection-plan';

type Deps = { db: Db; temporal: Client };
export type Session = typeof selectionSessions.$inferSelect & { site: typeof selectionSites.$inferSelect };

/** Invited per post left when the request does not say (about two candidates a post). */
export const INVITED_PER_POST = 2;

export const listSites = (db: Db) => db.select().from(selectionSites).orderBy(asc(selectionSites.id));

/** Sessions a caller reaches: an agency officer's at the sites of her province, an employer's its own. */
function sessionsInReach(reach: Reach): SQL | undefined {
  return and(reach.province !== undefined ? eq(selectionSites.province, reach.province) : undefined, reach.employerId !== undefined ? eq(selectionSessions.employerId, reach.employerId) : undefined);
}

const sessionRows = (db: Db, where: SQL | undefined) =>
  db.select({ session: selectionSessions, site: selectionSites }).from(selectionSessions).innerJoin(selectionSites, eq(selectionSites.id, selectionSessions.siteId)).where(where);

export async function listSessions(db: Db, campaignId: string, reach: Reach): Promise<Session[]> {
  const rows = await sessionRows(db, and(eq(selectionSessions.campaignId, campaignId), sessionsInReach(reach))).orderBy(asc(selectionSessions.heldOn), asc(selectionSessions.id));
  return rows.map((r) => ({ ...r.session, site: r.site }));
}

/** The session, or 404 when unknown or outside the caller's reach. */
export async function sessionOr404(db: Db, sessionId: number, reach: Reach): Promise<Session> {
  const [row] = await sessionRows(db, and(eq(selectionSessions.id, sessionId), sessionsInReach(reach)));
  if (!row) throw notFound(`selection session ${sessionId}`);
  return { ...row.session, site: row.site };
}

export async function invitationsOf(db: Db, sessionId: number) {
  return db
    .select({ invitation: sessionInvitations, nationalId: candidates.nationalId, firstName: candidates.firstName, lastName: candidates.lastName, sex: candidates.sex, province: workerCycles.province, stage: workerCycles.stage, candidateId: candidates.id })
    .from(sessionInvitations)
    .innerJoin(workerCycles, eq(workerCycles.id, sessionInvitations.cycleId))
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .where(eq(sessionInvitations.sessionId, sessionId))
    .orderBy(asc(sessionInvitations.position));
}

export interface NewSession {
  siteId: string;
  heldOn: string;
  startsAt: string;
  offerId: string;
  invite?: number;
}

/**
 * Creates the session, invites its candidates and starts sending the invitations, or finds the session already
 * planned for that offer, site and day (`created: false`). 404 unknown offer (or a site outside an agency officer's
 * province), 409 campaign stage, offer full or nobody left to invite, 422 unknown site.
 */
export async function createSession(deps: Deps, campaignId: string, body: NewSession, reach: Reach, createdBy: string): Promise<{ session: Session; created: boolean }> {
  const { db } = deps;
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  if (!campaign) throw notFound(`campaign ${campaignId}`);
  const [offer] = await db.select().from(offers).where(and(eq(offers.id, body.offerId), eq(offers.campaignId, campaignId)));
  if (!offer) throw notFound(`offer ${body.offerId} of campaign ${campaignId}`);
  const [site] = await db.select().from(selectionSites).where(eq(selectionSites.id, body.siteId));
  if (!site) throw unprocessable(`no selection site ${body.siteId}`, [{ field: 'body.siteId', reason: 'not a selection site (GET /selection-sites)' }]);
  if (reach.province !== undefined && site.province !== reach.province) throw notFound(`selection site ${body.siteId}`);
  const [existing] = await db.select({ id: selectionSessions.id }).from(selectionSessions).where(and(eq(selectionSessions.offerId, offer.id), eq(selectionSessions.siteId, site.id), eq(selectionSessions.heldOn, body.heldOn)));
  if (existing) return { session: await sessionOr404(db, existing.id, reach), created: false };
  const stages: readonly string[] = CYCLE_STEPS.recordSelection.campaignStages;
  if (!stages.includes(campaign.stage)) throw conflict(`campaign ${campaignId} is at ${campaign.stage}: selection sessions are held at ${stages.join(', ')}`, [{ field: 'campaign.stage', reason: `${campaign.stage} does not allow a selection` }]);
  const postsLeft = offer.posts - (await seatsHeld(db, offer.id));
  const count = body.invite ?? INVITED_PER_POST * postsLeft;
  if (count <= 0) throw conflict(`offer ${offer.id} has no post left (${offer.posts} filled)`, [{ field: 'body.offerId', reason: 'every post is filled' }]);

  const result = await db.transaction(async (tx) => {
    // preselected on the main list, not yet invited by this offer, within the caller's reach, first registered first
    const invitees = await tx
      .select({ cycleId: workerCycles.id })
      .from(workerCycles)
      .where(
        and(
          eq(workerCycles.campaignId, campaignId),
          eq(workerCycles.stage, 'preselected'),
          isNull(workerCycles.outcome),
          isNull(workerCycles.offerId),
          isNull(workerCycles.reserveRank),
          cyclesInReach({ province: reach.province }),
          notExists(tx.select({ one: sql`1` }).from(sessionInvitations).where(and(eq(sessionInvitations.offerId, offer.id), eq(sessionInvitations.cycleId, workerCycles.id)))),
        ),
      )
      .orderBy(byRegistration)
      .limit(count);
    if (invitees.length === 0) return undefined;
    const [session] = await tx
      .insert(selectionSessions)
      .values({ campaignId, siteId: site.id, heldOn: body.heldOn, startsAt: body.startsAt, offerId: offer.id, employerId: offer.employerId, invited: invitees.length, createdBy })
      .onConflictDoNothing()
      .returning();
    // a concurrent request planned the same session first: answer with it
    if (!session) return { id: undefined };
    await tx.insert(sessionInvitations).values(invitees.map((c, i) => ({ sessionId: session.id, cycleId: c.cycleId, offerId: offer.id, position: i + 1 })));
    const operationId = await writeBulkOperation(tx, {
      campaignId,
      kind: SESSION_INVITATION_KIND,
      sourceKey: `session-${session.id}`,
      source: `invitations to selection session ${session.id} (${site.name}, ${body.heldOn})`,
      createdBy,
      items: invitees.map((c, i) => ({ line: i + 1, cycleId: c.cycleId, payload: { args: { sessionId: session.id } } })),
    });
    await tx.update(selectionSessions).set({ invitationsOperationId: operationId }).where(eq(selectionSessions.id, session.id));
    return { id: session.id, operationId };
  });
  if (!result) throw conflict(`no preselected candidate left to invite for offer ${offer.id}`, [{ field: 'body.offerId', reason: 'every preselected candidate within reach is invited already' }]);
  if (!result.id) return createSession(deps, campaignId, body, reach, createdBy);
  await startBulkWorkflow(deps.temporal, result.operationId!);
  return { session: await sessionOr404(db, result.id, reach), created: true };
}

/** Sends the invitations again if their operation's workflow never started (a crash after the commit). */
export async function resumeInvitations(temporal: Client, session: Session): Promise<void> {
  if (session.invitationsOperationId) await startBulkWorkflow(temporal, session.invitationsOperationId);
}

/** Invitations of the session by national ID, for the attendance and result rows. */
async function invitedByNationalId(db: Db, sessionId: number) {
  return new Map((await invitationsOf(db, sessionId)).map((r) => [r.nationalId, r]));
}

export async function recordAttendance(db: Db, session: Session, rows: { line: number; row: { nationalId: string; attendance: 'present' | 'absent' | 'excused' } }[], errors: RowError[], by: string): Promise<number> {
  const invited = await invitedByNationalId(db, session.id);
  let recorded = 0;
  for (const { line, row } of rows) {
    const inv = invited.get(row.nationalId);
    if (!inv) errors.push({ line, field: 'nationalId', reason: `${row.nationalId} is not invited to session ${session.id}` });
    else if (inv.invitation.result) errors.push({ line, field: 'attendance', reason: `the result is recorded already (${inv.invitation.result})` });
    else {
      await db.update(sessionInvitations).set({ attendance: row.attendance, attendanceBy: by }).where(and(eq(sessionInvitations.sessionId, session.id), eq(sessionInvitations.cycleId, inv.invitation.cycleId)));
      recorded += 1;
    }
  }
  return recorded;
}

export interface ResultRow {
  nationalId: string;
  result: 'selected' | 'rejected' | 'reserve';
  rank?: number;
  reason?: string;
}

/**
 * The employer's results. Only candidates present may be selected or kept in reserve. Selections pass the gate as a
 * selection file's rows do and are applied by one bulk operation of kind 'selection' (refused rows come back with
 * the gate's reason and are not recorded). Reserves, in rank order, join the end of the campaign's reserve list.
 * A rejection stays on the session: she may still be invited by another offer's session.
 */
export async function recordResults(deps: Deps, session: Session, rows: { line: number; row: ResultRow }[], errors: RowError[], by: string) {
  const { db } = deps;
  const invited = await invitedByNationalId(db, session.id);
  const ranks = new Set<number>();
  // selections recorded by an earlier request whose operation may never have started (a crash after its commit)
  const resume = new Set<string>();
  const accepted: { line: number; row: ResultRow; cycleId: string }[] = [];
  for (const { line, row } of rows) {
    const inv = invited.get(row.nationalId);
    const refuse = (field: string, reason: string) => errors.push({ line, field, reason });
    if (!inv) refuse('nationalId', `${row.nationalId} is not invited to session ${session.id}`);
    else if (inv.invitation.result) {
      if (inv.invitation.resultOperationId) resume.add(inv.invitation.resultOperationId);
      refuse('result', `the result is recorded already (${inv.invitation.result})`);
    } else if (row.result !== 'rejected' && inv.invitation.attendance !== 'present') refuse('result', `was not recorded present at the session (${inv.invitation.attendance ?? 'no attendance'})`);
    else if (row.result === 'reserve' && row.rank === undefined) refuse('rank', 'required for a reserve');
    else if (row.result === 'reserve' && ranks.has(row.rank!)) refuse('rank', `rank ${row.rank} appears more than once`);
    else {
      if (row.result === 'reserve') ranks.add(row.rank!);
      accepted.push({ line, row, cycleId: inv.invitation.cycleId });
    }
  }
  const out = await db.transaction(async (tx) => {
    const selections = accepted.filter((a) => a.row.result === 'selected');
    const items = await planSelection(tx, session.campaignId, selections.map((a) => ({ line: a.line, cycleId: a.cycleId, row: { decision: 'selected', offerId: session.offerId } })), errors, by);
    const operationId = items.length
      ? await writeBulkOperation(tx, { campaignId: session.campaignId, kind: 'selection', sourceKey: `session-${session.id}-${sha256(items.map((i) => i.cycleId).join(',')).slice(0, 16)}`, source: `results of selection session ${session.id}`, createdBy: by, items })
      : null;
    const selected = new Set(items.map((i) => i.cycleId));
    const now = new Date();
    const write = async (a: (typeof accepted)[number], set: Partial<typeof sessionInvitations.$inferInsert>) =>
      tx.update(sessionInvitations).set({ result: a.row.result, reason: a.row.reason ?? null, resultBy: by, resultAt: now, ...set }).where(and(eq(sessionInvitations.sessionId, session.id), eq(sessionInvitations.cycleId, a.cycleId)));
    for (const a of accepted.filter((x) => selected.has(x.cycleId))) await write(a, { resultOperationId: operationId });
    for (const a of accepted.filter((x) => x.row.result === 'rejected')) await write(a, {});
    const reserves = accepted.filter((x) => x.row.result === 'reserve').sort((x, y) => x.row.rank! - y.row.rank!);
    if (reserves.length) {
      // the campaign's list is read and extended under a lock on the campaign: two sessions' reserves never share a rank
      await tx.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, session.campaignId)).for('update');
      const [last] = await tx.select({ rank: max(workerCycles.reserveRank) }).from(workerCycles).where(eq(workerCycles.campaignId, session.campaignId));
      let next = (last?.rank ?? 0) + 1;
      for (const a of reserves) {
        await write(a, { rank: a.row.rank! });
        await tx.update(workerCycles).set({ reserveRank: next++ }).where(and(eq(workerCycles.id, a.cycleId), isNull(workerCycles.reserveRank)));
      }
    }
    return { operationId, selected: selected.size, rejected: accepted.filter((x) => x.row.result === 'rejected').length, reserves: reserves.length };
  });
  for (const id of new Set([...resume, ...(out.operationId ? [out.operationId] : [])])) await startBulkWorkflow(deps.temporal, id);
  errors.sort((a, b) => a.line - b.line);
  return out;
}
