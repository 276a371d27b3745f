// Departures on the real servers: a sailing convokes its passengers, embarkations and returns are loaded as
// files (bulk operations), no-shows and non-returns are recorded by the workflows after their grace periods.
import { authHeader } from './tokens';
import { describe, expect, it } from 'vitest';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { candidates, departurePassengers, departures, workerCycles } from '../db/schema';
import { departureStateQuery } from '../workflows/contracts/departure';
import { cycleStateQuery } from '../workflows/contracts/worker-cycle';
import { planSailing } from '../api/queries/departures';
import { pdfText } from './pdf';
import { recordHistories } from './record-histories';
import { openSampleCampaign, patientSteps, waitUntil, withTestStack, type TestStack } from './support';

let stack: TestStack;
let campaignId: string;
let offerId: string;
withTestStack(
  async (s) => {
    stack = s;
    ({ campaignId, offerId } = await openSampleCampaign(s, 'dp', `B21${Date.now().toString().slice(-6)}`));
  },
  async (s) => {
    const sailings = await s.db.select({ id: departures.id, seq: departures.seq }).from(departures).where(eq(departures.campaignId, campaignId));
    await recordHistories(s, sailings.map((d) => ({ name: `departure-${d.seq}`, workflowId: d.id })));
  },
);

// Every human deadline is long, except the ones this file is about.
const timings = {
  ...patientSteps,
  convocationDeadline: '120s',
  embarkationGrace: '2s',
  seasonLength: '3s',
  returnGrace: '3s',
  lateReturnWindow: '2s',
};
const tag = Date.now().toString().slice(-5);
const nid = (i: number) => `DP${tag}${i}`;
const loader = 'coord@anapec.test';
const today = () => new Date().toISOString().slice(0, 10);
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

async function post(url: string, payload: unknown) {
  return stack.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });
}
async function get(url: string) {
  return stack.app.inject({ method: 'GET', url });
}
/** A sailing's passengers: every page of the paged list. */
async function passengersOf(departureId: string): Promise<{ cycleId: string; nationalId: string; status: string; name: string }[]> {
  const out = [];
  for (let offset = 0; ; offset += 2) {
    const page = (await get(`/departures/${departureId}/passengers?limit=2&offset=${offset}`)).json();
    out.push(...page.items);
    if (offset + 2 >= page.total) return out;
  }
}

async function operationDone(operationId: string) {
  return waitUntil(async () => {
    const op = (await get(`/bulk-operations/${operationId}`)).json();
    return op.status === 'done' ? op : undefined;
  }, 30_000, 100);
}
/** Loads a file, checks it was accepted, and waits for its bulk operation. */
async function loadAndApply(url: string, rows: unknown[], expected: number) {
  const res = await post(url, rows);
  expect(res.statusCode, res.body).toBe(201);
  expect(res.json()).toMatchObject({ rowsAccepted: expected, rowsRejected: 0 });
  const op = await operationDone(res.json().operationId);
  expect(op, JSON.stringify(op.refusals)).toMatchObject({ applied: expected, refused: 0 });
  return op;
}
async function cycleRows(ids: string[]) {
  return stack.db.select().from(workerCycles).where(inArray(workerCycles.id, ids));
}
async function waitForCycles(ids: string[], ok: (row: typeof workerCycles.$inferSelect) => boolean, timeoutMs = 20_000) {
  return waitUntil(async () => {
    const rows = await cycleRows(ids);
    return rows.length === ids.length && rows.every(ok) ? rows : undefined;
  }, timeoutMs, 100);
}

function person(i: number) {
  const names = [['Amina', 'Alaoui'], ['Zineb', 'Tazi'], ['Hafsa', 'Berrada'], ['Khadija', 'Bennani'], ['Salma', 'Idrissi'], ['Nadia', 'Fassi']];
  const [firstName, lastName] = names[(i - 1) % names.length]!;
  return {
    nationalId: nid(i),
    firstName,
    lastName,
    birthDate: '1990-04-12',
    sex: 'F',
    province: 'Kénitra',
    commune: 'Mnasra',
    householdSituation: 'mariée, 2 enfants',
    phone: '+212600000000',
    email: `worker${i}.${tag}@example.test`,
    passportNumber: `MA${tag}${i}`,
  };
}

