// A small season in progress, for the console to show a living system: two employers, a few hundred workers spread
// over the cycle's stages, one visa week and one sailing. Everything goes through the API as the demo identities
// would do it (coordinator's files, the consular liaison's batch, the port's sailing), so the audit trail, documents
// and workflows are the real ones. `npm start -- --demo` and `npm run demo` use it; so does test/console.test.ts.
import { clientCredentialsToken } from './client-credentials';
import { demoIdentity, type DemoLogin } from './demo-identities';

/** One API call as a demo identity: JSON bodies, or CSV text when `csv` is set. */
export type DemoCall = (as: DemoLogin, method: 'GET' | 'POST', url: string, body?: unknown, csv?: boolean) => Promise<{ status: number; body: unknown }>;

export interface DemoSeasonOptions {
  campaignId: string;
  season: number;
  /** workers on the main list (a tenth more are loaded as reserves) */
  workers: number;
  /** a prefix of the demo's national IDs (letters), so two demos never share a person */
  idPrefix: string;
  log?: (line: string) => void;
}

const FIRST_F = ['Fatima', 'Khadija', 'Aicha', 'Naima', 'Malika', 'Saida', 'Latifa', 'Hafida', 'Rachida', 'Zineb', 'Meryem', 'Samira'];
const FIRST_M = ['Mohamed', 'Ahmed', 'Youssef', 'Hassan', 'Rachid', 'Abdelkader'];
const LAST = ['El Amrani', 'Benali', 'Ouazzani', 'Tazi', 'El Idrissi', 'Berrada', 'Chraibi', 'Lahlou', 'Alaoui', 'Bennani', 'Fassi', 'Saidi', 'Ziani', 'Hamdaoui'];
const PROVINCES = ['Kenitra', 'Larache', 'Sidi Kacem'];

/** Calls over HTTP with each identity's script client (client credentials), as an upload script would. */
export function httpDemoCall(apiUrl: string, issuer: string): DemoCall {
  const tokens = new Map<DemoLogin, () => Promise<string>>();
  return async (as, method, url, body, csv) => {
    if (!tokens.has(as)) tokens.set(as, clientCredentialsToken({ issuer, clientId: demoIdentity(as).clientId, clientSecret: demoIdentity(as).clientSecret }));
    const headers: Record<string, string> = { authorization: `Bearer ${await tokens.get(as)!()}` };
    if (body !== undefined) headers['content-type'] = csv ? 'text/csv' : 'application/json';
    const res = await fetch(`${apiUrl}${url}`, { method, headers, body: body === undefined ? undefined : csv ? String(body) : JSON.stringify(body) });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };
}

/** The demo of `npm start -- --demo` and `npm run demo`: this season's campaign, 200 workers. */
export async function seedDefaultDemo(apiUrl: string, issuer: string, log: (line: string) => void): Promise<void> {
  const season = new Date().getUTCMonth() >= 8 ? new Date().getUTCFullYear() + 1 : new Date().getUTCFullYear();
  const started = Date.now();
  const seeded = await seedDemoSeason(httpDemoCall(apiUrl, issuer), { campaignId: `demo-${season}`, season, workers: 200, idPrefix: 'DM', log });
  log(seeded ? `demo season demo-${season} ready in ${((Date.now() - started) / 1000).toFixed(1)} s` : `demo season demo-${season} already there`);
}

