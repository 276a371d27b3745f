// Operators (issue 17): every workflow says in the Temporal UI what it is and what it waits for (static summary and
// details, current details, timer and activity summaries), and the stuck cases are found — a cycle whose activity
// keeps failing and one whose workflow task keeps failing, jammed on purpose on a task queue of their own — by
// GET /operations/stuck-workflows and by `npm run stuck`'s function, on the real Temporal server.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { NativeConnection } from '@temporalio/worker';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { inject } from 'vitest';
import { createActivities } from '../activities';
import { campaignAttributes, startContextWorkflow } from '../activities/start-workflow';
import { documentRenderer } from '../templates/render';
import { bundleWorkflows, createMailer, workerActivityInterceptors } from '../worker/create-worker';
import { droppedWorkflowSpans } from '../worker/tracing';
import { WORKER_CYCLE_TASK_QUEUE, workerCycleWorkflowId, type WorkerCycleInput } from '../workflows/contracts/worker-cycle';
import { StageKey } from '../workflows/contracts/search-attributes';
import type { workerCycleWorkflow } from '../workflows/worker-cycle';
import { safeFailureMessage, type StuckReport } from '../api/stuck-workflows';
import { formatStuckListing, listStuckWorkflows } from '../scripts/lib/stuck-listing';
import { loadConfig } from '../config';
import { resolveTemporalBinary } from '../scripts/lib/temporal-binary';
import { authHeader, tokenFor } from './tokens';
import { fastTimings, openCampaignForSteps, requestsTo, sampleCampaign, sampleCandidate, testConfig, testDataConverter, uniqueSuffix, waitUntil, withTestStack, type TestStack } from './support';

let stack: TestStack;
withTestStack((s) => (stack = s));
const { post, get } = requestsTo(() => stack);

/** A user-metadata payload as the UI shows it: decrypted by the codec, then decoded. */
async function text(p: Payload | null | undefined): Promise<string | undefined> {
  if (!p) return undefined;
  const [decoded] = await testDataConverter.payloadCodecs[0]!.decode([p as Payload]);
  return defaultPayloadConverter.fromPayload<string>(decoded!);
}

/** What the UI's "current details" shows: the SDK's built-in metadata query. */
async function currentDetails(workflowId: string): Promise<string> {
  const meta = await stack.client.workflow.getHandle(workflowId).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return meta.currentDetails ?? '';
}

