// Who may call what, generated from the route table: every route the app registers (app.routeAccess) is called
// without a token, with bad tokens and as every role lacking its scope (401, 401, 403), then, in the order of the
// SAMPLES table below, as a role holding the scope on one seeded season (2xx) and, for routes addressing a person,
// a cycle, a document or an agency, as the same role outside its jurisdiction (404). A route without a sample
// fails the run: a new route needs a new row.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SignJWT, base64url, exportJWK, importJWK, type JWK } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../api/app';
import type { RouteAccess } from '../api/auth/access';
import { eq } from 'drizzle-orm';
import { batchOr404, lodgementApplied } from '../api/queries/visa-batches';
import { emailOutbox } from '../db/schema';
import { CLAIMS, ROLES, ROLE_TABLE, rolesWith, type Role, type Scope } from '../api/auth/roles';
import { demoIdentity, type DemoLogin } from '../scripts/lib/demo-identities';
import { openCampaignForSteps, sampleCampaign, sampleCandidate, startTestStack, testConfig, uniqueSuffix, waitUntil, type TestStack } from './support';
import { authHeader } from './tokens';

// --- the route table, read from an app built without servers (the stack's app is checked to declare the same) ---
const listing = await buildApp({
  db: {} as never,
  temporal: {} as never,
  config: { ...testConfig, OIDC_ISSUER: 'http://127.0.0.1:9' },
  logger: false,
  verifier: { verify: () => Promise.reject(new Error('not used')) },
});
await listing.ready();
const ROUTES: readonly RouteAccess[] = [...listing.routeAccess];
await listing.close();
const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
const SECURED = ROUTES.filter((r): r is RouteAccess & { access: { scope: Scope } } => r.access !== 'public');

/** The demo login acting for each role (an agency officer: Kenitra's; an employer: B21000001). */
const LOGIN_OF: Record<Role, DemoLogin> = {
  coordinator: 'coordinator',
  agency_officer: 'agent-kenitra',
  consular_liaison: 'consular',
  port_agent: 'port',
  employer: 'employer-b21000001',
  mediator: 'mediator',
  auditor: 'auditor',
  admin: 'admin',
};

let stack: TestStack;
const startedAt = new Date();

interface Req {
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}

async function call(method: string, login: DemoLogin | null, req: Req): Promise<LightMyRequestResponse> {
  const auth = login ? await authHeader(login) : { authorization: '' };
  return stack.app.inject({ method: method as 'GET', url: req.url, payload: req.payload as object, headers: { ...auth, ...req.headers } });
}
const admin = (method: string, url: string, payload?: unknown) => call(method, 'admin', { url, payload });
async function ok(res: LightMyRequestResponse, status?: number) {
  if (status) expect(res.statusCode, res.body).toBe(status);
  else expect(res.statusCode, res.body).toBeLessThan(300);
  return res;
}

// --- the seeded season -----------------------------------------------------------------------------------------
const run = uniqueSuffix();
const tag = run.slice(-6).toUpperCase().replace(/[^A-Z0-9]/g, '0');
const s = {
  campaignId: `acc-${run}`,
  nextCampaignId: `acc2-${run}`,
  draftCampaignId: `accd-${run}`,
  offer1: '',
  offer2: '',
  nextOffer1: '',
  nextOffer2: '',
  agencyKenitra: `anapec-kenitra`,
  agencyLarache: `anapec-larache`,
  /** Kenitra, B21000001's worker: taken through every step by the samples (its name is a formula: CSV tests) */
  p: { id: 0, nid: '', cycle: '' },
  /** Larache, selected by B21000002 */
  l: { id: 0, nid: '', cycle: '' },
  /** Kenitra, authorised: the visa batch's member */
  b: { id: 0, nid: '', cycle: '' },
  /** Kenitra, authorised: the visa batch's second member, released from it by an operator */
  r: { id: 0, nid: '', cycle: '' },
  /** Kenitra, ready to depart: the sailing's second passenger, released from it by an operator */
  e: { id: 0, nid: '', cycle: '' },
  /** Kenitra, ready to depart: the sailing's passenger */
  d: { id: 0, nid: '', cycle: '' },
  /** Kenitra, preselected: withdraws */
  w: { id: 0, nid: '', cycle: '' },
  /** Kenitra, in season: comes back early */
  f: { id: 0, nid: '', cycle: '' },
  /** Kenitra, registered without a cycle: started by the sample */
  x: { id: 0, nid: '' },
  /** Kenitra, registered without a cycle: erased by the sample */
  y: { id: 0, nid: '' },
  /** a document's public reference */
  documentId: '',
  operationId: '',
  fileId: 0,
  batchId: '',
  departureId: '',
  returnSailingId: '',
  entryId: 0,
  caseId: 0,
  encoded: undefined as unknown,
  batchResetJob: '',
  sessionId: 0,
};

let nidSeq = 0;
const nid = () => `AC${tag.replace(/\D/g, '').slice(-3).padStart(3, '0')}${String(++nidSeq).padStart(3, '0')}`;
function person(province: 'Kenitra' | 'Larache', extra: Record<string, unknown> = {}) {
  return sampleCandidate({ nationalId: nid(), province, ...extra });
}

async function register(province: 'Kenitra' | 'Larache', extra: Record<string, unknown> = {}) {
  const res = await ok(await admin('POST', '/candidates', person(province, extra)), 201);
  return { id: res.json().id as number, nid: res.json().nationalId as string };
}
async function startCycle(who: { id: number; nid: string }) {
  const res = await ok(await admin('POST', `/campaigns/${s.campaignId}/cycles`, { candidateId: who.id }), 201);
  const cycle = res.json().cycleId as string;
  await waitUntil(async () => (await admin('GET', `/cycles/${cycle}`)).json().state?.waitingFor);
  return { ...who, cycle };
}
const step = async (cycle: string, path: string, payload: unknown) => ok(await admin('POST', `/cycles/${cycle}/${path}`, payload), 200);
const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

