// Consular visa batches on the real servers: assembly within the week's capacity, lodgement (bulk visa files),
// decisions in bulk (CSV), the manifest, escalation of a silent batch, and a batch never lodged.
import { describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { campaigns, emailOutbox, visaBatches, workerCycles } from '../db/schema';
import { batchStateQuery, visaBatchId, type VisaBatchSummary } from '../workflows/contracts/visa-batch';
import { pdfText } from './pdf';
import { recordHistories } from './record-histories';
import { bulkOperationDone, fastTimings, openSampleCampaign, patientSteps, testConfig, waitUntil, withTestStack, type TestStack } from './support';
import { byRegistration } from '../db/queries/registration-order';

let stack: TestStack;
let campaignId: string;
const tag = Date.now().toString().slice(-5);
const nid = (i: number) => `VB${tag}${i}`;
// The worker cycles must not lapse while the batches run: every cycle deadline is well beyond the test.
const cycleTimings = { ...fastTimings, ...patientSteps };
const WEEK = '2027-01-04';
const NEXT_WEEK = '2027-01-11';

const operationDone = (operationId: string) => bulkOperationDone(stack.app, operationId, 30_000);
/** The campaign's cycles of the given candidates (1-based, in file order = candidate id order). */
async function cyclesOf(nids: number[]) {
  const rows = await stack.db.select().from(workerCycles).where(eq(workerCycles.campaignId, campaignId)).orderBy(byRegistration);
  return nids.map((i) => rows[i - 1]!);
}
function assemble(weekStart: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return stack.app.inject({ method: 'POST', url: `/campaigns/${campaignId}/visa-batches`, headers, payload: { weekStart, createdBy: 'liaison@anapec.test', ...extra } });
}
function lodge(batchId: string, lodgedOn = '2027-01-05') {
  return stack.app.inject({ method: 'POST', url: `/visa-batches/${batchId}/lodge`, payload: { lodgedOn, lodgedBy: 'liaison@anapec.test' } });
}
async function getBatch(batchId: string) {
  return (await stack.app.inject({ method: 'GET', url: `/visa-batches/${batchId}` })).json();
}
/** A batch's members, in manifest order (one page: these batches are small). */
async function membersOf(batchId: string) {
  return (await stack.app.inject({ method: 'GET', url: `/visa-batches/${batchId}/members?limit=1000` })).json().items;
}

withTestStack(
  async (s) => {
    stack = s;
    const opened = await openSampleCampaign(s, 'vb', 'B21444555');
    campaignId = opened.campaignId;
    const offerId = opened.offerId;
    await stack.db.update(campaigns).set({ visaWeeklyCapacity: 5 }).where(eq(campaigns.id, campaignId));

    const header = 'nationalId,firstName,lastName,birthDate,sex,province,commune,householdSituation,phone,passportNumber,passportExpiry';
    const lines = [1, 2, 3, 4, 5, 6, 7, 8].map((i) =>
      i === 2
        ? `${nid(i)},Zineb,Tazi,1989-05-06,F,Larache,Ksar El Kebir,veuve,+212600000002,,` // no passport yet
        : `${nid(i)},Amina${i},Alaoui,1991-01-0${i},F,Kénitra,Mnasra,"mariée, 2 enfants",+21260000000${i},MA${tag}${i},2031-0${i}-15`,
    );
    const timings = encodeURIComponent(JSON.stringify(cycleTimings));
    const cand = await stack.app.inject({
      method: 'POST',
      url: `/campaigns/${campaignId}/intake/candidates?loadedBy=coord@anapec.test&timings=${timings}`,
      headers: { 'content-type': 'text/csv' },
      payload: [header, ...lines].join('\n'),
    });
    expect(cand.statusCode, cand.body).toBe(201);
    expect(cand.json().rowsAccepted).toBe(8);
    await operationDone(cand.json().operationId);

    const all = [1, 2, 3, 4, 5, 6, 7, 8];
    const sel = await stack.app.inject({
      method: 'POST',
      url: `/campaigns/${campaignId}/intake/selection?loadedBy=coord@anapec.test`,
      payload: all.map((i) => ({ nationalId: nid(i), decision: 'selected', offerId, decidedBy: 'rrhh@fresas.test' })),
    });
    expect(sel.statusCode, sel.body).toBe(201);
    await operationDone(sel.json().operationId);
    const auth = await stack.app.inject({
      method: 'POST',
      url: `/campaigns/${campaignId}/intake/authorisations?loadedBy=sigecco@anapec.test`,
      payload: all.map((i) => ({ nationalId: nid(i), authorisationNumber: `AUT-${tag}-${i}`, issuedOn: '2026-11-02' })),
    });
    expect(auth.statusCode, auth.body).toBe(201);
    expect((await operationDone(auth.json().operationId)).applied).toBe(8);
    const cycles = await cyclesOf(all);
    expect(cycles.map((c) => c.stage)).toEqual(all.map(() => 'authorised'));
  },
  async () => {
    const batches = await stack.db.select({ id: visaBatches.id, seq: visaBatches.seq }).from(visaBatches).where(eq(visaBatches.campaignId, campaignId));
    await recordHistories(stack, batches.map((b) => ({ name: `visa-batch-${b.seq}`, workflowId: b.id })));
    // Leave nothing running on the shared dev server for the next test files.
    const ids = [
      ...(await stack.db.select({ id: visaBatches.id }).from(visaBatches).where(eq(visaBatches.campaignId, campaignId))).map((r) => r.id),
      ...(await stack.db.select({ id: workerCycles.id }).from(workerCycles).where(eq(workerCycles.campaignId, campaignId))).map((r) => r.id),
    ];
    await Promise.all(ids.map((id) => stack.client.workflow.getHandle(id).terminate('test finished').catch(() => undefined)));
  },
);

let batch1: string;
let batch2: string;

describe('consular visa batches', () => {
  it('assembles batches within the consulate weekly capacity and splits the rest into the next week', async () => {
    const first = await assemble(WEEK, { timings: { decisionDeadline: '60s', escalationGrace: '60s' } });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ seq: 1, weekStart: WEEK, status: 'assembled', state: 'awaiting_lodgement', members: 5, remainingEligible: 3, weekCapacityLeft: 0 });
    expect(first.json().counts).toEqual({ members: 5, issued: 0, refused: 0, incomplete: 0, undecided: 5, awaiting: 5 });
    batch1 = first.json().batchId;
    expect(batch1).toBe(`visa-${campaignId}-1`);

    const full = await assemble(WEEK);
    expect(full.statusCode).toBe(409);
    expect(full.json().message).toMatch(/capacity for the week of 2027-01-04 is used up: 5 of 5/);

    const second = await assemble(NEXT_WEEK, { timings: { decisionDeadline: '2s', escalationGrace: '4s' } });
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json()).toMatchObject({ seq: 2, members: 3, remainingEligible: 0, weekCapacityLeft: 2 });
    batch2 = second.json().batchId;

    // Everyone waiting is already in an open batch.
    const none = await assemble('2027-01-18');
    expect(none.statusCode).toBe(409);
    expect(none.json().message).toMatch(/no visa file/);

    const list = (await stack.app.inject({ method: 'GET', url: `/campaigns/${campaignId}/visa-batches` })).json();
    expect(list.items.map((b: { batchId: string; members: number }) => [b.batchId, b.members])).toEqual([[batch1, 5], [batch2, 3]]);
    expect(list).toMatchObject({ total: 2, limit: 100, offset: 0 });
    const members = await membersOf(batch1);
    expect(members.map((m: { nationalId: string }) => m.nationalId)).toEqual([1, 2, 3, 4, 5].map(nid));
    expect(members.every((m: { attempt: number; decision: null }) => m.attempt === 1 && m.decision === null)).toBe(true);
    // Paged: the second page of two starts at the manifest's third line.
    const page = (await stack.app.inject({ method: 'GET', url: `/visa-batches/${batch1}/members?limit=2&offset=2` })).json();
    expect(page).toMatchObject({ total: 5, limit: 2, offset: 2 });
    expect(page.items.map((m: { n: number; nationalId: string }) => [m.n, m.nationalId])).toEqual([[3, nid(3)], [4, nid(4)]]);
    expect((await stack.app.inject({ method: 'GET', url: `/visa-batches/${batch1}/members?limit=5000` })).statusCode).toBe(400);
    expect((await stack.app.inject({ method: 'GET', url: `/visa-batches/visa-${campaignId}-99` })).statusCode).toBe(404);
    const openapi = await stack.app.inject({ method: 'GET', url: '/docs/json' });
    expect(openapi.statusCode).toBe(200);
    expect(Object.keys(openapi.json().paths)).toEqual(expect.arrayContaining(['/campaigns/{campaignId}/visa-batches', '/visa-batches/{batchId}/decisions', '/visa-batches/{batchId}/manifest']));
  });

  it('lodges a batch: every member file is submitted; lodging twice is refused', async () => {
    const early = await stack.app.inject({ method: 'POST', url: `/visa-batches/${batch1}/decisions?loadedBy=x`, headers: { 'content-type': 'text/csv' }, payload: `nationalId,decision,visaNumber\n${nid(1)},issued,V1234` });
    expect(early.statusCode).toBe(409);

    const res = await lodge(batch1);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'lodged', state: 'awaiting_decisions', lodgedOn: '2027-01-05' });
    expect(res.json().decisionDeadlineAt).toBeTruthy();
    const lodgement = await operationDone(res.json().lodgeOperationId);
    expect(lodgement).toMatchObject({ kind: 'visa_lodge', total: 5, applied: 5, refused: 0 });
    const live = await stack.client.workflow.getHandle(batch1).query(batchStateQuery);
    expect(live).toMatchObject({ stage: 'lodged', members: 5, lodgedOn: '2027-01-05', lodgeOperationId: lodgement.id, waitingFor: "the consulate's decisions" });
    expect(live.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    const again = await lodge(batch1);
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/only an assembled batch can be lodged/);
    expect((await lodge(`visa-${campaignId}-99`)).statusCode).toBe(404);
    expect((await stack.app.inject({ method: 'POST', url: `/visa-batches/${batch1}/lodge`, payload: { lodgedOn: 'yesterday', lodgedBy: 'x' } })).statusCode).toBe(400);

    const cycles = await cyclesOf([1, 2, 3, 4, 5]);
    expect(cycles.map((c) => c.stage)).toEqual([1, 2, 3, 4, 5].map(() => 'visa_submitted'));
    expect(cycles.map((c) => c.visaFileReference)).toEqual([1, 2, 3, 4, 5].map((n) => `${batch1}/${n}`));
    // The next batch's workers are untouched.
    expect((await cyclesOf([6, 7, 8])).map((c) => c.stage)).toEqual(['authorised', 'authorised', 'authorised']);
  });

  it('records the consulate decisions from a CSV: bad rows by line and field, good rows applied, a reload changes nothing', async () => {
    const csv = [
      'nationalId,decision,visaNumber,reason',
      `${nid(1)},issued,ESP-V-0001,`,
      `${nid(2)},issued,ESP-V-0002,`,
      `${nid(3)},issued,ESP-V-0003,`,
      `${nid(4)},refused,,antécédents`,
      `${nid(5)},incomplete,,justificatif de domicile manquant`,
      `${nid(6)},issued,ESP-V-0006,`, // in the other batch
      `ZZ999999,issued,ESP-V-0999,`, // nobody
      `${nid(3)},issued,,`, // issued without its number
    ].join('\n');
    const url = `/visa-batches/${batch1}/decisions?loadedBy=liaison@anapec.test`;
    const res = await stack.app.inject({ method: 'POST', url, headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ rowsTotal: 8, rowsAccepted: 5, rowsRejected: 3, duplicate: false });
    expect(body.errors).toEqual([
      { line: 7, field: 'nationalId', reason: `${nid(6)} is not a member of visa batch ${batch1}` },
      { line: 8, field: 'nationalId', reason: `ZZ999999 is not a member of visa batch ${batch1}` },
      { line: 9, field: 'visaNumber', reason: 'required when the visa is issued' },
    ]);

    const reload = await stack.app.inject({ method: 'POST', url, headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(reload.statusCode).toBe(200);
    expect(reload.json()).toMatchObject({ duplicate: true, fileId: body.fileId, operationId: body.operationId });

    const decided = await waitUntil(async () => {
      const b = await getBatch(batch1);
      return b.status === 'decided' ? b : undefined;
    });
    expect(decided.state).toBe('decided');
    expect(decided.counts).toEqual({ members: 5, issued: 3, refused: 1, incomplete: 1, undecided: 0, awaiting: 0 });
    const summary = (await stack.client.workflow.getHandle(batch1).result()) as VisaBatchSummary;
    expect(summary).toMatchObject({ outcome: 'decided', members: 5, escalated: false, decisionOperations: [body.operationId] });
    // The decisions operation told the batch it was done (no activity polled it): one signal, one count after it.
    const events = (await stack.client.workflow.getHandle(batch1).fetchHistory()).events ?? [];
    const done = events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'bulkOperationDone');
    expect(done).toHaveLength(1);
    const counted = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'countVisaBatchDecisions');
    expect(counted).toHaveLength(1);

    const cycles = await cyclesOf([1, 2, 3, 4, 5]);
    expect(cycles.map((c) => [c.stage, c.outcome])).toEqual([
      ['visa_issued', null],
      ['visa_issued', null],
      ['visa_issued', null],
      ['closed', 'visa_refused'],
      ['visa_incomplete', null],
    ]);
    expect(cycles[0]!.visaNumber).toBe('ESP-V-0001');

    // A decided member cannot be decided again through a new file.
    const late = await stack.app.inject({ method: 'POST', url, payload: [{ nationalId: nid(1), decision: 'refused', reason: 'erreur' }] });
    expect(late.statusCode).toBe(201);
    expect(late.json()).toMatchObject({ rowsAccepted: 0, operationId: null });
    expect(late.json().errors[0]).toMatchObject({ line: 1, field: 'decision' });
  });

  it('prints the batch manifest as a PDF listing the workers and their documents', async () => {
    const res = await stack.app.inject({ method: 'GET', url: `/visa-batches/${batch1}/manifest` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.rawPayload.subarray(0, 4).toString()).toBe('%PDF');
    const text = await pdfText(res.rawPayload);
    expect(text).toContain(batch1);
    for (const i of [1, 2, 3, 4, 5]) expect(text).toContain(nid(i));
    expect(text).toContain(`MA${tag}1`); // passport number
    expect(text).toContain(`AUT-${tag}-1`); // work authorisation
    expect(text).toContain('Fresas del Condado SL');
    expect(text).toContain('NON'); // worker 2 has no passport yet
    expect((await stack.app.inject({ method: 'GET', url: `/visa-batches/visa-${campaignId}-99/manifest` })).statusCode).toBe(404);
  });

  it('escalates a lodged batch with no decision by its deadline to the consular liaison team', async () => {
    // Two lodgements at once: the workflow's validator accepts one and refuses the other.
    const both = await Promise.all([lodge(batch2, '2027-01-12'), lodge(batch2, '2027-01-12')]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);

    const mail = await stack.mail.waitFor((m) => m.subject.includes(batch2) && m.subject.includes('sans décision'), 20_000);
    expect(mail.to).toEqual([testConfig.CONSULAR_LIAISON_EMAIL]);
    expect(mail.text).toContain(nid(6));
    const escalated = await getBatch(batch2);
    expect(escalated).toMatchObject({ status: 'escalated', state: 'decisions_overdue', lodgedOn: '2027-01-12' });
    expect(escalated.escalatedAt).toBeTruthy();
    expect(escalated.counts).toMatchObject({ members: 3, undecided: 3 });

    // After the grace period the batch ends undecided; the escalation was sent once.
    const summary = (await stack.client.workflow.getHandle(batch2).result()) as VisaBatchSummary;
    expect(summary).toMatchObject({ outcome: 'undecided', escalated: true, members: 3 });
    const outbox = await stack.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, `${batch2}:escalation`));
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.sentAt).toBeTruthy();

    // Decisions arriving after the batch ended still reach the workers' cycles and the batch's counts.
    const late = await stack.app.inject({
      method: 'POST',
      url: `/visa-batches/${batch2}/decisions?loadedBy=liaison@anapec.test`,
      payload: [{ nationalId: nid(6), decision: 'issued', visaNumber: 'ESP-V-0006' }],
    });
    expect(late.statusCode, late.body).toBe(201);
    expect((await operationDone(late.json().operationId)).applied).toBe(1);
    expect(await getBatch(batch2)).toMatchObject({ status: 'escalated', counts: { issued: 1, undecided: 2 } });
    expect((await cyclesOf([6]))[0]!.stage).toBe('visa_issued');
  });

  it('puts a resubmitted file in a later batch; a batch never lodged is escalated, closed, and frees its files', async () => {
    const res = await assemble('2027-01-18', { timings: { lodgeDeadline: '1s', escalationGrace: '2s' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ seq: 3, members: 1 });
    const batch3: string = res.json().batchId;
    expect(await membersOf(batch3)).toMatchObject([{ nationalId: nid(5), attempt: 2, stage: 'visa_incomplete' }]);

    const mail = await stack.mail.waitFor((m) => m.subject.includes(batch3) && m.subject.includes('non déposé'), 20_000);
    expect(mail.to).toEqual([testConfig.CONSULAR_LIAISON_EMAIL]);
    const summary = (await stack.client.workflow.getHandle(batch3).result()) as VisaBatchSummary;
    expect(summary).toMatchObject({ outcome: 'not_lodged', escalated: true });
    expect(await getBatch(batch3)).toMatchObject({ status: 'escalated', state: 'not_lodged', lodgedOn: null });
    expect((await lodge(batch3)).statusCode).toBe(409);

    // With an Idempotency-Key the same request sent again (its answer lost, or a 503 after the commit) finds this
    // batch instead of assembling another; the key used for another week is refused.
    const key = { 'idempotency-key': `assemble-${campaignId}-0125` };
    const again = await assemble('2027-01-25', {}, key);
    expect(again.statusCode, again.body).toBe(201);
    expect(await membersOf(again.json().batchId)).toMatchObject([{ nationalId: nid(5), attempt: 3 }]);
    const retried = await assemble('2027-01-25', {}, key);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ batchId: again.json().batchId, members: 1, remainingEligible: 0 });
    const reused = await assemble('2027-02-08', {}, key);
    expect(reused.statusCode, reused.body).toBe(422);
    expect(reused.json().issues).toEqual([{ field: 'headers.idempotency-key', reason: 'already used for another request' }]);
    const live = await waitUntil(async () => {
      const q = await stack.client.workflow.getHandle(again.json().batchId).query(batchStateQuery);
      return q.members === 1 ? q : undefined;
    });
    expect(live).toMatchObject({ stage: 'assembled', waitingFor: 'lodgement with the consulate' });
  });

  it('starts the workflow of a batch whose request stopped after writing it: the next assembly does', async () => {
    // The rows of a batch written two minutes ago whose workflow never started (its request died in between).
    const orphan = visaBatchId(campaignId, 99);
    await stack.db.insert(visaBatches).values({ id: orphan, campaignId, seq: 99, weekStart: '2027-02-01', capacity: 1, status: 'assembled', members: 0, createdBy: 'liaison@anapec.test', createdAt: new Date(Date.now() - 120_000) });
    await expect(stack.client.workflow.getHandle(orphan).describe()).rejects.toThrow();
    const next = await assemble('2027-02-01');
    expect(next.statusCode, next.body).toBe(409); // no file is waiting: no new batch, but the orphan is repaired
    expect((await stack.client.workflow.getHandle(orphan).describe()).status.name).toBe('RUNNING');
  });
});