describe('workflows that explain themselves', () => {
  it('a cycle has a static summary and details without personal data, its wait in current details, and named timers', async () => {
    const campaignId = `ops-ui-${uniqueSuffix()}`;
    expect((await post('/campaigns', sampleCampaign(campaignId, 'B21000031'))).statusCode).toBe(201);
    const person = sampleCandidate();
    const candidate = (await post('/candidates', person)).json();
    const started = await post(`/campaigns/${campaignId}/cycles`, { candidateId: candidate.id, timings: { ...fastTimings, selectionDeadline: '1h' } });
    expect(started.statusCode, started.body).toBe(201);
    const cycleId = started.json().cycleId as string;
    await waitUntil(async () => (await get(`/cycles/${cycleId}`)).json().state?.waitingFor);

    const handle = stack.client.workflow.getHandle(cycleId);
    const description = await handle.describe();
    const summary = await description.staticSummary();
    const details = await description.staticDetails();
    expect(summary).toBe(`Worker cycle · campaign ${campaignId} (season 2027) · candidate #${candidate.id}, Kénitra · preselected`);
    expect(details).toContain('**Deadlines**: selection 1h');
    for (const personal of [person.nationalId, person.firstName, person.lastName, person.passportNumber, person.phone, person.commune]) {
      expect(`${summary}\n${details}`).not.toContain(personal);
    }

    const waiting = await currentDetails(cycleId);
    expect(waiting).toMatch(/^\*\*Waiting for the employer selection\*\* until \d{4}-\d\d-\d\d \d\d:\d\d UTC, then the preselection lapses \(selection_expired\)\./);
    expect(waiting).toContain(`Campaign ${campaignId} · candidate #${candidate.id} · stage preselected`);
    // the UI's "Stack Trace" is off by default (WORKFLOW_STACK_TRACES): the query says so instead of hanging or
    // answering nothing, and the current details above are what an operator reads
    await expect(handle.query('__stack_trace')).rejects.toThrow(/stack traces are not enabled on this worker/);

    // the deadline's timer and the transition are named in the history (user metadata, encrypted like every payload)
    const history = await handle.fetchHistory();
    const timers = await Promise.all((history.events ?? []).filter((e) => e.timerStartedEventAttributes).map((e) => text(e.userMetadata?.summary)));
    expect(timers).toContain('deadline: employer selection');

    // the next wait replaces it
    const offerId = (await get(`/campaigns/${campaignId}`)).json().offers[0].id;
    await openCampaignForSteps(stack.db, campaignId);
    expect((await post(`/cycles/${cycleId}/selection`, { decision: 'selected', offerId })).statusCode).toBe(200);
    const next = await waitUntil(async () => {
      const d = await currentDetails(cycleId);
      return d.includes('work authorisation') ? d : undefined;
    });
    expect(next).toMatch(/then the selection lapses \(authorisation_expired\) and the post goes to the reserve list/);
    expect(next).toContain('employer B21000031');
    const activities = await Promise.all(((await handle.fetchHistory()).events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => text(e.userMetadata?.summary)));
    expect(activities).toContain('notice: selection → worker');

    // what an operator types: the temporal CLI, payloads decrypted by the API's codec endpoint with the operator's token
    const address = await stack.app.listen({ host: '127.0.0.1', port: 0 });
    const cli = (...args: string[]) =>
      promisify(execFile)(resolveTemporalBinary(loadConfig()), [...args, '--address', inject('temporalAddress'), '--codec-endpoint', `${address}/codec`, '--codec-auth', `Bearer ${token}`]).catch((err: { stderr?: string }) => {
        throw new Error(`temporal ${args.join(' ')}: ${err.stderr ?? String(err)}`);
      });
    const token = await tokenFor('admin');
    const metadata = (await cli('workflow', 'metadata', '--workflow-id', cycleId)).stdout;
    expect(metadata).toMatch(/Current Details:\s+\*\*Waiting for the work authorisation\*\*/);
    const described = (await cli('workflow', 'describe', '--workflow-id', cycleId)).stdout;
    expect(described).toContain(`Worker cycle · campaign ${campaignId}`);
    await handle.terminate('test done');
  });
});