function twoFarmCampaign(id: string, season: number) {
  const c = sampleCampaign(id, 'B21000001');
  c.season = season;
  const first = { ...c.offers[0]!, contractStart: `${season}-02-01`, contractEnd: `${season}-07-31` };
  c.offers = [first, { ...first, employer: { ...first.employer, id: 'B21000002', name: 'Frutos Rojos de Lepe SAT', municipality: 'Lepe' } }];
  return c;
}

beforeAll(async () => {
  stack = await startTestStack();
  await ok(await admin('PUT', `/agencies/${s.agencyKenitra}`, { name: 'ANAPEC Kénitra', province: 'Kenitra', email: 'kenitra@anapec.test' }), 200);
  await ok(await admin('PUT', `/agencies/${s.agencyLarache}`, { name: 'ANAPEC Larache', province: 'Larache', email: 'larache@anapec.test' }), 200);
  for (const [id, season] of [[s.campaignId, 2027], [s.nextCampaignId, 2028]] as const) {
    const offers = (await ok(await admin('POST', '/campaigns', twoFarmCampaign(id, season)), 201)).json().offers as { id: string; employerId: string }[];
    const [o1, o2] = [offers.find((o) => o.employerId === 'B21000001')!.id, offers.find((o) => o.employerId === 'B21000002')!.id];
    if (id === s.campaignId) [s.offer1, s.offer2] = [o1, o2];
    else [s.nextOffer1, s.nextOffer2] = [o1, o2];
    await openCampaignForSteps(stack.db, id);
  }
  s.p = await startCycle(await register('Kenitra', { firstName: '=HYPERLINK("http://evil.test","Fatima")', lastName: '@SUM(1+1)', phone: '+212 600 000 101' }));
  s.l = await startCycle(await register('Larache'));
  s.b = await startCycle(await register('Kenitra'));
  s.r = await startCycle(await register('Kenitra'));
  s.d = await startCycle(await register('Kenitra'));
  s.e = await startCycle(await register('Kenitra'));
  s.w = await startCycle(await register('Kenitra'));
  s.x = await register('Kenitra');
  s.y = await register('Kenitra');
  await step(s.l.cycle, 'selection', { decision: 'selected', offerId: s.offer2 });
  await step(s.b.cycle, 'selection', { decision: 'selected', offerId: s.offer1 });
  await step(s.b.cycle, 'authorisation', { authorisationNumber: `AUT-B-${tag}`, issuedOn: '2026-12-01' });
  await step(s.r.cycle, 'selection', { decision: 'selected', offerId: s.offer1 });
  await step(s.r.cycle, 'authorisation', { authorisationNumber: `AUT-R-${tag}`, issuedOn: '2026-12-01' });
  for (const [who, k] of [[s.d, 'D'], [s.e, 'E']] as const) {
    await step(who.cycle, 'selection', { decision: 'selected', offerId: s.offer1 });
    await step(who.cycle, 'authorisation', { authorisationNumber: `AUT-${k}-${tag}`, issuedOn: '2026-12-01' });
    await step(who.cycle, 'visa-file', { fileReference: `VF-${k}-${tag}`, submittedOn: '2026-12-05' });
    await step(who.cycle, 'consular-decision', { decision: 'issued', visaNumber: `ESP-${k}-${tag}` });
    await step(who.cycle, 'predeparture', { sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: true });
  }
  s.f = await startCycle(await register('Kenitra'));
  await step(s.f.cycle, 'selection', { decision: 'selected', offerId: s.offer1 });
  await step(s.f.cycle, 'authorisation', { authorisationNumber: `AUT-F-${tag}`, issuedOn: '2026-12-01' });
  await step(s.f.cycle, 'visa-file', { fileReference: `VF-F-${tag}`, submittedOn: '2026-12-05' });
  await step(s.f.cycle, 'consular-decision', { decision: 'issued', visaNumber: `ESP-F-${tag}` });
  await step(s.f.cycle, 'predeparture', { sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: true });
  await step(s.f.cycle, 'convocation', { departureAt: inHours(2), port: 'Tanger Ville' });
  await step(s.f.cycle, 'embarkation', { embarkedAt: new Date().toISOString() });
}, 120_000);

afterAll(async () => {
  if (!stack) return;
  // close what the samples started (cycles, batches, sailings, bulk operations) so no later file's worker runs them
  for await (const wf of stack.client.workflow.list({ query: `ExecutionStatus = "Running" AND StartTime >= "${startedAt.toISOString()}"` })) {
    await stack.client.workflow.getHandle(wf.workflowId, wf.runId).terminate('access tests done').catch(() => undefined);
  }
  await stack.stop();
});

// --- one sample per route, in the order they run (a season's order) --------------------------------------------
interface Sample {
  /** who calls: a role holding the route's scope */
  as: DemoLogin;
  request: () => Req | Promise<Req>;
  /** the exact 2xx expected (default: any 2xx) */
  status?: number;
  /** assertions on the answer, and what later samples need from it */
  then?: (res: LightMyRequestResponse) => void | Promise<void>;
  /** the same kind of caller outside its jurisdiction: 404 (or `status`), before the sample itself runs */
  outside?: { as: DemoLogin; request?: () => Req | Promise<Req>; status?: number }[];
}

const json = (url: string, payload?: unknown): Req => ({ url, payload });

