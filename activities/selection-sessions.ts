// Invitations to a selection session (issue 13): each invited worker hears of it the way workers are reached, by SMS
// in her language (Arabic unless her record says otherwise), gendered, and by e-mail when she has an address, through
// the outbox under the business key `session-invitation:<session>:<cycle>` (sent once however often the row is
// applied). A worker without a phone goes on her agency's call list (activities/sms.ts). Applied as the rows of a
// bulk operation of kind SESSION_INVITATION_KIND, which the bulk workflow pages through like any other: no workflow
// code knows of it.
import { and, eq } from 'drizzle-orm';
import { campaigns, candidates, employers, selectionSessions, selectionSites, sessionInvitations, workerCycles } from '../db/schema';
import type { ActivityDeps } from './deps';
import { sendOutboxEmail } from './outbox';
import { sendWorkerSms, workerSmsText } from './sms';

/** The bulk operation kind that sends a session's invitations (beside the step kinds of workflows/contracts/bulk.ts). */
export const SESSION_INVITATION_KIND = 'session_invitation';

export const sessionInvitationKey = (sessionId: number, cycleId: string) => `session-invitation:${sessionId}:${cycleId}`;

type Deps = Pick<ActivityDeps, 'db' | 'mailer' | 'config' | 'sms'>;

/** Sends one invitation; refused (nothing sent) when the invitation is no longer on the session. */
export async function sendSessionInvitation(deps: Deps, input: { sessionId: number; cycleId: string }): Promise<{ status: 'applied' } | { status: 'refused'; error: string }> {
  const { db } = deps;
  const [row] = await db
    .select({ session: selectionSessions, site: selectionSites, employerName: employers.name, campaignName: campaigns.name, candidate: candidates })
    .from(sessionInvitations)
    .innerJoin(selectionSessions, eq(selectionSessions.id, sessionInvitations.sessionId))
    .innerJoin(selectionSites, eq(selectionSites.id, selectionSessions.siteId))
    .innerJoin(employers, eq(employers.id, selectionSessions.employerId))
    .innerJoin(campaigns, eq(campaigns.id, selectionSessions.campaignId))
    .innerJoin(workerCycles, eq(workerCycles.id, sessionInvitations.cycleId))
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .where(and(eq(sessionInvitations.sessionId, input.sessionId), eq(sessionInvitations.cycleId, input.cycleId)));
  if (!row) return { status: 'refused', error: `not invited to session ${input.sessionId}` };
  const { session, site, candidate } = row;
  const key = sessionInvitationKey(session.id, input.cycleId);
  const text = workerSmsText('session_invitation', {
    language: candidate.language,
    sex: candidate.sex,
    campaignName: row.campaignName,
    employerName: row.employerName,
    site: `${site.name}, ${site.city}`,
    sessionOn: session.heldOn,
    sessionAt: session.startsAt,
  });
  if (candidate.email) {
    await sendOutboxEmail(deps, {
      key,
      cycleId: input.cycleId,
      to: [candidate.email],
      subject: `[${row.campaignName}] ${SUBJECT[candidate.language]}`,
      body: `${text}\n\nRéférence / Referencia : ${input.cycleId}\n`,
    });
  }
  await sendWorkerSms(deps, { key, cycleId: input.cycleId, template: 'session_invitation' }, text);
  return { status: 'applied' };
}

const SUBJECT: Record<'ar' | 'fr' | 'es', string> = {
  ar: 'دعوة إلى مقابلة الانتقاء',
  fr: 'Convocation à l’entretien de sélection',
  es: 'Convocatoria a la entrevista de selección',
};
