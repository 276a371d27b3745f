// Selection sessions (issue 13): the selection sites, an employer's interview days there, the candidates invited (two a
// post left by default, in registration order, told by SMS and e-mail in their language), their attendance, and the
// results, which select through the selection step's one path (eligibility gate, quota) and extend the reserve list.
// Coordinators plan sessions anywhere, agency officers at the sites of their province; employers see their own.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actedBy, actorOf } from '../auth/access';
import { reachOf } from '../auth/jurisdiction';
import { fileBody, FILE_MEDIA_TYPES, nationalIdCell, readRows, validateRows } from '../files';
import { unprocessable } from '../errors';
import { createSession, invitationsOf, listSessions, listSites, recordAttendance, recordResults, resumeInvitations, sessionOr404, type Session } from '../queries/selection-sessions';
import { route } from './define';

const tags = ['selection sessions'];
const sessionParams = z.object({ sessionId: z.coerce.number().int().positive().max(2_147_483_647) });
const campaignParams = z.object({ campaignId: z.string().max(64) });

const siteView = z.object({ id: z.string(), name: z.string(), city: z.string(), province: z.string() }).meta({ id: 'SelectionSite' });
const sessionView = z.object({
  id: z.number(),
  campaignId: z.string(),
  site: siteView,
  heldOn: z.string(),
  startsAt: z.string().describe('HH:MM, Casablanca time'),
  offerId: z.string(),
  employerId: z.string(),
  invited: z.number(),
  invitationsOperationId: z.string().nullable().describe('the bulk operation sending the invitations (GET /bulk-operations/:id)'),
  createdBy: z.string(),
  createdAt: z.string(),
}).meta({ id: 'SelectionSession' });
const invitationView = z.object({
  position: z.number().describe('place in the invitation list (registration order)'),
  cycleId: z.string(),
  candidateId: z.number(),
  nationalId: z.string(),
  name: z.string(),
  sex: z.enum(['F', 'M']),
  province: z.string(),
  stage: z.string(),
  invitedAt: z.string(),
  attendance: z.enum(['present', 'absent', 'excused']).nullable(),
  result: z.enum(['selected', 'rejected', 'reserve']).nullable(),
  rank: z.number().nullable().describe("a reserve's rank among the session's reserves"),
  reason: z.string().nullable(),
  resultOperationId: z.string().nullable().describe('the selection bulk operation that applied a selection'),
});
const rowErrors = z.array(z.object({ line: z.number(), field: z.string(), reason: z.string() }));

const toSessionView = (s: Session) => ({
  id: s.id, campaignId: s.campaignId, site: { id: s.site.id, name: s.site.name, city: s.site.city, province: s.site.province }, heldOn: s.heldOn, startsAt: s.startsAt,
  offerId: s.offerId, employerId: s.employerId, invited: s.invited, invitationsOperationId: s.invitationsOperationId, createdBy: s.createdBy, createdAt: s.createdAt.toISOString(),
});

const attendanceRow = z.object({ nationalId: nationalIdCell, attendance: z.enum(['present', 'absent', 'excused']) });
const resultRow = z.object({
  nationalId: nationalIdCell,
  result: z.enum(['selected', 'rejected', 'reserve']),
  rank: z.coerce.number().int().positive().max(100_000).optional().describe('required for a reserve: its order on the session’s reserve list'),
  reason: z.string().max(500).optional(),
});