const SAMPLES: Record<string, Sample> = {
  'POST /campaigns': { as: 'coordinator', status: 201, request: () => json('/campaigns', sampleCampaign(s.draftCampaignId, 'B21000001')) },
  'GET /campaigns': { as: 'mediator', request: () => json('/campaigns?limit=5') },
  'GET /campaigns/:campaignId': { as: 'agent-kenitra', request: () => json(`/campaigns/${s.campaignId}`) },
  'POST /campaigns/:campaignId/stage': { as: 'coordinator', request: () => json(`/campaigns/${s.draftCampaignId}/stage`, { to: 'registration' }) },
  'POST /candidates': {
    as: 'agent-kenitra',
    status: 201,
    request: () => json('/candidates', person('Kenitra')),
    outside: [{ as: 'agent-larache', status: 403 }],
  },
  'GET /candidates/:candidateId': { as: 'agent-kenitra', request: () => json(`/candidates/${s.p.id}`), outside: [{ as: 'agent-larache' }] },
  'POST /campaigns/:campaignId/cycles': {
    as: 'agent-kenitra',
    status: 201,
    request: () => json(`/campaigns/${s.campaignId}/cycles`, { candidateId: s.x.id }),
    outside: [{ as: 'agent-larache' }],
  },
  'GET /campaigns/:campaignId/cycles': { as: 'agent-larache', request: () => json(`/campaigns/${s.campaignId}/cycles`) },
  // a selection session at Kenitra's site for B21000001's offer: one candidate invited (the first registered, P)
  'GET /selection-sites': { as: 'agent-kenitra', request: () => json('/selection-sites') },
  'POST /campaigns/:campaignId/selection-sessions': {
    as: 'agent-kenitra',
    status: 201,
    request: () => json(`/campaigns/${s.campaignId}/selection-sessions`, { siteId: 'kenitra', heldOn: '2027-01-20', offerId: s.offer1, invite: 1 }),
    // Larache's agency plans no session at Kenitra's site
    outside: [{ as: 'agent-larache' }],
    then: (res) => void (s.sessionId = res.json().id),
  },
  'GET /campaigns/:campaignId/selection-sessions': { as: 'auditor', request: () => json(`/campaigns/${s.campaignId}/selection-sessions`) },
  'GET /selection-sessions/:sessionId': {
    as: 'employer-b21000001',
    request: () => json(`/selection-sessions/${s.sessionId}`),
    outside: [{ as: 'employer-b21000002' }, { as: 'agent-larache' }],
    then: (res) => expect(res.json().invitations.map((i: { cycleId: string }) => i.cycleId)).toEqual([s.p.cycle]),
  },
  'POST /selection-sessions/:sessionId/attendance': {
    as: 'agent-kenitra',
    request: () => json(`/selection-sessions/${s.sessionId}/attendance`, [{ nationalId: s.p.nid, attendance: 'present' }]),
    outside: [{ as: 'agent-larache' }],
    then: (res) => expect(res.json()).toEqual({ recorded: 1, errors: [] }),
  },
  'POST /selection-sessions/:sessionId/results': {
    as: 'employer-b21000001',
    // a rejection stays on the session: P's own selection is the next sample's
    request: () => json(`/selection-sessions/${s.sessionId}/results`, [{ nationalId: s.p.nid, result: 'rejected', reason: 'profile' }]),
    outside: [{ as: 'employer-b21000002' }],
    then: (res) => expect(res.json()).toMatchObject({ rejected: 1, selected: 0, errors: [] }),
  },
  'GET /cycles/:cycleId': {
    as: 'employer-b21000002',
    request: () => json(`/cycles/${s.l.cycle}`),
    outside: [{ as: 'employer-b21000001' }, { as: 'agent-kenitra' }, { as: 'agent-larache', request: () => json(`/cycles/${s.p.cycle}`) }],
  },
  // the pipeline worker P, step by step, each by the role that takes it (a body's decidedBy/recordedBy is ignored)
  'POST /cycles/:cycleId/selection': {
    as: 'employer-b21000001',
    request: () => json(`/cycles/${s.p.cycle}/selection`, { decision: 'selected', offerId: s.offer1, decidedBy: 'mallory@evil.test' }),
    // another farm may not select a worker onto B21000001's offer
    outside: [{ as: 'employer-b21000002' }],
  },
  'POST /cycles/:cycleId/authorisation': {
    as: 'coordinator',
    request: () => json(`/cycles/${s.p.cycle}/authorisation`, { authorisationNumber: `AUT-P-${tag}`, issuedOn: '2026-12-01', recordedBy: 'mallory@evil.test' }),
  },
  'POST /cycles/:cycleId/visa-file': {
    as: 'agent-kenitra',
    request: () => json(`/cycles/${s.p.cycle}/visa-file`, { fileReference: `VF-P-${tag}`, submittedOn: '2026-12-05' }),
    outside: [{ as: 'agent-larache' }],
  },
  'POST /cycles/:cycleId/consular-decision': { as: 'consular', request: () => json(`/cycles/${s.p.cycle}/consular-decision`, { decision: 'issued', visaNumber: `ESP-P-${tag}` }) },
  'POST /cycles/:cycleId/predeparture': {
    as: 'agent-kenitra',
    request: () => json(`/cycles/${s.p.cycle}/predeparture`, { sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: true }),
    outside: [{ as: 'agent-larache' }],
  },
  'POST /cycles/:cycleId/convocation': { as: 'port', request: () => json(`/cycles/${s.p.cycle}/convocation`, { departureAt: inHours(1), port: 'Tanger Ville' }) },
  'POST /cycles/:cycleId/embarkation': { as: 'port', request: () => json(`/cycles/${s.p.cycle}/embarkation`, { embarkedAt: new Date().toISOString() }) },
  // P in season: an employer reports on its own worker (another farm's or another province's caller: 404), a mediator
  // lists and resolves, an auditor reads the season's report by employer
  'POST /cycles/:cycleId/cases': {
    as: 'employer-b21000001',
    status: 201,
    request: () => json(`/cycles/${s.p.cycle}/cases`, { kind: 'rest_day_complaint', details: 'no day off for three weeks', reportedBy: 'mallory@evil.test' }),
    then: (res) => {
      expect(res.json().reportedBy).toContain(demoIdentity('employer-b21000001').name);
      s.caseId = res.json().caseId;
    },
    outside: [{ as: 'employer-b21000002' }, { as: 'agent-larache' }],
  },
  'GET /cycles/:cycleId/cases': {
    as: 'mediator',
    request: () => json(`/cycles/${s.p.cycle}/cases`),
    then: (res) => expect(res.json().items.map((c: { caseId: number }) => c.caseId)).toEqual([s.caseId]),
    outside: [{ as: 'agent-larache' }],
  },
  'POST /cases/:caseId/resolution': {
    as: 'agent-kenitra',
    request: () => json(`/cases/${s.caseId}/resolution`, { resolution: 'a weekly rest day agreed with the farm' }),
    outside: [{ as: 'agent-larache' }],
  },
  'GET /reports/seasons/:season/in-season-cases': { as: 'auditor', request: () => json('/reports/seasons/2027/in-season-cases') },
  'POST /cycles/:cycleId/return': {
    as: 'agent-kenitra',
    request: () => json(`/cycles/${s.p.cycle}/return`, { returnedOn: today(), proof: 'passport_stamp' }),
    outside: [{ as: 'agent-larache' }],
  },
  // F, in the season, is booked on a return sailing; its arrivals list names nobody of the campaign (refused row)
  'POST /campaigns/:campaignId/return-sailings': {
    as: 'port',
    status: 201,
    request: () => json(`/campaigns/${s.campaignId}/return-sailings`, { departureAt: inHours(30), seats: 1 }),
    then: (res) => void (s.returnSailingId = res.json().departureId),
  },
  'POST /departures/:departureId/arrivals': {
    as: 'agent-kenitra',
    status: 201,
    request: () => json(`/departures/${s.returnSailingId}/arrivals`, [{ nationalId: 'ZZ999996', arrivedOn: today() }]),
  },
  // F's employer says she passed the trial period (F stays in the season until the early return below)
  'POST /cycles/:cycleId/trial-period': {
    as: 'employer-b21000001',
    request: () => json(`/cycles/${s.f.cycle}/trial-period`, { outcome: 'passed', decidedOn: today() }),
    outside: [{ as: 'employer-b21000002' }, { as: 'agent-larache' }],
  },
  'POST /cycles/:cycleId/season-outcome': {
    as: 'agent-kenitra',
    request: () => json(`/cycles/${s.f.cycle}/season-outcome`, { outcome: 'early_return', occurredOn: today(), reason: 'sickness', returnProof: 'passport_stamp' }),
    outside: [{ as: 'agent-larache' }],
  },
  'POST /cycles/:cycleId/withdrawal': {
    as: 'agent-kenitra',
    status: 202,
    request: () => json(`/cycles/${s.w.cycle}/withdrawal`, { reason: 'family reasons' }),
    outside: [{ as: 'agent-larache' }],
  },
  'GET /cycles/:cycleId/documents': {
    as: 'employer-b21000001',
    request: async () => {
      const req = json(`/cycles/${s.p.cycle}/documents`);
      await waitUntil(async () => ((await call('GET', 'admin', req)).json() as unknown[]).length > 0);
      return req;
    },
    then: (res) => void (s.documentId = (res.json() as { id: string }[])[0]!.id),
    outside: [{ as: 'employer-b21000002' }, { as: 'agent-larache' }],
  },
  'GET /documents/:documentId': { as: 'employer-b21000001', request: () => json(`/documents/${s.documentId}`), outside: [{ as: 'employer-b21000002' }, { as: 'agent-larache' }] },
  'POST /operations/repairs/documents/:documentId/regenerate': { as: 'admin', request: () => json(`/operations/repairs/documents/${s.documentId}/regenerate`, { reason: 'employer name corrected' }) },
  'POST /operations/repairs/cycles/:cycleId/messages/resend': {
    as: 'admin',
    request: async () => {
      await waitUntil(async () => (await stack.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, `${s.p.cycle}:selection:sms`))).length > 0);
      return json(`/operations/repairs/cycles/${s.p.cycle}/messages/resend`, { step: 'selection', reason: 'the worker lost the message' });
    },
  },
  'POST /campaigns/:campaignId/intake/candidates': {
    as: 'agent-kenitra',
    status: 201,
    request: () => json(`/campaigns/${s.campaignId}/intake/candidates`, [person('Kenitra')]),
    then: (res) => void (s.operationId = res.json().operationId),
  },
  'POST /campaigns/:campaignId/intake/selection': {
    as: 'coordinator',
    status: 201,
    request: () => json(`/campaigns/${s.campaignId}/intake/selection`, [{ nationalId: s.x.nid, decision: 'rejected', reason: 'profile' }]),
  },
  'POST /campaigns/:campaignId/intake/authorisations': {
    as: 'coordinator',
    status: 201,
    // no worker of the campaign is named: the file is kept with its refused row (its errors are the next samples')
    request: () => json(`/campaigns/${s.campaignId}/intake/authorisations`, [{ nationalId: 'ZZ999999', authorisationNumber: 'AUT-NONE', issuedOn: '2026-12-01' }]),
    then: (res) => void (s.fileId = res.json().fileId),
  },
  'POST /campaigns/:campaignId/intake/predeparture': {
    as: 'agent-kenitra',
    status: 201,
    request: () => json(`/campaigns/${s.campaignId}/intake/predeparture`, [{ nationalId: 'ZZ999998', sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: true }]),
  },
  'POST /campaigns/:campaignId/intake/trial-periods': {
    as: 'coordinator',
    status: 201,
    request: () => json(`/campaigns/${s.campaignId}/intake/trial-periods`, [{ nationalId: 'ZZ999997', outcome: 'ended', decidedOn: '2027-03-01', endedBy: 'employer' }]),
  },
  'GET /bulk-operations/:operationId': { as: 'consular', request: () => json(`/bulk-operations/${s.operationId}`) },
  'GET /intake-files/:fileId/errors.csv': { as: 'auditor', request: () => json(`/intake-files/${s.fileId}/errors.csv`) },
  'GET /consulates': { as: 'consular', request: () => json('/consulates') },
  'PUT /consulates/:consulateId': { as: 'consular', request: () => json(`/consulates/tetouan-${tag.toLowerCase()}`, { name: 'Consulado de España en Tetuán', city: 'Tetouan', weeklyCapacity: 300 }) },
  'GET /consulates/:consulateId/weeks': { as: 'consular', request: () => json('/consulates/rabat/weeks?from=2027-01-06&weeks=4') },
  'POST /campaigns/:campaignId/visa-batches': {
    as: 'consular',
    status: 201,
    request: () => json(`/campaigns/${s.campaignId}/visa-batches`, { weekStart: '2027-01-04', capacity: 10 }),
    then: (res) => void (s.batchId = res.json().batchId),
  },
  'GET /campaigns/:campaignId/visa-batches': { as: 'auditor', request: () => json(`/campaigns/${s.campaignId}/visa-batches`) },
  'GET /visa-batches/:batchId': { as: 'consular', request: () => json(`/visa-batches/${s.batchId}`) },
  'GET /visa-batches/:batchId/members': { as: 'consular', request: () => json(`/visa-batches/${s.batchId}/members`) },
  'POST /operations/repairs/visa-batches/:batchId/members/:cycleId/release': {
    as: 'admin',
    request: () => json(`/operations/repairs/visa-batches/${s.batchId}/members/${s.r.cycle}/release`, { reason: 'passport renewed: next batch' }),
  },
  'POST /visa-batches/:batchId/lodge': { as: 'consular', request: () => json(`/visa-batches/${s.batchId}/lodge`, { lodgedOn: '2027-01-05' }) },
  'POST /visa-batches/:batchId/decisions': {
    as: 'consular',
    status: 201,
    request: async () => {
      // decisions are taken once the lodgement reached every member's cycle (409 until then)
      await waitUntil(async () => lodgementApplied(stack.db, await batchOr404(stack.db, s.batchId)), 30_000, 100);
      return json(`/visa-batches/${s.batchId}/decisions`, [{ nationalId: s.b.nid, decision: 'issued', visaNumber: `ESP-B-${tag}` }]);
    },
  },
  'GET /visa-batches/:batchId/manifest': { as: 'consular', request: () => json(`/visa-batches/${s.batchId}/manifest`) },
  'POST /campaigns/:campaignId/departures': {
    as: 'port',
    status: 201,
    request: () => json(`/campaigns/${s.campaignId}/departures`, { departureAt: inHours(2), seats: 5, embarkationGrace: '1h' }),
    then: (res) => void (s.departureId = res.json().departureId),
  },
  'GET /campaigns/:campaignId/departures': { as: 'mediator', request: () => json(`/campaigns/${s.campaignId}/departures`) },
  'GET /departures/:departureId': { as: 'agent-kenitra', request: () => json(`/departures/${s.departureId}`) },
  'GET /departures/:departureId/passengers': { as: 'port', request: () => json(`/departures/${s.departureId}/passengers`) },
  'GET /departures/:departureId/manifest': { as: 'port', request: () => json(`/departures/${s.departureId}/manifest`) },
  'GET /departures/:departureId/confirmations': { as: 'coordinator', request: () => json(`/departures/${s.departureId}/confirmations`) },
  'POST /operations/repairs/departures/:departureId/passengers/:cycleId/release': {
    as: 'admin',
    request: async () => {
      await waitUntil(async () => (await admin('GET', `/cycles/${s.e.cycle}`)).json().state?.stage === 'convoked', 20_000);
      return json(`/operations/repairs/departures/${s.departureId}/passengers/${s.e.cycle}/release`, { reason: 'passport held: next sailing' });
    },
  },
  'PUT /departures/:departureId/passengers/:cycleId/handover': {
    as: 'port',
    request: () => json(`/departures/${s.departureId}/passengers/${s.d.cycle}/handover`, { passport: true, policeForm: true, ticket: false }),
  },
  'POST /departures/:departureId/handovers': {
    as: 'port',
    request: () => json(`/departures/${s.departureId}/handovers`, [{ nationalId: s.d.nid, passport: true, policeForm: true, ticket: true }]),
  },
  'POST /departures/:departureId/embarkations': {
    as: 'port',
    status: 201,
    request: async () => {
      await waitUntil(async () => (await admin('GET', `/departures/${s.departureId}`)).json().status === 'convoked', 20_000);
      return json(`/departures/${s.departureId}/embarkations`, [{ nationalId: s.d.nid, embarkedAt: new Date().toISOString() }]);
    },
  },
  'POST /departures/:departureId/close-boarding': { as: 'port', status: 202, request: () => json(`/departures/${s.departureId}/close-boarding`, {}) },
  'POST /campaigns/:campaignId/returns': {
    as: 'agent-kenitra',
    status: 201,
    request: () => json(`/campaigns/${s.campaignId}/returns`, [{ nationalId: s.d.nid, returnedOn: today(), proof: 'port_exit_record' }]),
  },
  // P returned: the reintegration track, P's history, P re-hired by name the next season
  'POST /candidates/:candidateId/reintegration': {
    as: 'agent-kenitra',
    status: 201,
    request: async () => {
      await waitUntil(async () => (await admin('GET', `/cycles/${s.p.cycle}`)).json().state?.outcome === 'returned');
      return json(`/candidates/${s.p.id}/reintegration`, { programme: 'WAFIRA', enrolledOn: '2027-09-01' });
    },
    outside: [{ as: 'agent-larache' }],
  },
  'POST /candidates/:candidateId/reintegration/:programme/steps': {
    as: 'agent-kenitra',
    status: 201,
    request: () => json(`/candidates/${s.p.id}/reintegration/WAFIRA/steps`, { step: 'training', completedOn: '2027-10-01' }),
    outside: [{ as: 'agent-larache' }],
  },
  'POST /candidates/:candidateId/reintegration/:programme/outcome': {
    as: 'agent-kenitra',
    request: () => json(`/candidates/${s.p.id}/reintegration/WAFIRA/outcome`, { outcome: 'employed', outcomeOn: '2027-12-01' }),
    outside: [{ as: 'agent-larache' }],
  },
  'GET /reports/seasons/:season': { as: 'mediator', request: () => json('/reports/seasons/2027') },
  'GET /reports/reintegration': { as: 'agent-kenitra', request: () => json('/reports/reintegration') },
  'GET /reports/seasons/:season/chart.svg': { as: 'mediator', request: () => json('/reports/seasons/2027/chart.svg'), then: (res) => expect(res.body).toMatch(/^<svg /) },
  'GET /reports/programme/placements.svg': { as: 'agent-kenitra', request: () => json('/reports/programme/placements.svg'), then: (res) => expect(res.body).toContain('2008') },
  'GET /reports/seasons/:season/report.pdf': { as: 'agent-kenitra', request: () => json('/reports/seasons/2027/report.pdf'), then: (res) => expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-') },
  'GET /reports/seasons/:season/report.csv': { as: 'auditor', request: () => json('/reports/seasons/2027/report.csv'), then: (res) => expect(res.body).toMatch(/^province,sex,placed,/) },
  // found by CIN within reach (the jurisdiction tests below: others find nothing)
  'GET /workers': {
    as: 'employer-b21000001',
    request: () => json(`/workers?q=${s.p.nid}`),
    then: (res) => expect(res.json().items.map((w: { candidateId: number }) => w.candidateId)).toEqual([s.p.id]),
  },
  'GET /candidates/:candidateId/history': {
    as: 'employer-b21000001',
    request: () => json(`/candidates/${s.p.id}/history`),
    outside: [{ as: 'employer-b21000002' }, { as: 'agent-larache' }],
  },
  'POST /campaigns/:campaignId/rehires': {
    as: 'employer-b21000001',
    status: 201,
    request: () => json(`/campaigns/${s.nextCampaignId}/rehires`, { nationalId: s.p.nid, offerId: s.nextOffer1 }),
    // another farm does not reach B21000001's worker (404), even onto its own offer
    outside: [{ as: 'employer-b21000002', request: () => json(`/campaigns/${s.nextCampaignId}/rehires`, { nationalId: s.p.nid, offerId: s.nextOffer2 }) }, { as: 'agent-larache' }],
  },
  // data protection: P's export read by her agency, who read it (the auditor), Y erased (an administrator)
  'GET /people/:candidateId/export': { as: 'agent-kenitra', request: () => json(`/people/${s.p.id}/export`), outside: [{ as: 'agent-larache' }] },
  'GET /people/:candidateId/export.pdf': { as: 'coordinator', request: () => json(`/people/${s.p.id}/export.pdf`), outside: [{ as: 'agent-larache' }] },
  'GET /people/:candidateId/access-log': {
    as: 'auditor',
    request: () => json(`/people/${s.p.id}/access-log`),
    then: (res) => expect((res.json().items as { actorSubject: string }[]).map((e) => e.actorSubject)).toContain(demoIdentity('agent-kenitra').clientId),
  },
  'POST /people/:candidateId/erasure': { as: 'admin', status: 201, request: () => json(`/people/${s.y.id}/erasure`, { reason: 'the person asked (request 2027-001)' }) },
  'POST /retention/run': { as: 'admin', request: () => json('/retention/run', {}) },
  'GET /operations/stuck-workflows': { as: 'auditor', request: () => json('/operations/stuck-workflows') },
  'GET /operations/repairs': { as: 'auditor', request: () => json('/operations/repairs?limit=5') },
  'POST /operations/repairs/workflows/:workflowId/reset': { as: 'admin', request: () => json(`/operations/repairs/workflows/${s.l.cycle}/reset`, { reason: 'access sample: reset to the last workflow task' }) },
  'POST /operations/repairs/batch-resets': {
    as: 'admin',
    status: 202,
    request: () => json('/operations/repairs/batch-resets', { query: `WorkflowType="workerCycleWorkflow" AND WorkflowId="${s.l.cycle}"`, reason: 'access sample: batch reset' }),
    then: (res) => void (s.batchResetJob = res.json().details.jobId),
  },
  'GET /operations/repairs/batch-resets/:jobId': { as: 'auditor', request: () => json(`/operations/repairs/batch-resets/${s.batchResetJob}`) },
  'PUT /agencies/:agencyId': { as: 'coordinator', request: () => json(`/agencies/${s.agencyKenitra}`, { name: 'ANAPEC Kénitra', province: 'Kenitra', email: 'kenitra@anapec.test', phone: '+212 537 000 000' }) },
  'GET /agencies': { as: 'agent-larache', request: () => json('/agencies') },
  'GET /agencies/:agencyId/call-list': {
    as: 'agent-kenitra',
    request: () => json(`/agencies/${s.agencyKenitra}/call-list?campaignId=${s.campaignId}`),
    then: (res) => {
      const entries = res.json().entries as { entryId: number; cycleId: string }[];
      s.entryId = entries.find((e) => e.cycleId === s.p.cycle)!.entryId;
    },
    outside: [{ as: 'agent-larache' }],
  },
  'GET /agencies/:agencyId/call-list.pdf': { as: 'agent-kenitra', request: () => json(`/agencies/${s.agencyKenitra}/call-list.pdf?campaignId=${s.campaignId}`), outside: [{ as: 'agent-larache' }] },
  'POST /call-list/:entryId/calls': { as: 'agent-kenitra', request: () => json(`/call-list/${s.entryId}/calls`, { outcome: 'reached' }), outside: [{ as: 'agent-larache' }] },
  'POST /agencies/:agencyId/call-outcomes': {
    as: 'agent-kenitra',
    request: () => json(`/agencies/${s.agencyKenitra}/call-outcomes`, [{ entryId: s.entryId, outcome: 'confirmed' }]),
    then: (res) => expect(res.json()).toMatchObject({ rowsAccepted: 1, rowsRejected: 0 }),
    outside: [{ as: 'agent-larache' }],
  },
  'POST /codec/encode': {
    as: 'admin',
    request: () => json('/codec/encode', { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64') }] }),
    then: (res) => void (s.encoded = res.json()),
  },
  'POST /codec/decode': {
    as: 'admin',
    request: () => json('/codec/decode', s.encoded),
    then: (res) => expect(Buffer.from(res.json().payloads[0].data, 'base64').toString()).toBe('"hello"'),
  },
};

/** Path parameters naming a person, a cycle, a document or an agency: such a route is checked outside reach too. */
const ADDRESSES_RECORD = /:(cycleId|candidateId|documentId|agencyId|entryId)\b/;
const reachLimited = (scope: Scope) => rolesWith(scope).some((r) => ROLE_TABLE[r].jurisdiction !== 'national');

describe('the route table', () => {
  it('has a sample for every route and a route for every sample; record routes have an outside-reach case', () => {
    const secured = SECURED.map(key);
    expect(secured.filter((k) => !SAMPLES[k]), 'routes without a sample in test/access.test.ts SAMPLES').toEqual([]);
    expect(Object.keys(SAMPLES).filter((k) => !secured.includes(k)), 'samples naming no route').toEqual([]);
    for (const r of SECURED) {
      const sample = SAMPLES[key(r)]!;
      const sampleRole = demoIdentity(sample.as).role;
      expect(rolesWith(r.access.scope), `${key(r)}: ${sample.as} lacks ${r.access.scope}`).toContain(sampleRole);
      if (ADDRESSES_RECORD.test(r.url) && reachLimited(r.access.scope)) expect(sample.outside?.length ?? 0, `${key(r)} needs an outside-reach case`).toBeGreaterThan(0);
    }
    expect(SECURED.length).toBeGreaterThan(50);
  });

  it('the running app declares the same routes, and only the probes are public', () => {
    expect(stack.app.routeAccess.map(key)).toEqual(ROUTES.map(key));
    // the probes, and the console's static files (no data: its pages call the secured routes with the user's token)
    expect(ROUTES.filter((r) => r.access === 'public').map(key).sort()).toEqual(['GET /console', 'GET /console/*', 'GET /health', 'GET /metrics', 'GET /ready']);
  });

  it('refuses to build an app with a route that declares no access', async () => {
    const app = await buildApp({ db: {} as never, temporal: {} as never, config: { ...testConfig, OIDC_ISSUER: 'http://127.0.0.1:9' }, logger: false });
    let refused: unknown;
    try {
      app.get('/open-by-mistake', async () => ({ open: true }));
      await app.ready();
    } catch (err) {
      refused = err;
    }
    expect(String(refused)).toMatch(/GET \/open-by-mistake declares no access/);
    await app.close().catch(() => undefined);
  });

  it('answers the probes without a token', async () => {
    for (const url of ['/health', '/ready', '/metrics']) expect((await call('GET', null, { url })).statusCode, url).toBe(200);
  });
});

// --- tokens that must not pass: signed with the provider's real key but expired, for another audience, ... -------
const issuer = inject('oidcIssuer');
const audience = inject('oidcAudience');
const providerKey = inject('oidcSigningKey') as JWK & { kid: string };

async function signed(claims: Record<string, unknown>, opts: { key?: JWK & { kid: string }; exp?: number; aud?: string; iss?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const jwk = opts.key ?? providerKey;
  return new SignJWT({ [CLAIMS.name]: 'Test', [CLAIMS.role]: 'admin', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'at+jwt' })
    .setSubject('demo-admin')
    .setIssuer(opts.iss ?? issuer)
    .setAudience(opts.aud ?? audience)
    .setIssuedAt(now - 60)
    .setExpirationTime(opts.exp ?? now + 600)
    .sign(await importJWK(jwk, 'RS256'));
}

let badTokens: [string, string][] = [];
let wellFormed = '';
beforeAll(async () => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forger = { ...(await exportJWK(privateKey)), kid: providerKey.kid, alg: 'RS256' };
  const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify({ sub: 'demo-admin', iss: issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 600, [CLAIMS.role]: 'admin' }))}.`;
  const now = Math.floor(Date.now() / 1000);
  badTokens = [
    ['garbage', 'Bearer not-a-token'],
    ['not a bearer token', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['expired', `Bearer ${await signed({}, { exp: now - 3600 })}`],
    ['another audience', `Bearer ${await signed({}, { aud: 'another-api' })}`],
    ['another issuer', `Bearer ${await signed({}, { iss: 'http://127.0.0.1:9' })}`],
    ['forged signature', `Bearer ${await signed({}, { key: forger })}`],
    ['unsigned (alg none)', `Bearer ${unsigned}`],
    ['no known role', `Bearer ${await signed({ [CLAIMS.role]: 'superuser' })}`],
  ];
  wellFormed = await signed({});
});

describe('every secured route refuses callers without the right', () => {
  it('a token made like the bad ones but valid passes (the bad ones differ only in what they name)', async () => {
    const res = await call('GET', null, { url: '/campaigns?limit=1', headers: { authorization: `Bearer ${wellFormed}` } });
    expect(res.statusCode, res.body).toBe(200);
  });

  it.each(SECURED.map((r) => [key(r), r] as const))('%s: 401 without a token or with a bad one, 403 for every role lacking its scope', async (_k, route) => {
    const url = route.url.replace(/:(\w+)/g, 'x');
    const anonymous = await call(route.method, null, { url });
    expect(anonymous.statusCode, anonymous.body).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm="gecco-flow"/);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    for (const [what, authorization] of badTokens) {
      const res = await call(route.method, null, { url, headers: { authorization } });
      expect(res.statusCode, `${what}: ${res.body}`).toBe(401);
      expect(res.headers['www-authenticate'], what).toMatch(/^Bearer /);
    }
    const lacking = ROLES.filter((r) => !ROLE_TABLE[r].scopes.includes(route.access.scope));
    for (const role of lacking) {
      const res = await call(route.method, LOGIN_OF[role], { url });
      expect(res.statusCode, `${role}: ${res.body}`).toBe(403);
      expect(res.json().message).toContain(route.access.scope);
    }
  });
});

describe('every secured route answers its sample to a role holding its scope, and 404 outside its reach', () => {
  it.each(Object.keys(SAMPLES).map((k) => [k] as const))('%s', async (k) => {
    const sample = SAMPLES[k]!;
    const method = k.slice(0, k.indexOf(' '));
    for (const o of sample.outside ?? []) {
      const res = await call(method, o.as, await (o.request ?? sample.request)());
      expect(res.statusCode, `${o.as} outside its reach: ${res.body}`).toBe(o.status ?? 404);
    }
    const res = await call(method, sample.as, await sample.request());
    await ok(res, sample.status);
    await sample.then?.(res);
  });
});

describe('jurisdiction', () => {
  it('a worker search finds only the people within reach', async () => {
    const found = async (login: DemoLogin, q: string) => ((await call('GET', login, json(`/workers?q=${encodeURIComponent(q)}`))).json().items as { candidateId: number }[]).map((w) => w.candidateId);
    expect(await found('agent-kenitra', s.p.nid)).toEqual([s.p.id]);
    expect(await found('agent-larache', s.p.nid)).toEqual([]);
    expect(await found('employer-b21000002', s.p.nid)).toEqual([]);
    expect(await found('agent-larache', s.l.nid)).toEqual([s.l.id]);
    // by name, any case: Larache's own candidate, never Kenitra's
    const name = (await call('GET', 'admin', json(`/candidates/${s.l.id}`))).json().lastName as string;
    expect(await found('agent-larache', name.toLowerCase())).toContain(s.l.id);
  });
  const items = async (login: DemoLogin) => (await call('GET', login, json(`/campaigns/${s.campaignId}/cycles?limit=1000`))).json().items as { cycleId: string; province: string; employerId: string | null }[];

  it("filters a campaign's cycles to the caller's province or farm", async () => {
    const kenitra = await items('agent-kenitra');
    expect(kenitra.every((c) => c.province === 'Kenitra')).toBe(true);
    expect(kenitra.map((c) => c.cycleId)).toEqual(expect.arrayContaining([s.p.cycle, s.b.cycle, s.d.cycle]));
    const larache = await items('agent-larache');
    expect(larache.map((c) => c.cycleId)).toEqual([s.l.cycle]);
    const farm2 = await items('employer-b21000002');
    expect(farm2.map((c) => c.cycleId)).toEqual([s.l.cycle]);
    const farm1 = await items('employer-b21000001');
    expect(farm1.every((c) => c.employerId === 'B21000001')).toBe(true);
    expect(farm1.map((c) => c.cycleId)).toEqual(expect.arrayContaining([s.p.cycle, s.b.cycle, s.d.cycle]));
    expect((await items('coordinator')).length).toBeGreaterThanOrEqual(kenitra.length + larache.length);
    // a cursor beyond the caller's reach places no page: it is no cycle of the campaign for that caller
    const afterKenitra = await call('GET', 'agent-larache', json(`/campaigns/${s.campaignId}/cycles?after=${s.p.cycle}`));
    expect(afterKenitra.statusCode).toBe(400);
    expect(afterKenitra.json().issues[0].field).toBe('querystring.after');
    expect((await call('GET', 'agent-kenitra', json(`/campaigns/${s.campaignId}/cycles?after=${s.p.cycle}`))).statusCode).toBe(200);
  });

  it("lists a sailing's passengers within the caller's province", async () => {
    const passengers = async (login: DemoLogin) => (await call('GET', login, json(`/departures/${s.departureId}/passengers`))).json() as { total: number; items: unknown[] };
    const port = await passengers('port');
    expect(port.total).toBeGreaterThan(0);
    expect(await passengers('agent-kenitra')).toMatchObject({ total: port.total });
    expect(await passengers('agent-larache')).toMatchObject({ total: 0, items: [] });
  });

  it("does not hand another province's person to an agency registering the same national ID", async () => {
    const res = await call('POST', 'agent-larache', json('/candidates', sampleCandidate({ nationalId: s.p.nid, province: 'Larache' })));
    expect(res.statusCode, res.body).toBe(409);
    expect(res.body).not.toContain('HYPERLINK');
    const file = await call('POST', 'agent-larache', json(`/campaigns/${s.nextCampaignId}/intake/candidates`, [sampleCandidate({ nationalId: s.p.nid, province: 'Larache' })]));
    expect(file.statusCode, file.body).toBe(201);
    expect(file.json()).toMatchObject({ rowsAccepted: 0, errors: [{ line: 1, field: 'nationalId', reason: expect.stringMatching(/registered in another province/) }] });
  });

  it("refuses another province's workers in an agency's files (rows naming them are unknown)", async () => {
    const returns = await call('POST', 'agent-larache', json(`/campaigns/${s.campaignId}/returns`, [{ nationalId: s.b.nid, returnedOn: today(), proof: 'passport_stamp' }]));
    expect(returns.statusCode, returns.body).toBe(201);
    expect(returns.json()).toMatchObject({ rowsAccepted: 0, errors: [{ line: 1, field: 'nationalId' }] });
    const predeparture = await call('POST', 'agent-larache', json(`/campaigns/${s.campaignId}/intake/predeparture`, [{ nationalId: s.b.nid, sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: true }]));
    expect(predeparture.json()).toMatchObject({ rowsAccepted: 0, errors: [{ line: 1, field: 'nationalId' }] });
  });
});

describe('the audit trail names the authenticated caller', () => {
  it("records the coordinator's name and subject for the authorisation, the employer's for the selection, never a body's", async () => {
    const audit = (await admin('GET', `/cycles/${s.p.cycle}`)).json().audit as { step: string; actor: string }[];
    const coordinator = demoIdentity('coordinator');
    const employer = demoIdentity('employer-b21000001');
    const authorisation = audit.find((a) => a.step === 'authorisation');
    expect(authorisation?.actor).toContain(coordinator.name);
    expect(authorisation?.actor).toContain(`<${coordinator.clientId}>`);
    const selection = audit.find((a) => a.step === 'selection');
    expect(selection?.actor).toContain(employer.name);
    expect(selection?.actor).toContain(`<${employer.clientId}>`);
    expect(audit.map((a) => a.actor).join('\n')).not.toContain('mallory');
  });
});
