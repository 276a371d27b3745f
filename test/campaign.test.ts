// The campaign workflow: stage moves refused when out of order or when their preconditions fail, and the
// reserve list replacing a selected worker who drops out.
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { campaigns, reserveCalls, workerCycles } from '../db/schema';
import { recordHistories } from './record-histories';
import { requestsTo, withTestStack, bulkOperationDone, sampleCampaign, uniqueSuffix, waitUntil, type TestStack } from './support';

let stack: TestStack;
/** The campaigns this file ran, kept for the replay test when RECORD_HISTORIES=<version> (test/record-histories.ts). */
const recorded: { name: string; workflowId: string }[] = [];
withTestStack((s) => (stack = s), (s) => recordHistories(s, recorded));

const { post } = requestsTo(() => stack);
const longTimings = encodeURIComponent(JSON.stringify({ selectionDeadline: '120s', authorisationDeadline: '120s' }));

const operationDone = (operationId: string) => bulkOperationDone(stack.app, operationId);

/**
 * A campaign at the selection stage: its candidates loaded (`reserveRanks[i]` for candidate i + 1: a rank puts her on
 * the reserve list), candidates 1 and 2 selected on its first offer, and the first of them (worker1).
 */
async function campaignAtSelection(id: string, o: { prefix: string; reserveCheckInterval: string; reserveRanks: (number | undefined)[]; province: (i: number) => string }) {
  const created = await post('/campaigns', { ...sampleCampaign(id, 'B21666666'), reserveCheckInterval: o.reserveCheckInterval, reserveCutoff: '2099-12-31' });
  const offerId: string = created.json().offers[0].id;
  const tag = Date.now().toString().slice(-5);
  const person = (i: number, reserveRank?: number) => ({
    nationalId: `${o.prefix}${tag}${i}`, firstName: 'Naima', lastName: `Test${i}`, birthDate: '1990-01-01', sex: 'F', province: o.province(i),
    commune: 'Mnasra', householdSituation: 'mariée', phone: '+212600000000', ...(reserveRank ? { reserveRank } : {}),
  });
  const load = await post(`/campaigns/${id}/intake/candidates?loadedBy=coord&timings=${longTimings}`, o.reserveRanks.map((rank, i) => person(i + 1, rank)));
  expect(load.statusCode, load.body).toBe(201);
  await operationDone(load.json().operationId);

  for (const to of ['registration', 'preselection', 'selection']) expect((await post(`/campaigns/${id}/stage`, { to, by: 'coord' })).statusCode).toBe(200);
  const sel = await post(`/campaigns/${id}/intake/selection?loadedBy=coord`, [1, 2].map((i) => ({ nationalId: `${o.prefix}${tag}${i}`, decision: 'selected', offerId, decidedBy: 'employer' })));
  await operationDone(sel.json().operationId);

  const cycles = await stack.db.select().from(workerCycles).where(eq(workerCycles.campaignId, id));
  const worker1 = cycles.find((c) => c.reserveRank === null && c.offerId === offerId)!;
  expect(worker1).toBeTruthy();
  return { offerId, cycles, worker1 };
}