export const selectionSessionRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;
  const deps = { db, temporal };

  app.get('/selection-sites', route({
    scope: 'selection_session:read', tags, operationId: 'listSelectionSites',
    summary: 'The selection sites (4 by default) where employers interview candidates', response: { 200: z.array(siteView) },
  }), async () => (await listSites(db)).map((s) => ({ id: s.id, name: s.name, city: s.city, province: s.province })));

  app.post('/campaigns/:campaignId/selection-sessions', route({
    scope: 'selection_session:manage', tags, operationId: 'createSelectionSession',
    summary: 'Plan an employer’s interview session at a site and invite its candidates',
    description: `Invites \`invite\` candidates (default: 2 a post left on the offer) from the campaign's preselected cycles on the main list, in registration order, that no session of the offer has invited yet (an agency officer: her province's, at a site of her province). Each is told by SMS in her language (Arabic unless her record says otherwise) and by e-mail when she has an address, once (the outbox key is the session and the cycle); a worker without a phone goes on her agency's call list. The same offer, site and day again answers 200 with the session already planned. 409 when the campaign's stage does not allow a selection, the offer is full, or nobody is left to invite.`,
    params: campaignParams,
    body: z.object({
      siteId: z.string().max(64),
      heldOn: z.iso.date(),
      startsAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM').default('09:00'),
      offerId: z.string().max(120),
      invite: z.number().int().min(1).max(10_000).optional().describe('candidates to invite (default: 2 × posts left)'),
    }),
    response: { 200: sessionView, 201: sessionView }, problems: [404, 409, 422],
  }), async (req, reply) => {
    const { session, created } = await createSession(deps, req.params.campaignId, req.body, reachOf(actorOf(req)), actedBy(req));
    if (!created) await resumeInvitations(temporal, session);
    return reply.code(created ? 201 : 200).send(toSessionView(session));
  });

  app.get('/campaigns/:campaignId/selection-sessions', route({
    scope: 'selection_session:read', tags, operationId: 'listSelectionSessions',
    summary: "A campaign's selection sessions within the caller's reach (an agency officer: her province's sites; an employer: its own)",
    params: campaignParams, response: { 200: z.array(sessionView) },
  }), async (req) => (await listSessions(db, req.params.campaignId, reachOf(actorOf(req)))).map(toSessionView));

  app.get('/selection-sessions/:sessionId', route({
    scope: 'selection_session:read', tags, operationId: 'getSelectionSession',
    summary: 'A selection session with its invitations, attendance and results',
    params: sessionParams, response: { 200: sessionView.extend({ invitations: z.array(invitationView) }) }, problems: [404],
  }), async (req) => {
    const session = await sessionOr404(db, req.params.sessionId, reachOf(actorOf(req)));
    const invitations = (await invitationsOf(db, session.id)).map((r) => ({
      position: r.invitation.position, cycleId: r.invitation.cycleId, candidateId: r.candidateId, nationalId: r.nationalId, name: `${r.firstName} ${r.lastName}`, sex: r.sex, province: r.province, stage: r.stage,
      invitedAt: r.invitation.invitedAt.toISOString(), attendance: r.invitation.attendance, result: r.invitation.result, rank: r.invitation.rank, reason: r.invitation.reason, resultOperationId: r.invitation.resultOperationId,
    }));
    return { ...toSessionView(session), invitations };
  });

  /** A list of rows in the body (CSV, XLSX or JSON, as the file routes take them), validated; bad rows by line. */
  async function rowsOf<S extends z.ZodType>(req: Parameters<typeof readRows>[0], body: z.infer<typeof fileBody>, schema: S) {
    const { rows } = await readRows(req, body);
    if (rows.length === 0) throw unprocessable('no row', [{ field: 'body', reason: 'the list is empty' }]);
    return validateRows(rows, schema);
  }

  app.post('/selection-sessions/:sessionId/attendance', route({
    scope: 'selection_session:manage', tags, operationId: 'recordSessionAttendance',
    summary: 'Record who came to the session (rows nationalId, attendance: present, absent or excused; CSV or JSON)',
    description: 'Rows naming someone not invited, or whose result is recorded already, are refused by line, field and reason; the others are recorded (again: the last one counts).',
    params: sessionParams, body: fileBody, consumes: FILE_MEDIA_TYPES,
    response: { 200: z.object({ recorded: z.number(), errors: rowErrors }) }, problems: [404, 422],
  }), async (req) => {
    const session = await sessionOr404(db, req.params.sessionId, reachOf(actorOf(req)));
    const { ok, errors } = await rowsOf(req, req.body, attendanceRow);
    const recorded = await recordAttendance(db, session, ok, errors, actedBy(req));
    return { recorded, errors: errors.sort((a, b) => a.line - b.line) };
  });

  app.post('/selection-sessions/:sessionId/results', route({
    scope: 'step:selection', tags, operationId: 'recordSessionResults',
    summary: "The employer's results (rows nationalId, result: selected, rejected or reserve, rank for a reserve, reason; CSV or JSON)",
    description: "Only candidates recorded present may be selected or kept in reserve. Selections pass the eligibility gate and the offer's quota together, as a selection file's rows do, and are applied by one bulk operation of kind selection (operationId); a refused one comes back with the gate's reason (blocked after a non-return, offer full, ...) and is not recorded. Reserves join the end of the campaign's reserve list in their rank order. A rejection stays on the session: another offer's session may still invite her.",
    params: sessionParams, body: fileBody, consumes: FILE_MEDIA_TYPES,
    response: { 200: z.object({ selected: z.number(), rejected: z.number(), reserves: z.number(), operationId: z.string().nullable(), errors: rowErrors }) }, problems: [404, 422],
  }), async (req) => {
    const session = await sessionOr404(db, req.params.sessionId, reachOf(actorOf(req)));
    const { ok, errors } = await rowsOf(req, req.body, resultRow);
    const out = await recordResults(deps, session, ok, errors, actedBy(req));
    return { ...out, errors };
  });
};
