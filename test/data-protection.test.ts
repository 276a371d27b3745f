// Data protection on the real stack: reads of a person's record are logged with the caller's token subject; her
// export (JSON, PDF read back with poppler); her erasure (refused while a cycle is open, then nothing of her identity
// left anywhere in the database, the season's statistics unchanged); the retention rule for candidates never selected.
import { describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { DEV_ERASURE_HMAC_KEY } from '../config';
import { erasedNationalId } from '../db/queries/erasure';
import { candidates, documents, emailOutbox, workerCycles } from '../db/schema';
import { ensureRetentionSchedule } from '../worker/retention-schedule';
import { RETENTION_SCHEDULE_ID, RETENTION_TASK_QUEUE, type RetentionResult } from '../workflows/contracts/retention';
import { openCampaignForSteps, requestsTo, sampleCampaign, sampleCandidate, uniqueSuffix, waitUntil, withTestStack, type TestStack } from './support';
import { authHeader } from './tokens';
import { popplerText, renderPage } from './pdf';

let stack: TestStack;
withTestStack((s) => (stack = s));
const { post, get } = requestsTo(() => stack);

const EMPLOYER = 'B21000009';
/** the token subject of the suites' default caller (test/support.ts actingAs 'admin': its script client) */
const ADMIN_SUBJECT = 'demo-admin';
const SEASON = 2027;

let people = 0;
/** A person whose names and phone appear nowhere else in the database (sampleCandidate's are shared by every test). */
function uniquePerson(overrides: Record<string, unknown> = {}) {
  people += 1;
  const tag = [...`${process.pid}${String(people).padStart(3, '0')}`].map((d) => String.fromCharCode(97 + Number(d))).join('');
  const digits = `${(process.pid % 10_000) * 100 + people}`.padStart(8, '0');
  const email = `zineb.${tag}@example.test`;
  return { ...sampleCandidate({ firstName: `Zineb${tag}`, lastName: `Ouardighi${tag}`, phone: `+212 6${digits}`, email, passportNumber: `QX${digits}`, ...overrides }), email };
}

async function campaign(): Promise<string> {
  const id = `dp-${uniqueSuffix()}`;
  const res = await post('/campaigns', sampleCampaign(id, EMPLOYER));
  expect(res.statusCode, res.body).toBe(201);
  await openCampaignForSteps(stack.db, id);
  return id;
}

async function register(person: ReturnType<typeof uniquePerson>): Promise<number> {
  const res = await post('/candidates', person);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as number;
}

async function startCycle(campaignId: string, candidateId: number): Promise<string> {
  const res = await post(`/campaigns/${campaignId}/cycles`, { candidateId, timings: { selectionDeadline: '1h' } });
  expect(res.statusCode, res.body).toBe(201);
  const cycleId = res.json().cycleId as string;
  await waitUntil(async () => (await get(`/cycles/${cycleId}`)).json().state?.waitingFor);
  return cycleId;
}

const stageOf = async (cycleId: string) => (await stack.db.select({ stage: workerCycles.stage }).from(workerCycles).where(eq(workerCycles.id, cycleId)))[0]?.stage;

async function rejectAtSelection(cycleId: string, reason: string): Promise<void> {
  const res = await post(`/cycles/${cycleId}/selection`, { decision: 'rejected', reason });
  expect(res.statusCode, res.body).toBe(200);
  await waitUntil(async () => (await stageOf(cycleId)) === 'closed');
}

/** Every row of every table of the application's schema as text (documents without their bytes). */
async function databaseText(): Promise<string> {
  const tables = await stack.db.execute<{ table_name: string }>(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
  const parts: string[] = [];
  for (const { table_name: table } of tables) {
    const rows = await stack.db.execute<{ row: string }>(
      table === 'documents' ? sql`select (to_jsonb(t) - 'content')::text as row from documents t` : sql`select t::text as row from ${sql.identifier(table)} t`,
    );
    for (const r of rows) parts.push(`${table}: ${r.row}`);
  }
  return parts.join('\n');
}

describe('public identifiers of people', () => {
  it('are not guessable in sequence: people registered one after another get unrelated ids, and their cycles too', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await register(uniquePerson()));
    expect(new Set(ids).size).toBe(ids.length);
    // neighbours in registration order are not neighbours in number (a sequence would give steps of 1)
    const steps = ids.slice(1).map((id, i) => Math.abs(id - ids[i]!));
    expect(steps.filter((d) => d < 1000)).toEqual([]);
    expect(ids.every((id) => Number.isInteger(id) && id > 0 && id <= 2 ** 30)).toBe(true);
    const cycleId = await startCycle(await campaign(), ids[0]!);
    expect(cycleId).toMatch(new RegExp(`-${ids[0]}$`));
    // walking the next numbers finds nobody
    for (const probe of [ids[0]! + 1, ids[0]! - 1]) expect((await get(`/candidates/${probe}`)).statusCode).toBe(404);
  });
});