describe('campaign workflow', () => {
  it('moves stage by stage and refuses moves that skip a stage or whose preconditions fail', async () => {
    const id = `cp-${uniqueSuffix()}`;
    recorded.push({ name: 'campaign-stage-moves', workflowId: `campaign-${id}` });
    const created = await post('/campaigns', { ...sampleCampaign(id, 'B21555555'), reserveCheckInterval: '1s' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().stage).toBe('draft');

    const skip = await post(`/campaigns/${id}/stage`, { to: 'selection', by: 'coord' });
    expect(skip.statusCode).toBe(409);
    expect(skip.json().message).toMatch(/the next stage is registration/);
    expect((await post(`/campaigns/${id}/stage`, { to: 'registration', by: 'coord' })).statusCode).toBe(200);
    const noCandidates = await post(`/campaigns/${id}/stage`, { to: 'preselection', by: 'coord' });
    expect(noCandidates.statusCode).toBe(409);
    expect(noCandidates.json().message).toBe('cannot move to preselection: no candidate has been loaded');
    expect((await post(`/campaigns/nope-2099/stage`, { to: 'registration', by: 'coord' })).statusCode).toBe(404);
    expect((await post(`/campaigns/${id}/stage`, { to: 'later', by: 'coord' })).statusCode).toBe(400);

    const [row] = await stack.db.select().from(campaigns).where(eq(campaigns.id, id));
    expect(row?.stage).toBe('registration');
    const found = await waitUntil(async () => {
      for await (const wf of stack.client.workflow.list({ query: `CampaignId = '${id}' AND Stage = 'registration' AND WorkflowType = 'campaignWorkflow'` })) return wf.workflowId;
      return undefined;
    });
    expect(found).toBe(`campaign-${id}`);
  });

  it('replaces a selected worker who withdraws with the first reserve, until the cut-off', async () => {
    const id = `cp-${uniqueSuffix()}`;
    recorded.push({ name: 'campaign-reserve-list', workflowId: `campaign-${id}` });
    const { offerId, worker1 } = await campaignAtSelection(id, { prefix: 'CP', reserveCheckInterval: '1s', reserveRanks: [undefined, undefined, 2, 1], province: (i) => (i % 2 ? 'Kénitra' : 'Larache') });
    expect((await post(`/cycles/${worker1.id}/withdrawal`, { reason: 'pregnant', recordedBy: 'agency' })).statusCode).toBe(202);

    // The first reserve (rank 1) is selected for the vacated post; rank 2 stays on the list.
    const call = await waitUntil(async () => {
      const calls = await stack.db.select().from(reserveCalls).where(eq(reserveCalls.campaignId, id));
      return calls.find((c) => c.status === 'selected');
    }, 30_000);
    expect(call.vacatedCycleId).toBe(worker1.id);
    const reserveRow = await waitUntil(async () => {
      const [r] = await stack.db.select().from(workerCycles).where(eq(workerCycles.id, call.reserveCycleId));
      return r?.stage === 'selected' ? r : undefined;
    });
    expect(reserveRow).toMatchObject({ reserveRank: 1, offerId });

    const view = (await stack.app.inject({ method: 'GET', url: `/campaigns/${id}` })).json();
    expect(view.reserve).toMatchObject({ onList: 2, called: 1, refused: 0 });
    expect(view.employers).toEqual([{ employerId: 'B21666666', name: 'Fresas del Condado SL', posts: 50, filled: 2 }]);
    expect(view.provinces.map((p: { province: string; cycles: number }) => [p.province, p.cycles])).toEqual([['Kénitra', 2], ['Larache', 2]]);
    // No double call on later checks.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await stack.db.select().from(reserveCalls).where(eq(reserveCalls.campaignId, id))).filter((c) => c.status === 'selected')).toHaveLength(1);
  });

  it('finishes a reserve call that a crashed check recorded but never made', async () => {
    const id = `cp-${uniqueSuffix()}`;
    // the check runs on each stage move only: the test says when
    const { offerId, cycles, worker1 } = await campaignAtSelection(id, { prefix: 'CR', reserveCheckInterval: '1h', reserveRanks: [undefined, undefined, 1], province: () => 'Larache' });
    const reserve = cycles.find((c) => c.reserveRank === 1)!;
    expect((await post(`/cycles/${worker1.id}/withdrawal`, { reason: 'pregnant', recordedBy: 'agency' })).statusCode).toBe(202);
    await waitUntil(async () => (await stack.db.select().from(workerCycles).where(eq(workerCycles.id, worker1.id)))[0]?.outcome === 'withdrawn');

    // What a check killed between recording the call and selecting the reserve leaves behind: the call, 'called'.
    await stack.db.insert(reserveCalls).values({ campaignId: id, offerId, vacatedCycleId: worker1.id, reserveCycleId: reserve.id });
    expect((await post(`/campaigns/${id}/stage`, { to: 'authorisation', by: 'coord' })).statusCode).toBe(200);

    const reserveRow = await waitUntil(async () => {
      const [r] = await stack.db.select().from(workerCycles).where(eq(workerCycles.id, reserve.id));
      return r?.stage === 'selected' ? r : undefined;
    }, 30_000);
    expect(reserveRow).toMatchObject({ offerId });
    const calls = await waitUntil(async () => {
      const rows = await stack.db.select().from(reserveCalls).where(eq(reserveCalls.campaignId, id));
      return rows.every((c) => c.status === 'selected') ? rows : undefined;
    });
    expect(calls.map((c) => [c.vacatedCycleId, c.reserveCycleId])).toEqual([[worker1.id, reserve.id]]);
  });
});