/** Brings the people to ready_to_depart through the bulk intakes (visa steps per cycle); their cycles in registration order. */
async function readyToDepart(people: ReturnType<typeof person>[], t: Record<string, string> = timings) {
  const n = people.length;
  await loadAndApply(`/campaigns/${campaignId}/intake/candidates?loadedBy=${loader}&timings=${encodeURIComponent(JSON.stringify(t))}`, people, n);
  const persons = await stack.db
    .select({ id: candidates.id, nationalId: candidates.nationalId })
    .from(candidates)
    .where(inArray(candidates.nationalId, people.map((p) => p.nationalId)))
    .orderBy(asc(candidates.registrationSeq));
  const cycleOf = new Map(persons.map((p) => [p.nationalId, `worker-${campaignId}-${p.id}`]));
  const allCycles = persons.map((p) => cycleOf.get(p.nationalId)!);
  await loadAndApply(`/campaigns/${campaignId}/intake/selection?loadedBy=${loader}`, people.map((p) => ({ nationalId: p.nationalId, decision: 'selected', offerId, decidedBy: 'rrhh@fresas.test' })), n);
  await loadAndApply(`/campaigns/${campaignId}/intake/authorisations?loadedBy=${loader}`, people.map((p) => ({ nationalId: p.nationalId, authorisationNumber: `AUT-${p.nationalId}`, issuedOn: '2026-12-01' })), n);
  await Promise.all(
    allCycles.map(async (cycleId, i) => {
      const file = await post(`/cycles/${cycleId}/visa-file`, { fileReference: `VF-${tag}-${cycleId}`, submittedOn: '2026-12-05', submittedBy: 'liaison@anapec.test' });
      expect(file.statusCode, file.body).toBe(200);
      const visa = await post(`/cycles/${cycleId}/consular-decision`, { decision: 'issued', visaNumber: `ESP-V-${tag}${i}-${persons[i]!.id}`, recordedBy: 'liaison@anapec.test' });
      expect(visa.statusCode, visa.body).toBe(200);
    }),
  );
  await loadAndApply(`/campaigns/${campaignId}/intake/predeparture?loadedBy=${loader}`, people.map((p) => ({ nationalId: p.nationalId, sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: true })), n);
  await waitForCycles(allCycles, (r) => r.stage === 'ready_to_depart');
  return { persons, cycleOf, allCycles };
}