async function ok(call: DemoCall, as: DemoLogin, method: 'GET' | 'POST', url: string, body?: unknown, csv?: boolean) {
  const res = await call(as, method, url, body, csv);
  if (res.status >= 300) throw new Error(`${method} ${url} as ${as}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body as Record<string, unknown>;
}

async function bulkDone(call: DemoCall, operationId: unknown): Promise<void> {
  if (typeof operationId !== 'string') return;
  for (const started = Date.now(); Date.now() - started < 180_000; await new Promise((r) => setTimeout(r, 300))) {
    if ((await ok(call, 'coordinator', 'GET', `/bulk-operations/${operationId}`)).status === 'done') return;
  }
  throw new Error(`bulk operation ${operationId} still running after 3 minutes`);
}

const nextMonday = (from: Date) => {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + 1));
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
};

/** Seeds the season; answers false (and changes nothing) when the campaign already exists. */
export async function seedDemoSeason(call: DemoCall, o: DemoSeasonOptions): Promise<boolean> {
  const log = o.log ?? (() => {});
  const { campaignId, season } = o;
  const offer = (id: string, name: string, municipality: string, posts: number) => ({
    employer: { id, name, province: 'Huelva', municipality, email: `rrhh@${id.toLowerCase()}.demo` },
    posts, contractMonths: 6, contractStart: `${season}-02-01`, contractEnd: `${season}-07-31`,
  });
  const created = await call('coordinator', 'POST', '/campaigns', {
    id: campaignId, name: `Huelva fraise ${season} (démo)`, season, reserveCutoff: `${season}-05-31`,
    offers: [offer('B21000001', 'Fresas del Condado S.L.', 'Moguer', Math.ceil(o.workers * 0.45)), offer('B21000002', 'Frutos Rojos de Lepe S.A.T.', 'Lepe', Math.ceil(o.workers * 0.35))],
  });
  if (created.status === 409) return false;
  if (created.status !== 201) throw new Error(`POST /campaigns: ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
  const [offerA, offerB] = (created.body as { offers: { id: string }[] }).offers.map((x) => x.id);
  const stage = (to: string) => ok(call, 'coordinator', 'POST', `/campaigns/${campaignId}/stage`, { to });
  await stage('registration');

  // the candidate list: the main list, then the reserves; women mostly, as in the programme
  const total = Math.ceil(o.workers * 1.1);
  const nid = (i: number) => `${o.idPrefix}${String(100000 + i)}`;
  const lines = ['nationalId,firstName,lastName,birthDate,sex,province,commune,householdSituation,phone,reserveRank'];
  for (let i = 1; i <= total; i++) {
    const woman = i % 8 !== 0;
    const first = woman ? FIRST_F[i % FIRST_F.length] : FIRST_M[i % FIRST_M.length];
    lines.push(`${nid(i)},${first},${LAST[(i * 5) % LAST.length]},${1980 + (i % 20)}-0${1 + (i % 9)}-1${i % 10},${woman ? 'F' : 'M'},${PROVINCES[i % 3]},Commune ${1 + (i % 5)},${woman ? 'mariée avec enfants' : 'marié avec enfants'},+2126${String(10000000 + i)},${i > o.workers ? i - o.workers : ''}`);
  }
  const loaded = await ok(call, 'coordinator', 'POST', `/campaigns/${campaignId}/intake/candidates`, lines.join('\n'), true);
  await bulkDone(call, loaded.operationId);
  log(`${total} candidates loaded`);
  await stage('preselection');
  await stage('selection');

  // employers select 75 % of the main list (a few rejections); the rest stay preselected
  const main = Array.from({ length: o.workers }, (_, k) => nid(k + 1));
  const selected = main.slice(0, Math.floor(o.workers * 0.75));
  const rows = [
    ...selected.map((n, k) => ({ nationalId: n, decision: 'selected', offerId: k % 5 < 3 ? offerA : offerB })),
    ...main.slice(selected.length, selected.length + Math.ceil(o.workers * 0.05)).map((n) => ({ nationalId: n, decision: 'rejected', reason: 'profil non retenu' })),
  ];
  await bulkDone(call, (await ok(call, 'coordinator', 'POST', `/campaigns/${campaignId}/intake/selection`, rows)).operationId);
  await stage('authorisation');

  // work authorisations for 85 % of the selected
  const toAuthorise = selected.slice(0, Math.floor(selected.length * 0.85));
  await bulkDone(call, (await ok(call, 'coordinator', 'POST', `/campaigns/${campaignId}/intake/authorisations`, toAuthorise.map((n) => ({ nationalId: n, authorisationNumber: `AUT-${n}`, issuedOn: `${season - 1}-12-01` })))).operationId);
  await stage('visa_processing');
  log(`${selected.length} selected, ${toAuthorise.length} authorised`);

  // one visa week: the batch is lodged; the consulate has decided on most files (two refused), the rest are pending
  const batch = await ok(call, 'consular', 'POST', `/campaigns/${campaignId}/visa-batches`, { weekStart: nextMonday(new Date()) });
  const lodged = await ok(call, 'consular', 'POST', `/visa-batches/${String(batch.batchId)}/lodge`, { lodgedOn: new Date().toISOString().slice(0, 10) });
  await bulkDone(call, lodged.lodgeOperationId);
  const members = await ok(call, 'consular', 'GET', `/visa-batches/${String(batch.batchId)}/members?limit=1000`);
  const submitted = (members.items as { nationalId: string }[]).map((m) => m.nationalId);
  const decided = submitted.slice(0, Math.floor(submitted.length * 0.8));
  const decisions = decided.map((n, k) => (k < 2 ? { nationalId: n, decision: 'refused', reason: 'dossier incomplet au consulat' } : { nationalId: n, decision: 'issued', visaNumber: `ESP-${n}` }));
  await bulkDone(call, (await ok(call, 'consular', 'POST', `/visa-batches/${String(batch.batchId)}/decisions`, decisions)).operationId);
  log(`visa batch ${String(batch.batchId)}: ${decided.length} decisions, ${submitted.length - decided.length} pending`);

  // the pre-departure session for most of those with a visa, then a sailing for them from Tanger Ville
  const issued = decisions.filter((d) => d.decision === 'issued').map((d) => d.nationalId);
  const briefed = issued.slice(0, Math.floor(issued.length * 0.8));
  await bulkDone(call, (await ok(call, 'coordinator', 'POST', `/campaigns/${campaignId}/intake/predeparture`, briefed.map((n) => ({ nationalId: n, sessionAttendedOn: new Date().toISOString().slice(0, 10), contractSigned: true, returnCommitmentSigned: true })))).operationId);
  await stage('departures');
  const departureAt = new Date(Date.now() + 5 * 86_400_000).toISOString();
  const sailing = await ok(call, 'port', 'POST', `/campaigns/${campaignId}/departures`, { departureAt, seats: briefed.length });
  log(`sailing ${String(sailing.departureId)} on ${departureAt.slice(0, 10)}: ${briefed.length} passengers convoked`);
  return true;
}