describe('access log', () => {
  it("logs every read of a person's full record with the caller's subject, and lets auditors page through it", async () => {
    const campaignId = await campaign();
    const candidateId = await register(uniquePerson());
    const cycleId = await startCycle(campaignId, candidateId);

    expect((await get(`/candidates/${candidateId}`)).statusCode).toBe(200);
    expect((await get(`/cycles/${cycleId}`)).statusCode).toBe(200);
    expect((await get(`/candidates/${candidateId}/history`)).statusCode).toBe(200);
    expect((await get(`/people/${candidateId}/export`)).statusCode).toBe(200);
    // a caller outside the person's reach learns nothing and leaves no read
    const outside = await stack.app.inject({ method: 'GET', url: `/candidates/${candidateId}`, headers: await authHeader('agent-larache') });
    expect(outside.statusCode).toBe(404);

    const auditor = await authHeader('auditor');
    const log = await stack.app.inject({ method: 'GET', url: `/people/${candidateId}/access-log?limit=100`, headers: auditor });
    expect(log.statusCode, log.body).toBe(200);
    const body = log.json();
    // startCycle polled the cycle until it waited for the employer: those reads are logged too
    const purposes = body.items.map((i: { purpose: string }) => i.purpose);
    expect(purposes).toEqual(expect.arrayContaining(['candidate', 'cycle', 'history', 'export']));
    expect(body.total).toBe(body.items.length);
    for (const item of body.items) expect(item).toMatchObject({ actorSubject: ADMIN_SUBJECT, actorRole: 'admin' });
    expect(body.items.find((i: { purpose: string }) => i.purpose === 'cycle')).toMatchObject({ route: 'GET /cycles/:cycleId', detail: cycleId });
    expect(body.items[0].purpose).toBe('export'); // newest first
    expect(body.items[0].actorLabel).toContain(`<${ADMIN_SUBJECT}>`);

    const page = (await stack.app.inject({ method: 'GET', url: `/people/${candidateId}/access-log?limit=2&offset=1`, headers: auditor })).json();
    expect(page).toMatchObject({ total: body.total, limit: 2, offset: 1 });
    expect(page.items.map((i: { id: number }) => i.id)).toEqual(body.items.slice(1, 3).map((i: { id: number }) => i.id));
    // reading the access log is the auditors' (and administrators'): a coordinator may not
    expect((await stack.app.inject({ method: 'GET', url: `/people/${candidateId}/access-log`, headers: await authHeader('coordinator') })).statusCode).toBe(403);
    expect((await stack.app.inject({ method: 'GET', url: '/people/99999999/access-log', headers: auditor })).statusCode).toBe(404);
    await stack.client.workflow.getHandle(cycleId).terminate('test done');
  });
});