describe('departures', () => {
  it('refuses unknown departures (404), a sailing in the past (422) and a sailing with nobody ready (409)', async () => {
    expect((await get('/departures/departure-nope-1')).statusCode).toBe(404);
    expect((await get('/departures/departure-nope-1/manifest')).statusCode).toBe(404);
    const embark = await stack.app.inject({ method: 'POST', url: `/departures/departure-nope-1/embarkations?loadedBy=${loader}`, headers: { 'content-type': 'text/csv' }, payload: 'nationalId,embarkedAt\nAB123456,2027-01-01T08:00:00Z' });
    expect(embark.statusCode).toBe(404);
    const body = { departureAt: inSeconds(3600), seats: 10, createdBy: loader };
    expect((await post('/campaigns/nope-2099/departures', body)).statusCode).toBe(404);

    const past = await post(`/campaigns/${campaignId}/departures`, { ...body, departureAt: '2020-01-01T08:00:00+01:00' });
    expect(past.statusCode, past.body).toBe(422);
    expect(past.json().issues).toEqual([{ field: 'body.departureAt', reason: 'must be in the future' }]);
    const noSeats = await post(`/campaigns/${campaignId}/departures`, { ...body, seats: 0 });
    expect(noSeats.statusCode).toBe(400);

    const none = await post(`/campaigns/${campaignId}/departures`, body);
    expect(none.statusCode, none.body).toBe(409);
    expect((await get(`/campaigns/${campaignId}/departures`)).json()).toEqual({ total: 0, limit: 100, offset: 0, items: [] });
    expect((await get(`/campaigns/${campaignId}/departures?limit=1001`)).statusCode).toBe(400);
  });

  it('runs a sailing: convocations, embarkation file, no-show, manifest, returns and a non-return', async () => {
    // --- six workers brought to ready_to_depart through the bulk intakes (visa steps per cycle) ----------
    const { persons, cycleOf } = await readyToDepart([1, 2, 3, 4, 5, 6].map(person));

    // --- the sailing: four seats for six ready workers, in registration order ------------------------------
    const departureAt = inSeconds(4);
    const created = await post(`/campaigns/${campaignId}/departures`, { departureAt, seats: 4, embarkationGrace: '2s', createdBy: loader });
    expect(created.statusCode, created.body).toBe(201);
    const departureId = `departure-${campaignId}-1`;
    expect(created.json()).toMatchObject({ departureId, seq: 1, port: 'Tanger Ville', destination: 'Tarifa', seats: 4, passengerCount: 4, remainingReady: 2 });
    const passengers = persons.slice(0, 4).map((p) => p.nationalId);
    const passengerCycles = passengers.map((n) => cycleOf.get(n)!);
    // The same request again (a client retrying) finds the sailing: same port and time, no second sailing.
    const retried = await post(`/campaigns/${campaignId}/departures`, { departureAt, seats: 4, embarkationGrace: '2s', createdBy: loader });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ departureId, passengerCount: 4, remainingReady: 2 });
    const firstPage = (await get(`/departures/${departureId}/passengers?limit=3`)).json();
    expect(firstPage).toMatchObject({ total: 4, limit: 3, offset: 0 });
    expect(firstPage.items).toHaveLength(3);
    const listed = await passengersOf(departureId);
    expect(listed.map((p) => p.nationalId)).toEqual(passengers);
    expect(listed[0]).toMatchObject({ cycleId: passengerCycles[0], status: 'convoked', name: 'Amina Alaoui' });

    // Each passenger's cycle is convoked (one bulk operation) and sends the convocation letter.
    await waitForCycles(passengerCycles, (r) => r.stage === 'convoked', 10_000);
    expect((await get(`/departures/${departureId}`)).json().status).toBe('convoked');

    // --- embarkation file: three of the four, plus a worker who is not on this sailing -------------------
    const [e1, e2, e3, absent] = passengers as [string, string, string, string];
    const notAboard = persons[4]!.nationalId;
    const at = new Date().toISOString();
    const csv = ['nationalId,embarkedAt,passport,policeForm,ticket', ...[e1, e2, e3, notAboard].map((n) => `${n},${at},oui,oui,oui`)].join('\n');
    const embarkUrl = `/departures/${departureId}/embarkations?loadedBy=port@anapec.test`;
    const embarked = await stack.app.inject({ method: 'POST', url: embarkUrl, headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(embarked.statusCode, embarked.body).toBe(201);
    expect(embarked.json()).toMatchObject({ rowsTotal: 4, rowsAccepted: 3, rowsRejected: 1, format: 'csv' });
    expect(embarked.json().errors).toEqual([{ line: 5, field: 'nationalId', reason: `${notAboard} is not a passenger of departure ${departureId}` }]);
    const embarkOp = await operationDone(embarked.json().operationId);
    expect(embarkOp).toMatchObject({ kind: 'embarkation', applied: 3, refused: 0 });
    const again = await stack.app.inject({ method: 'POST', url: embarkUrl, headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, operationId: embarked.json().operationId });

    // The departure workflow got one signal for the file and follows its counts.
    const live = await waitUntil(async () => {
      const s = await stack.client.workflow.getHandle(departureId).query(departureStateQuery);
      return s.counts.embarked === 3 ? s : undefined;
    }, 10_000);
    expect(live).toMatchObject({ status: 'convoked', embarkationOperationIds: [embarked.json().operationId] });

    // --- returns: the three embarked workers' seasons end; two prove their return -----------------------
    const embarkedCycles = [e1, e2, e3].map((n) => cycleOf.get(n)!);
    await waitForCycles(embarkedCycles, (r) => r.stage === 'awaiting_return', 10_000);
    const returnsUrl = `/campaigns/${campaignId}/returns?loadedBy=${loader}`;
    const returnRows = [
      { nationalId: e1, returnedOn: today(), proof: 'port_exit_record', sailing: 'TAR-TNG-0801' },
      { nationalId: e2, returnedOn: today(), proof: 'passport_stamp' },
      { nationalId: 'ZZ999999', returnedOn: today(), proof: 'passport_stamp' },
    ];
    const returned = await post(returnsUrl, returnRows);
    expect(returned.statusCode, returned.body).toBe(201);
    expect(returned.json()).toMatchObject({ rowsTotal: 3, rowsAccepted: 2, rowsRejected: 1 });
    expect(returned.json().errors).toEqual([{ line: 3, field: 'nationalId', reason: `no worker cycle for ZZ999999 in campaign ${campaignId}` }]);
    expect(await operationDone(returned.json().operationId)).toMatchObject({ kind: 'return', applied: 2, refused: 0 });
    const back = await waitForCycles(embarkedCycles.slice(0, 2), (r) => r.stage === 'closed');
    for (const r of back) expect(r).toMatchObject({ outcome: 'returned', nextSeasonEligible: true, returnedOn: today() });
    expect((await post(returnsUrl, returnRows)).json()).toMatchObject({ duplicate: true, operationId: returned.json().operationId });

    // --- after departure + grace: departed, the fourth passenger is a no-show ----------------------------
    const departed = await waitUntil(async () => {
      const d = (await get(`/departures/${departureId}`)).json();
      return d.status === 'departed' ? d : undefined;
    }, 15_000);
    expect(departed).toMatchObject({ seats: 4, passengerCount: 4, convoked: 4, embarked: 3, noShow: 1, awaitingEmbarkation: 0 });
    expect((await passengersOf(departureId)).find((p) => p.nationalId === absent)!.status).toBe('no_show');
    const handle = stack.client.workflow.getHandle(departureId);
    expect(await handle.result()).toEqual({ seats: 4, convoked: 4, embarked: 3, noShow: 1 });
    // One signal and a few activities per file, never one event per worker.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.length).toBeLessThan(60);
    // The convocation and the embarkation operations each told the sailing they were done: nothing polled them.
    expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'bulkOperationDone')).toHaveLength(2);
    const [noShowRow] = await waitForCycles([cycleOf.get(absent)!], (r) => r.stage === 'closed', 10_000);
    expect(noShowRow).toMatchObject({ outcome: 'no_show', nextSeasonEligible: false });
    const mirror = await stack.db.select().from(departurePassengers).where(eq(departurePassengers.departureId, departureId));
    expect(mirror.filter((p) => p.status === 'embarked' && p.embarkedAt)).toHaveLength(3);
    const list = (await get(`/campaigns/${campaignId}/departures`)).json();
    expect(list.items).toEqual([expect.objectContaining({ departureId, status: 'departed', embarked: 3, noShow: 1 })]);

    // Convocation e-mails reached each passenger, with the letter attached.
    for (const [i, cycleId] of passengerCycles.entries()) {
      const mail = await stack.mail.waitFor((m) => m.subject.includes('Convocation') && m.text.includes(cycleId), 10_000);
      expect(mail.to).toEqual([`worker${i + 1}.${tag}@example.test`]);
      expect(mail.attachments).toHaveLength(1);
    }

    // --- the manifest, printed from the records ----------------------------------------------------------
    const manifest = await get(`/departures/${departureId}/manifest`);
    expect(manifest.statusCode).toBe(200);
    expect(manifest.headers['content-type']).toBe('application/pdf');
    const text = await pdfText(manifest.rawPayload);
    expect(text).toContain(departureId);
    expect(text).toContain(e1);
    expect(text).toContain(absent);
    expect(text).toContain(`MA${tag}1`);
    expect(text).toMatch(/Absent/);

    // --- the third embarked worker never proves a return: flagged, then closed as non_return --------------
    const [nonReturn] = await waitForCycles([embarkedCycles[2]!], (r) => r.stage === 'closed', 15_000);
    expect(nonReturn).toMatchObject({ outcome: 'non_return', nextSeasonEligible: false });
  });

  it('closes boarding before departure time: the passengers not aboard are no-shows at once', async () => {
    // The two workers left ready by the first sailing (5 and 6) and three more.
    await readyToDepart([7, 8, 9].map(person));
    const ready = await stack.db.select({ id: workerCycles.id }).from(workerCycles).where(and(eq(workerCycles.campaignId, campaignId), eq(workerCycles.stage, 'ready_to_depart')));
    expect(ready).toHaveLength(5);
    // A sailing an hour away with a day of grace: without closing boarding, nobody would be a no-show for a day.
    // Its first request stopped after writing the sailing and before starting its workflow (the rows alone are
    // written here): the retried request finds the sailing, starts its workflow and answers 200.
    const request = { departureAt: inSeconds(3600), seats: 5, createdBy: loader };
    const written = await planSailing(stack.db, campaignId, { ...request, departureAt: new Date(request.departureAt), port: 'Tanger Ville', destination: 'Tarifa' });
    expect(written.created).toBe(true);
    await expect(stack.client.workflow.getHandle(written.row.id).describe()).rejects.toThrow();
    const created = await post(`/campaigns/${campaignId}/departures`, request);
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json()).toMatchObject({ departureId: written.row.id, passengerCount: 5, remainingReady: 0 });
    const departureId = created.json().departureId as string;
    const listed = await waitUntil(async () => {
      const p = await passengersOf(departureId);
      return p.length === 5 ? p : undefined;
    }, 10_000);
    const cycles = listed.map((p) => p.cycleId);
    await waitForCycles(cycles, (r) => r.stage === 'convoked', 10_000);
    await waitUntil(async () => ((await get(`/departures/${departureId}`)).json().status === 'convoked' ? true : undefined), 10_000);

    expect((await post(`/departures/departure-nope-9/close-boarding`, { closedBy: 'port@anapec.test' })).statusCode).toBe(404);
    // only an authenticated port agent (or coordinator) closes boarding; who closed it is the token's person
    const anonymous = await stack.app.inject({ method: 'POST', url: `/departures/${departureId}/close-boarding`, headers: { authorization: '' }, payload: {} });
    expect(anonymous.statusCode).toBe(401);
    const employer = await stack.app.inject({ method: 'POST', url: `/departures/${departureId}/close-boarding`, headers: await authHeader('employer-b21000001'), payload: {} });
    expect(employer.statusCode).toBe(403);

    // Three aboard; the file is loaded and boarding closed at once, before the file has been applied.
    const aboard = listed.slice(0, 3).map((p) => p.nationalId);
    const notAboard = listed.slice(3).map((p) => p.cycleId);
    const at = new Date().toISOString();
    const file = await post(`/departures/${departureId}/embarkations?loadedBy=port@anapec.test`, aboard.map((n) => ({ nationalId: n, embarkedAt: at, passport: true, policeForm: true, ticket: true })));
    expect(file.statusCode, file.body).toBe(201);
    const closed = await stack.app.inject({ method: 'POST', url: `/departures/${departureId}/close-boarding`, headers: await authHeader('port'), payload: { closedBy: 'someone@else.test' } });
    expect(closed.statusCode, closed.body).toBe(202);
    expect(closed.json()).toMatchObject({ departureId, boardingClosed: { by: expect.stringMatching(/^Hicham Tazi \(port_agent, .*\) <demo-port>$/) } });
    // Repeating the call answers the first closure.
    const again = await post(`/departures/${departureId}/close-boarding`, { closedBy: 'someone-else@anapec.test' });
    expect([202, 409]).toContain(again.statusCode);
    if (again.statusCode === 202) expect(again.json().boardingClosed).toEqual(closed.json().boardingClosed);

    // The file is applied first (three embarked), then the two others are no-shows, long before departure time.
    const departed = await waitUntil(async () => {
      const d = (await get(`/departures/${departureId}`)).json();
      return d.status === 'departed' ? d : undefined;
    }, 20_000);
    expect(departed).toMatchObject({ seats: 5, passengerCount: 5, embarked: 3, noShow: 2, awaitingEmbarkation: 0 });
    expect(await stack.client.workflow.getHandle(departureId).result()).toEqual({ seats: 5, convoked: 5, embarked: 3, noShow: 2 });
    const noShows = await waitForCycles(notAboard, (r) => r.stage === 'closed', 10_000);
    for (const r of noShows) expect(r).toMatchObject({ outcome: 'no_show', nextSeasonEligible: false });
    const state = await stack.client.workflow.getHandle(notAboard[0]!).query(cycleStateQuery);
    expect(state.steps.at(-1)).toMatchObject({ step: 'no_show', stage: 'closed', actor: closed.json().boardingClosed.by });
    const op = (await get(`/bulk-operations/${(await stack.client.workflow.getHandle(departureId).query(departureStateQuery)).noShowOperationId}`)).json();
    expect(op).toMatchObject({ kind: 'no_show', applied: 2, refused: 0 });

    // The sailing has left: closing again or loading another file is refused.
    expect((await post(`/departures/${departureId}/close-boarding`, { closedBy: 'port@anapec.test' })).statusCode).toBe(409);
    const late = await post(`/departures/${departureId}/embarkations?loadedBy=port@anapec.test`, [{ nationalId: nid(8), embarkedAt: new Date().toISOString() }]);
    expect(late.statusCode, late.body).toBe(409);
  });
  it('refuses an embarkation until the port has handed over passport, police form and ticket, or recorded the exception', async () => {
    const people = [31, 32, 33, 34].map(person);
    const { cycleOf } = await readyToDepart(people);
    const [a, b, c, d] = people.map((p) => p.nationalId) as [string, string, string, string];
    // a sailing for one farm only takes its workers
    const otherFarm = await post(`/campaigns/${campaignId}/departures`, { departureAt: inSeconds(3600), seats: 4, employerId: 'B99999999' });
    expect(otherFarm.statusCode).toBe(409);
    expect(otherFarm.json().message).toMatch(/employed by B99999999/);
    const res = await post(`/campaigns/${campaignId}/departures`, { departureAt: inSeconds(3600), seats: 4, embarkationGrace: '1h' });
    expect(res.statusCode, res.body).toBe(201);
    const departureId = res.json().departureId as string;
    await waitForCycles([...cycleOf.values()], (r) => r.stage === 'convoked', 20_000);
    const missingOf = async () => new Map((await passengersOf(departureId)).map((p) => [p.nationalId, (p as unknown as { handoverMissing: string[] }).handoverMissing]));
    expect([...(await missingOf()).values()]).toEqual(Array(4).fill(['passport', 'police form', 'ticket']));

    // the single step is refused while nothing is handed over
    const single = await post(`/cycles/${cycleOf.get(a)}/embarkation`, { embarkedAt: new Date().toISOString() });
    expect(single.statusCode, single.body).toBe(409);
    expect(single.json().message).toMatch(/has not handed over passport, police form, ticket/);

    // A ticked in full, B without the ticket, C by the checklist file with an exception (and a stranger refused)
    const tick = (nationalId: string, body: Record<string, unknown>) => stack.app.inject({ method: 'PUT', url: `/departures/${departureId}/passengers/${cycleOf.get(nationalId)}/handover`, payload: body });
    expect((await tick(a, { passport: true, policeForm: true, ticket: true })).json()).toMatchObject({ handoverMissing: [] });
    expect((await tick(b, { passport: true, policeForm: true, ticket: false })).json()).toMatchObject({ handoverMissing: ['ticket'] });
    const checklist = await post(`/departures/${departureId}/handovers`, [
      { nationalId: c, passport: true, policeForm: false, ticket: false, exception: 'police form and ticket issued on board by the shipping line' },
      { nationalId: 'ZZ0000001', passport: true, policeForm: true, ticket: true },
    ]);
    expect(checklist.statusCode, checklist.body).toBe(200);
    expect(checklist.json()).toMatchObject({ rowsRecorded: 1, rowsRefused: 1, stillMissing: 2, errors: [{ line: 2, field: 'nationalId' }] });

    // the embarkation sheet: D ticked on the sheet itself; B still without her ticket is refused by line
    const at = new Date().toISOString();
    const sheet = ['nationalId,embarkedAt,passport,policeForm,ticket', `${a},${at},,,`, `${b},${at},,,`, `${c},${at},,,`, `${d},${at},oui,oui,oui`].join('\n');
    const embarked = await stack.app.inject({ method: 'POST', url: `/departures/${departureId}/embarkations`, headers: { 'content-type': 'text/csv' }, payload: sheet });
    expect(embarked.statusCode, embarked.body).toBe(201);
    expect(embarked.json()).toMatchObject({ rowsAccepted: 3, rowsRejected: 1 });
    expect(embarked.json().errors).toEqual([{ line: 3, field: 'handover', reason: expect.stringMatching(/not handed over yet: ticket/) }]);
    expect(await operationDone(embarked.json().operationId)).toMatchObject({ applied: 3, refused: 0 });
    expect(await missingOf()).toEqual(new Map([[a, []], [b, ['ticket']], [c, []], [d, []]]));

    // the manifest counts the handovers; once B has her ticket she embarks by the single step
    const text = await pdfText((await get(`/departures/${departureId}/manifest`)).rawPayload);
    expect(text).toMatch(/Remises faites/);
    expect(text).toMatch(/3 \/ 4/);
    await tick(b, { passport: true, policeForm: true, ticket: true });
    const late = await post(`/cycles/${cycleOf.get(b)}/embarkation`, { embarkedAt: new Date().toISOString() });
    expect(late.statusCode, late.body).toBe(200);
    expect((await tick(b, { passport: true, policeForm: true, ticket: true })).statusCode).toBe(409);
  });
  it('plans a return sailing for the workers whose contracts end soonest and records their returns from its arrivals', async () => {
    const people = [41, 42, 43].map(person);
    const { cycleOf } = await readyToDepart(people, { ...timings, seasonLength: '10m' });
    const out = await post(`/campaigns/${campaignId}/departures`, { departureAt: inSeconds(3600), seats: 3, embarkationGrace: '1h' });
    expect(out.statusCode, out.body).toBe(201);
    const outbound = out.json().departureId as string;
    await waitForCycles([...cycleOf.values()], (r) => r.stage === 'convoked', 20_000);
    const at = new Date().toISOString();
    await operationDone((await post(`/departures/${outbound}/embarkations`, people.map((p) => ({ nationalId: p.nationalId, embarkedAt: at, passport: true, policeForm: true, ticket: true })))).json().operationId);
    await waitForCycles([...cycleOf.values()], (r) => r.stage === 'in_season', 20_000);

    // the earlier tests' workers (3-second seasons) are closed first, so that only these three are in the season
    const mine = [...cycleOf.values()];
    await waitUntil(async () => {
      const others = await stack.db.select({ id: workerCycles.id }).from(workerCycles)
        .where(and(eq(workerCycles.campaignId, campaignId), inArray(workerCycles.stage, ['in_season', 'awaiting_return'])));
      return others.every((o) => mine.includes(o.id)) || undefined;
    }, 60_000);
    // two seats home: two of the three are booked; the same request again finds the sailing
    const body = { departureAt: inSeconds(7200), seats: 2 };
    const planned = await post(`/campaigns/${campaignId}/return-sailings`, body);
    expect(planned.statusCode, planned.body).toBe(201);
    expect(planned.json()).toMatchObject({ direction: 'return', port: 'Tarifa', destination: 'Tanger Ville', passengerCount: 2, remainingReady: 1 });
    const homeward = planned.json().departureId as string;
    expect((await post(`/campaigns/${campaignId}/return-sailings`, body)).statusCode).toBe(200);
    const booked = await passengersOf(homeward);
    expect(booked).toHaveLength(2);

    // outbound-only steps refuse it; its arrivals list records the returns (a stranger's row refused by line)
    expect((await post(`/departures/${homeward}/embarkations`, [{ nationalId: booked[0]!.nationalId, embarkedAt: at }])).statusCode).toBe(409);
    expect((await post(`/departures/${homeward}/close-boarding`, {})).statusCode).toBe(409);
    expect((await post(`/departures/${outbound}/arrivals`, [{ nationalId: booked[0]!.nationalId, arrivedOn: today() }])).statusCode).toBe(409);
    const arrivals = await post(`/departures/${homeward}/arrivals`, [...booked.map((p) => ({ nationalId: p.nationalId, arrivedOn: today() })), { nationalId: nid(9), arrivedOn: today() }]);
    expect(arrivals.statusCode, arrivals.body).toBe(201);
    expect(arrivals.json()).toMatchObject({ rowsAccepted: 2, rowsRejected: 1, errors: [{ line: 3, field: 'nationalId' }] });
    expect(await operationDone(arrivals.json().operationId)).toMatchObject({ kind: 'return', applied: 2, refused: 0 });
    const home = await waitForCycles(booked.map((p) => p.cycleId), (r) => r.stage === 'closed');
    for (const r of home) expect(r).toMatchObject({ outcome: 'returned', returnProof: 'port_exit_record', nextSeasonEligible: true });
    expect((await get(`/departures/${homeward}`)).json()).toMatchObject({ embarked: 2 });
  });
});