describe('stuck cases found', () => {
  const jamQueue = `operators-jam-${uniqueSuffix()}`;
  let jamWorker: Worker;
  let jamConnection: NativeConnection;
  let jamRunning: Promise<void>;
  let campaignId: string;
  let jammedActivity: string;
  let jammedTask: string;
  let healthy: string;
  const relayError = (to: string) => `mail relay refused the message: 554 5.7.1 <${to}> rejected (ID XY1234567, +212 600 000 000)`;

  beforeAll(async () => {
    // A worker on a queue of its own, whose mail relay refuses every message: sendNotification retries forever.
    const real = createActivities({ db: stack.db, mailer: createMailer({ SMTP_HOST: '127.0.0.1', SMTP_PORT: stack.mail.smtpPort }), documents: documentRenderer, temporal: stack.client, config: testConfig });
    jamConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
    jamWorker = await Worker.create({
      connection: jamConnection,
      namespace: 'default',
      taskQueue: jamQueue,
      workflowBundle: await bundleWorkflows(),
      dataConverter: testDataConverter,
      activities: {
        ...real,
        sendNotification: () => Promise.reject(new Error(relayError('fatima@example.test'))),
      },
      interceptors: { activity: workerActivityInterceptors() },
      sinks: droppedWorkflowSpans,
    });
    jamRunning = jamWorker.run();

    campaignId = `ops-stuck-${uniqueSuffix()}`;
    expect((await post('/campaigns', sampleCampaign(campaignId, 'B21000032'))).statusCode).toBe(201);
    await openCampaignForSteps(stack.db, campaignId);
    const offerId = (await get(`/campaigns/${campaignId}`)).json().offers[0].id;
    const startOn = async (taskQueue: string, timings: WorkerCycleInput['timings']) => {
      const candidate = (await post('/candidates', sampleCandidate())).json();
      const input: WorkerCycleInput = { campaignId, season: 2027, candidateId: candidate.id, province: 'Kénitra', startedBy: 'coordinator', timings };
      const workflowId = workerCycleWorkflowId(campaignId, candidate.id);
      await startContextWorkflow<typeof workerCycleWorkflow>(stack.client, {
        workflowType: 'workerCycleWorkflow',
        workflowId,
        taskQueue,
        args: [input],
        searchAttributes: [...campaignAttributes(campaignId, 2027), { key: StageKey, value: 'preselected' }],
      });
      return workflowId;
    };
    // 1. selected: the selection message to the worker cannot be sent (the relay refuses it), attempt after attempt
    jammedActivity = await startOn(jamQueue, { ...fastTimings, selectionDeadline: '1h', authorisationDeadline: '1h' });
    await waitUntil(async () => (await get(`/cycles/${jammedActivity}`)).json().state?.waitingFor);
    expect((await post(`/cycles/${jammedActivity}/selection`, { decision: 'selected', offerId })).statusCode).toBe(200);
    // 2. a deadline the workflow cannot read: its workflow task fails at the first wait, task after task
    jammedTask = await startOn(jamQueue, { ...fastTimings, selectionDeadline: 'soon' as never });
    // 3. a healthy cycle of the same campaign, waiting for its selection
    healthy = await startOn(WORKER_CYCLE_TASK_QUEUE, { ...fastTimings, selectionDeadline: '1h' });
    await waitUntil(async () => (await get(`/cycles/${healthy}`)).json().state?.waitingFor);
  }, 120_000);

  afterAll(async () => {
    for (const id of [jammedActivity, jammedTask, healthy]) await stack.client.workflow.getHandle(id).terminate('test done').catch(() => undefined);
    jamWorker?.shutdown();
    await jamRunning;
    await jamConnection?.close();
  });

  it('lists both jammed cycles with the activity, the attempt, the last error and since when — and not the healthy one', async () => {
    const report = await waitUntil(async () => {
      const res = await get(`/operations/stuck-workflows?campaignId=${campaignId}`);
      expect(res.statusCode, res.body).toBe(200);
      const r = res.json() as StuckReport;
      const activityStuck = r.workflows.find((w) => w.workflowId === jammedActivity);
      const taskStuck = r.workflows.find((w) => w.workflowId === jammedTask);
      return activityStuck && taskStuck ? r : undefined;
    }, 90_000, 1_000);
    expect(report.minAttempts).toBe(3);
    expect(report.query).toBe(`ExecutionStatus="Running" AND CampaignId="${campaignId}"`);
    expect(report.workflows.map((w) => w.workflowId)).not.toContain(healthy);

    const a = report.workflows.find((w) => w.workflowId === jammedActivity)!;
    expect(a.workflowType).toBe('workerCycleWorkflow');
    expect(a.taskQueue).toBe(jamQueue);
    const problem = a.problems.find((p) => p.kind === 'activity')!;
    expect(problem).toMatchObject({ activity: 'sendNotification', maximumAttempts: 0 });
    expect(problem.attempt).toBeGreaterThanOrEqual(3);
    expect(problem.lastFailure).toMatch(/^mail relay refused the message: 554 5\.7\.1 <\[e-mail\]> rejected/);
    for (const personal of ['fatima@example.test', 'XY1234567', '600 000 000']) expect(JSON.stringify(report)).not.toContain(personal);
    expect(Date.parse(problem.since!)).toBeLessThanOrEqual(Date.parse(problem.lastAttemptAt!));
    expect(Date.parse(problem.since!)).toBeGreaterThan(Date.now() - 120_000);

    const t = report.workflows.find((w) => w.workflowId === jammedTask)!;
    const task = t.problems.find((p) => p.kind === 'workflow_task')!;
    expect(task.attempt).toBeGreaterThanOrEqual(3);
    expect(task.lastFailure).toBeTruthy();
    expect(task.since).toBeTruthy();
  }, 120_000);

  it('pages with a cursor, bounded by scan; a foreign cursor is a 400 naming it', async () => {
    const all = (await get(`/operations/stuck-workflows?campaignId=${campaignId}`)).json() as StuckReport;
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await get(`/operations/stuck-workflows?campaignId=${campaignId}&scan=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as StuckReport;
      expect(page.scanned).toBeLessThanOrEqual(1);
      seen.push(...page.workflows.map((w) => w.workflowId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    // the campaign's own workflow, the two jammed cycles and the healthy one
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(seen.sort()).toEqual(all.workflows.map((w) => w.workflowId).sort());

    const bad = await get('/operations/stuck-workflows?cursor=bm90LWEtY3Vyc29y');
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.json().issues).toEqual([{ field: 'querystring.cursor', reason: 'not the nextCursor of this listing' }]);
    const threshold = await get('/operations/stuck-workflows?minAttempts=1');
    expect(threshold.statusCode).toBe(400);
    expect(threshold.json().issues[0].field).toBe('querystring.minAttempts');
  });

  it('is for admins and auditors: a coordinator is refused', async () => {
    const url = `/operations/stuck-workflows?campaignId=${campaignId}`;
    expect((await stack.app.inject({ method: 'GET', url, headers: await authHeader('auditor') })).statusCode).toBe(200);
    expect((await stack.app.inject({ method: 'GET', url, headers: await authHeader('coordinator') })).statusCode).toBe(403);
    expect((await stack.app.inject({ method: 'GET', url, headers: { authorization: '' } })).statusCode).toBe(401);
  });

  it('`npm run stuck` finds them too, and prints what an operator needs', async () => {
    const listing = await listStuckWorkflows(stack.client, { campaignId, minAttempts: 3, max: 100 });
    expect(listing.truncated).toBe(false);
    expect(listing.workflows.map((w) => w.workflowId).sort()).toEqual([jammedActivity, jammedTask].sort());
    const printed = formatStuckListing(listing, 3);
    expect(printed).toMatch(/^2 stuck of \d+ running workflows looked at \(threshold: attempt 3\)/);
    expect(printed).toContain(`  ${jammedActivity}  workerCycleWorkflow`);
    expect(printed).toMatch(/activity sendNotification \(id \d+\): attempt \d+ \(\w+\) since \d{4}-/);
    expect(printed).toContain('last error (Error): mail relay refused the message: 554 5.7.1 <[e-mail]> rejected');
    expect(printed).toContain("last error (workflow_worker_unhandled_failure): Invalid duration string: 'soon'");
    expect(printed).not.toContain('fatima@example.test');
    // bounded: one workflow looked at, the rest left for a larger --max
    const bounded = await listStuckWorkflows(stack.client, { campaignId, max: 1 });
    expect(bounded).toMatchObject({ scanned: 1, truncated: true });
  });

  it('masks what could name a person in any failure message', () => {
    expect(safeFailureMessage(relayError('a.b@c.ma'))).toBe('mail relay refused the message: 554 5.7.1 <[e-mail]> rejected (ID [id], [number])');
    expect(safeFailureMessage(`x${'y'.repeat(400)}\nstack`)).toHaveLength(300);
  });
});