describe('export', () => {
  it('answers everything held about the person as JSON and as a PDF in her language', async () => {
    const campaignId = await campaign();
    const person = uniquePerson();
    const candidateId = await register(person);
    const cycleId = await startCycle(campaignId, candidateId);
    await rejectAtSelection(cycleId, 'profil ne correspondant pas');

    const res = await get(`/people/${candidateId}/export`);
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json();
    expect(data.person).toMatchObject({ id: candidateId, nationalId: person.nationalId, firstName: person.firstName, phone: person.phone });
    expect(data.cycles).toEqual([expect.objectContaining({ id: cycleId, stage: 'closed', outcome: 'not_selected', season: SEASON })]);
    expect(data.auditEvents.map((a: { step: string }) => a.step)).toEqual(['preselection', 'not_selected']);
    expect(data.erasure).toBeNull();
    expect(data.accessLog.length).toBeGreaterThan(0);
    for (const key of ['documents', 'authorisations', 'messages', 'visaFiles', 'sailings']) expect(Array.isArray(data[key])).toBe(true);

    const pdf = await get(`/people/${candidateId}/export.pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = popplerText(pdf.rawPayload);
    renderPage(pdf.rawPayload, 'person-export');
    for (const expected of [person.nationalId, person.firstName, person.lastName, 'not_selected', 'Temporadas', 'Identidad']) expect(text).toContain(expected);
    // her language is Arabic: the headings are printed in Arabic (shaped, read back in logical order) beside Spanish
    expect(text).toContain('الهوية');

    const agents = await stack.app.inject({ method: 'GET', url: `/people/${candidateId}/export`, headers: await authHeader('agent-larache') });
    expect(agents.statusCode).toBe(404); // another province's agency
    const employer = await stack.app.inject({ method: 'GET', url: `/people/${candidateId}/export`, headers: await authHeader('employer-b21000001') });
    expect(employer.statusCode).toBe(403);
  });
});

describe('erasure', () => {
  it('is refused while a cycle is open, then anonymises the person everywhere and keeps the statistics', async () => {
    const campaignId = await campaign();
    const person = uniquePerson({ passportNumber: undefined });
    const candidateId = await register(person);
    const cycleId = await startCycle(campaignId, candidateId);

    const refused = await post(`/people/${candidateId}/erasure`, { reason: 'demande de la personne, réf. CNDP-2027-014' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toContain(cycleId);
    expect(refused.json().issues[0]).toMatchObject({ field: 'cycles' });
    expect((await stack.db.select().from(candidates).where(eq(candidates.id, candidateId)))[0]!.nationalId).toBe(person.nationalId);

    await rejectAtSelection(cycleId, `${person.firstName} absente à l'entretien`);
    // a message to her phone and one about her to the agency, as the notification activities write them
    await stack.db.insert(emailOutbox).values([
      { idempotencyKey: `${cycleId}:test-sms`, channel: 'sms', cycleId, toAddresses: [person.phone as string], subject: 'selection', body: 'texte', delivery: 'delivered' },
      { idempotencyKey: `${cycleId}:test-mail`, cycleId, toAddresses: ['agency@anapec.test', person.email], subject: `[GECCO] appeler ${person.firstName} ${person.lastName}`, body: `Le SMS n'a pas pu être remis à ${person.firstName} ${person.lastName} (${person.phone}).` },
    ]);
    const reportBefore = (await get(`/reports/seasons/${SEASON}`)).json();
    expect(await databaseText()).toContain(person.nationalId); // the dump below does see her while she is there

    const erased = await post(`/people/${candidateId}/erasure`, { reason: 'demande de la personne, réf. CNDP-2027-014', note: 'courrier du 3 mars' });
    expect(erased.statusCode, erased.body).toBe(201);
    expect(erased.json()).toMatchObject({ candidateId, kind: 'request', reason: 'demande de la personne, réf. CNDP-2027-014', note: 'courrier du 3 mars' });
    expect(erased.json().erasedBy).toContain(`<${ADMIN_SUBJECT}>`);
    expect(erased.json().summary).toMatchObject({ candidates: 1, worker_cycles: 1, audit_events: 2, email_outbox: 2 });
    // the same request again: the first erasure
    const again = await post(`/people/${candidateId}/erasure`, { reason: 'une autre raison' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(erased.json());

    const dump = await databaseText();
    for (const value of [person.nationalId, person.firstName, person.lastName, person.phone as string, person.email]) {
      expect(dump.includes(value), `${value} still in the database`).toBe(false);
    }
    const [row] = await stack.db.select().from(candidates).where(eq(candidates.id, candidateId));
    expect(row).toMatchObject({ nationalId: erasedNationalId(DEV_ERASURE_HMAC_KEY, person.nationalId), firstName: '[erased]', commune: '[erased]', householdSituation: '[erased]', province: person.province, sex: person.sex, birthDate: '1990-01-01', phone: null, email: null, passportNumber: null });
    expect(await stack.db.$count(documents, eq(documents.cycleId, cycleId))).toBe(0);
    // the cycle's facts are kept: its stages, outcome and actors
    const cycle = (await get(`/cycles/${cycleId}`)).json();
    expect(cycle.state).toMatchObject({ stage: 'closed', outcome: 'not_selected' });
    expect(cycle.audit.map((a: { step: string; actor: string }) => a.step)).toEqual(['preselection', 'not_selected']);
    expect(cycle.audit[1].actor).toContain(ADMIN_SUBJECT);
    expect((await get(`/reports/seasons/${SEASON}`)).json()).toEqual(reportBefore);

    // the erasure is in her access log, with who and why
    const log = (await stack.app.inject({ method: 'GET', url: `/people/${candidateId}/access-log`, headers: await authHeader('auditor') })).json();
    expect(log.items.find((i: { purpose: string }) => i.purpose === 'erasure')).toMatchObject({ actorSubject: ADMIN_SUBJECT, route: 'POST /people/:candidateId/erasure', detail: 'demande de la personne, réf. CNDP-2027-014' });
    // only an administrator may erase
    expect((await stack.app.inject({ method: 'POST', url: `/people/${candidateId}/erasure`, payload: { reason: 'x'.repeat(5) }, headers: await authHeader('coordinator') })).statusCode).toBe(403);
    expect((await post(`/people/${candidateId}/erasure`, { reason: '' })).json().issues[0].field).toBe('body.reason');
  });
});

describe('erasure of a blocked person', () => {
  it('keeps the block after a non-return: the same national ID registering again is recognised by its token', async () => {
    const campaignId = await campaign();
    const person = uniquePerson();
    const candidateId = await register(person);
    await rejectAtSelection(await startCycle(campaignId, candidateId), 'test');
    // as a non-return in an earlier season leaves her (db/queries: the cycle's close sets it)
    await stack.db.update(candidates).set({ blockedUntil: '2030-12-31', blockedReason: 'non-return, campaign huelva-2026' }).where(eq(candidates.id, candidateId));
    expect((await post(`/people/${candidateId}/erasure`, { reason: 'demande de la personne' })).statusCode).toBe(201);

    const again = await post('/candidates', person);
    expect(again.statusCode, again.body).toBe(201); // a new record: nothing links it to her old one but the token
    const [renewed] = await stack.db.select().from(candidates).where(eq(candidates.id, again.json().id));
    expect(renewed).toMatchObject({ nationalId: person.nationalId, blockedUntil: '2030-12-31', blockedReason: 'non-return, campaign huelva-2026' });
    const start = await post(`/campaigns/${await campaign()}/cycles`, { candidateId: again.json().id });
    expect(start.statusCode, start.body).toBe(422);
    expect(start.json().message).toMatch(/blocked/i);
  });
});

describe('retention rule', () => {
  /** Moves a person's registration and last cycle activity back by three years. */
  async function ageThreeYears(candidateId: number): Promise<void> {
    await stack.db.execute(sql`update candidates set created_at = now() - interval '3 years' where id = ${candidateId}`);
    await stack.db.execute(sql`update worker_cycles set updated_at = now() - interval '3 years' where candidate_id = ${candidateId}`);
  }

  it('anonymises candidates never selected after the retention period, and leaves selected ones', async () => {
    const campaignId = await campaign();
    const neverSelected = uniquePerson();
    const neverSelectedId = await register(neverSelected);
    await rejectAtSelection(await startCycle(campaignId, neverSelectedId), 'quota atteint');
    const neverInCampaign = uniquePerson();
    const neverInCampaignId = await register(neverInCampaign);
    const recent = uniquePerson();
    const recentId = await register(recent);

    const selected = uniquePerson();
    const selectedId = await register(selected);
    const selectedCycle = await startCycle(campaignId, selectedId);
    const sel = await post(`/cycles/${selectedCycle}/selection`, { decision: 'selected', offerId: `${campaignId}-${EMPLOYER.toLowerCase()}-1` });
    expect(sel.statusCode, sel.body).toBe(200);
    expect((await post(`/cycles/${selectedCycle}/withdrawal`, { reason: 'raisons familiales' })).statusCode).toBe(202);
    await waitUntil(async () => (await stageOf(selectedCycle)) === 'closed');
    for (const id of [neverSelectedId, neverInCampaignId, selectedId]) await ageThreeYears(id);
    const reportBefore = (await get(`/reports/seasons/${SEASON}`)).json();

    const run = await post('/retention/run', {});
    expect(run.statusCode, run.body).toBe(200);
    expect(run.json()).toMatchObject({ more: false, olderThan: '2 years' });
    expect(run.json().erased).toBeGreaterThanOrEqual(2);

    const byId = async (id: number) => (await stack.db.select().from(candidates).where(eq(candidates.id, id)))[0]!;
    expect((await byId(neverSelectedId)).nationalId).toBe(erasedNationalId(DEV_ERASURE_HMAC_KEY, neverSelected.nationalId));
    expect((await byId(neverInCampaignId)).nationalId).toBe(erasedNationalId(DEV_ERASURE_HMAC_KEY, neverInCampaign.nationalId));
    expect((await byId(selectedId)).nationalId).toBe(selected.nationalId);
    expect((await byId(recentId)).nationalId).toBe(recent.nationalId);
    expect((await get(`/reports/seasons/${SEASON}`)).json()).toEqual(reportBefore);
    const erasure = (await get(`/people/${neverSelectedId}/export`)).json().erasure;
    expect(erasure).toMatchObject({ kind: 'retention', erasedBySubject: ADMIN_SUBJECT });
    // run again: nothing left to do
    expect((await post('/retention/run', {})).json().erased).toBe(0);
  });

  it('runs nightly from a Temporal Schedule the worker creates once; the workflow erases in batches', async () => {
    const late = uniquePerson();
    const lateId = await register(late);
    await ageThreeYears(lateId);
    try {
      expect(await ensureRetentionSchedule(stack.client)).toBe('created');
      expect(await ensureRetentionSchedule(stack.client)).toBe('exists');
      const schedule = await stack.client.schedule.getHandle(RETENTION_SCHEDULE_ID).describe();
      expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retentionWorkflow', taskQueue: RETENTION_TASK_QUEUE });
      expect(schedule.spec.timezone).toBe('Africa/Casablanca');

      const result = await stack.client.workflow.execute<() => Promise<RetentionResult>>('retentionWorkflow', { taskQueue: RETENTION_TASK_QUEUE, workflowId: `retention-test-${uniqueSuffix()}` });
      expect(result).toEqual({ erased: 1, batches: 1 });
      expect((await stack.db.select().from(candidates).where(eq(candidates.id, lateId)))[0]!.firstName).toBe('[erased]');
    } finally {
      await stack.client.schedule.getHandle(RETENTION_SCHEDULE_ID).delete().catch(() => {});
    }
  });
});
