// Faults and poison (issue 11): text PostgreSQL cannot store is a 400 naming the field and the cycle stays usable;
// ids beyond their column are a 400; outages are a 503 with Retry-After; activities fail at once on poison data and
// heartbeat while they run; no log line carries a national ID, passport or phone.
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { buildApp } from '../api/app';
import { apiConnectionOptions } from '../api/outage';
import { findUnsafeText, unsafeTextReason } from '../api/text-safety';
import { connectDb } from '../db/client';
import { bulkItems, bulkOperations, candidates, emailOutbox, workerCycles } from '../db/schema';
import { createActivities } from '../activities';
import { outboxMessageId } from '../activities/worker-cycle';
import { documentRenderer } from '../templates/render';
import { createMailer } from '../worker/create-worker';
import { describeDbError, isDbUnavailable, isPermanentDbError } from '../db/errors';
import { activityInterceptors, safeActivityError } from '../worker/activity-interceptors';
import { freePort } from '../scripts/lib/process';
import { ERROR_UNSTORABLE_DATA } from '../workflows/contracts/errors';
import { actingAs, requestsTo, withTestStack, fastTimings, openCampaignForSteps, sampleCampaign, sampleCandidate, testConfig, uniqueSuffix, waitUntil, type TestStack } from './support';

let stack: TestStack;
withTestStack((s) => (stack = s));

const { post, get } = requestsTo(() => stack);
const fields = (res: { json(): { issues?: { field: string }[] } }) => (res.json().issues ?? []).map((i) => i.field);

describe('text PostgreSQL can store', () => {
  it('names NUL bytes and lone surrogates, and lets emoji and Arabic through', () => {
    expect(unsafeTextReason('فاطمة 🍓')).toBeUndefined();
    expect(unsafeTextReason('a\u0000b')).toMatch(/NUL .* at character 2/);
    expect(unsafeTextReason('x\uD800')).toMatch(/lone UTF-16 surrogate \(U\+D800\)/);
    expect(unsafeTextReason('\uDC00y')).toMatch(/U\+DC00/);
    expect(findUnsafeText({ a: [{ b: 'ok' }, { b: 'n\u0000' }], ['k\u0000']: 1 }, 'body').map((i) => i.field)).toEqual(['body.a.1.b', 'body.k\\u0000']);
  });
});

describe('poison input answers 400 and the cycle stays usable', () => {
  let campaignId: string;
  let cycleId: string;
  let offerId: string;

  beforeAll(async () => {
    campaignId = `faults-${uniqueSuffix()}`;
    expect((await post('/campaigns', sampleCampaign(campaignId, 'B21000011'))).statusCode).toBe(201);
    await openCampaignForSteps(stack.db, campaignId);
    offerId = (await get(`/campaigns/${campaignId}`)).json().offers[0].id;
    const candidate = (await post('/candidates', sampleCandidate())).json();
    const started = await post(`/campaigns/${campaignId}/cycles`, { candidateId: candidate.id, startedBy: 'coordinator@anapec.test', timings: { ...fastTimings, selectionDeadline: '1h' } });
    expect(started.statusCode, started.body).toBe(201);
    cycleId = started.json().cycleId;
    await waitUntil(async () => (await get(`/cycles/${cycleId}`)).json().state?.waitingFor);
  });

  it('refuses a NUL in the selection reason, the actor, or a lone surrogate, naming the field', async () => {
    const reason = await post(`/cycles/${cycleId}/selection`, { decision: 'rejected', reason: 'a\u0000b', decidedBy: 'rh@fresas.test' });
    expect(reason.statusCode).toBe(400);
    expect(fields(reason)).toEqual(['body.reason']);
    const actor = await post(`/cycles/${cycleId}/selection`, { decision: 'rejected', reason: 'no', decidedBy: 'rh\u0000' });
    expect(actor.statusCode).toBe(400);
    expect(fields(actor)).toEqual(['body.decidedBy']);
    const surrogate = await post(`/cycles/${cycleId}/selection`, { decision: 'rejected', reason: 'bad \uD83D', decidedBy: 'rh@fresas.test' });
    expect(surrogate.statusCode).toBe(400);
    expect(fields(surrogate)).toEqual(['body.reason']);
  });

  it('refuses a NUL in a withdrawal reason or actor', async () => {
    const res = await post(`/cycles/${cycleId}/withdrawal`, { reason: 'family\u0000', recordedBy: 'agent\u0000' });
    expect(res.statusCode).toBe(400);
    expect(fields(res)).toEqual(['body.reason', 'body.recordedBy']);
  });

  it('refuses a NUL in a path or query parameter', async () => {
    const path = await get(`/cycles/${cycleId}%00`);
    expect(path.statusCode).toBe(400);
    expect(fields(path)).toEqual(['params.cycleId']);
    const query = await get(`/campaigns/${campaignId}/cycles?stage=pre%00selected`);
    expect(query.statusCode).toBe(400);
    expect(fields(query)).toEqual(['querystring.stage']);
  });

  it('refuses ids beyond their integer column with 400, in a body and in a path', async () => {
    const body = await post(`/campaigns/${campaignId}/cycles`, { candidateId: 2147483648, startedBy: 'coordinator@anapec.test' });
    expect(body.statusCode).toBe(400);
    expect(fields(body)).toEqual(['body.candidateId']);
    // a route whose schema has no bound yet: the database's refusal is still a 400 naming the parameter
    const path = await get('/candidates/2147483648');
    expect(path.statusCode).toBe(400);
    expect(fields(path)).toEqual(['params.candidateId']);
  });

  it('reports a CSV cell with a NUL on its line and column, and keeps nothing of that row', async () => {
    const csv = 'nationalId,decision,decidedBy\nAB1234567,rejected,rh\nAB7654321,rejected,r\u0000h\n';
    const res = await stack.app.inject({ method: 'POST', url: `/campaigns/${campaignId}/intake/selection?loadedBy=coord`, headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().errors).toContainEqual({ line: 3, field: 'decidedBy', reason: expect.stringMatching(/NUL character/) });
    expect(res.json().errors.some((e: { line: number; field: string }) => e.line === 3 && e.field !== 'decidedBy')).toBe(false);
  });

  it('takes the next valid step afterwards', async () => {
    const res = await post(`/cycles/${cycleId}/selection`, { decision: 'selected', offerId, reason: 'bonne candidate', decidedBy: 'rh@fresas.test' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().stage).toBe('selected');
    await stack.client.workflow.getHandle(cycleId).terminate('test done');
  });

  it('answers parallel Updates to one cycle without a 5xx', async () => {
    const candidate = (await post('/candidates', sampleCandidate())).json();
    const started = await post(`/campaigns/${campaignId}/cycles`, { candidateId: candidate.id, startedBy: 'coordinator@anapec.test', timings: { ...fastTimings, selectionDeadline: '1h', authorisationDeadline: '1h' } });
    const id = started.json().cycleId as string;
    await waitUntil(async () => (await get(`/cycles/${id}`)).json().state?.waitingFor);
    expect((await post(`/cycles/${id}/selection`, { decision: 'selected', offerId, decidedBy: 'rh@fresas.test' })).statusCode).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(`/cycles/${id}/authorisation`, { authorisationNumber: `AUT-${i}-${id.slice(-6)}`, issuedOn: '2026-12-01', recordedBy: 'sgm@travail.test' })),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.every((c) => c === 200 || c === 409 || c === 503), codes.join(',')).toBe(true);
    for (const a of answers.filter((x) => x.statusCode === 503)) expect(a.headers['retry-after']).toBeTruthy();
    await stack.client.workflow.getHandle(id).terminate('test done');
  });
});

describe('database errors in activities', () => {
  it('make poison data non-retryable and keep values out of the failure', async () => {
    const nid = 'QZ90817263';
    let caught: unknown;
    try {
      await stack.db.insert(candidates).values(sampleCandidate({ nationalId: nid, firstName: 'Na\u0000dia' }) as typeof candidates.$inferInsert);
    } catch (err) {
      caught = err;
    }
    expect(isPermanentDbError(caught)).toBe(true);
    expect(String((caught as Error).message)).toContain(nid); // what Drizzle puts in its message…
    const failure = safeActivityError(caught) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: ERROR_UNSTORABLE_DATA, nonRetryable: true });
    expect(failure.message).toContain('insert into "candidates"');
    expect(failure.message).not.toContain(nid); // …never reaches the history
    expect(describeDbError(caught)).toMatch(/^database error 22021/);
  });

  it('fails an activity at once through the worker interceptor, and heartbeats while it runs', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 300 }, { interceptors: [activityInterceptors] });
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    await env.run(async () => new Promise((r) => setTimeout(r, 1_000)));
    expect(beats).toBeGreaterThanOrEqual(2);
    const poison = env.run(async () => stack.db.execute(sql`select ${'x\u0000'}::text`));
    await expect(poison).rejects.toMatchObject({ type: ERROR_UNSTORABLE_DATA, nonRetryable: true });
  });
});

describe('bulk operations after a crash', () => {
  it('keep a refused row refused: the page retried never sends its Update again once the cycle would accept it', async () => {
    const campaignId = `faults-bulk-${uniqueSuffix()}`;
    expect((await post('/campaigns', sampleCampaign(campaignId, 'B21000014'))).statusCode).toBe(201);
    await openCampaignForSteps(stack.db, campaignId);
    const offerId = (await get(`/campaigns/${campaignId}`)).json().offers[0].id as string;
    const start = async () => {
      const candidate = (await post('/candidates', sampleCandidate())).json();
      const id = (await post(`/campaigns/${campaignId}/cycles`, { candidateId: candidate.id, startedBy: 'x', timings: { ...fastTimings, selectionDeadline: '1h', authorisationDeadline: '1h' } })).json().cycleId as string;
      await waitUntil(async () => (await get(`/cycles/${id}`)).json().state?.waitingFor);
      return id;
    };
    const early = await start(); // preselected: an authorisation is refused (it needs selected)
    const other = await start();
    expect((await post(`/cycles/${other}/selection`, { decision: 'selected', offerId, decidedBy: 'rh@fresas.test' })).statusCode).toBe(200);
    const operationId = `bulk-${campaignId}-authorisation-crash`;
    await stack.db.insert(bulkOperations).values({ id: operationId, campaignId, kind: 'authorisation', source: 'test', total: 2, createdBy: 'test' });
    const args = (n: number) => ({ args: { authorisationNumber: `AUT-CRASH-${n}-${campaignId.slice(-6)}`, issuedOn: '2026-12-01', recordedBy: 'sgm@travail.test' } });
    await stack.db.insert(bulkItems).values([
      { operationId, line: 1, cycleId: early, payload: args(1) },
      { operationId, line: 2, cycleId: other, payload: args(2) },
    ]);
    // The first attempt dies before it writes its statuses: the Update of line 2 never gets an answer.
    const dying = new Client({
      connection: stack.client.connection,
      namespace: stack.client.options.namespace,
      interceptors: {
        workflow: [
          {
            async startUpdate(input, next) {
              if (input.workflowExecution.workflowId !== other) return next(input);
              await new Promise((r) => setTimeout(r, 1_500));
              throw new Error('the worker process died');
            },
          },
        ],
      },
    });
    const deps = { db: stack.db, mailer: createMailer({ SMTP_HOST: '127.0.0.1', SMTP_PORT: stack.mail.smtpPort }), documents: documentRenderer, config: testConfig };
    const page = { operationId, afterLine: 0, limit: 500 };
    await expect(new MockActivityEnvironment().run(() => createActivities({ ...deps, temporal: dying }).applyBulkPage(page))).rejects.toThrow('died');
    // Meanwhile the early cycle catches up; the page is retried.
    expect((await post(`/cycles/${early}/selection`, { decision: 'selected', offerId, decidedBy: 'rh@fresas.test' })).statusCode).toBe(200);
    const retried = await new MockActivityEnvironment().run(() => createActivities({ ...deps, temporal: stack.client }).applyBulkPage(page));
    expect(retried).toMatchObject({ applied: 1, refused: 0 });
    const rows = await stack.db.select().from(bulkItems).where(eq(bulkItems.operationId, operationId));
    expect(rows.map((r) => [r.line, r.status])).toEqual(expect.arrayContaining([[1, 'refused'], [2, 'applied']]));
    expect(rows.find((r) => r.line === 1)!.error).toMatch(/not allowed at stage preselected/);
    const [cycle] = await stack.db.select().from(workerCycles).where(eq(workerCycles.id, early));
    expect(cycle!.stage).toBe('selected');
    for (const id of [early, other]) await stack.client.workflow.getHandle(id).terminate('test done');
  });
});

describe('e-mail outbox', () => {
  it('keeps the Message-ID across retries, so a copy sent again after a crash is the same message', async () => {
    const campaignId = `faults-mail-${uniqueSuffix()}`;
    expect((await post('/campaigns', sampleCampaign(campaignId, 'B21000013'))).statusCode).toBe(201);
    const candidate = (await post('/candidates', sampleCandidate())).json();
    const cycleId = (await post(`/campaigns/${campaignId}/cycles`, { candidateId: candidate.id, startedBy: 'x', timings: { ...fastTimings, selectionDeadline: '1h' } })).json().cycleId as string;
    await waitUntil(async () => (await get(`/cycles/${cycleId}`)).json().state?.waitingFor);
    await stack.client.workflow.getHandle(cycleId).terminate('test done');

    const acts = createActivities({ db: stack.db, mailer: createMailer({ SMTP_HOST: '127.0.0.1', SMTP_PORT: stack.mail.smtpPort }), documents: documentRenderer, temporal: stack.client, config: testConfig });
    const key = `${cycleId}:faults-test`;
    const n = { key, cycleId, audience: ['agency' as const], template: 'visa_issued', documentIds: [] };
    expect((await acts.sendNotification(n)).sent).toBe(true);
    // the worker died after the relay accepted the message, before sentAt was written: the retry sends it again…
    await stack.db.update(emailOutbox).set({ sentAt: null }).where(eq(emailOutbox.idempotencyKey, key));
    expect((await acts.sendNotification(n)).sent).toBe(true);
    expect((await acts.sendNotification(n)).sent).toBe(false);
    const copies = await waitUntil(async () => {
      const m = stack.mail.messages().filter((x) => x.text.includes(cycleId));
      return m.length >= 2 ? m : undefined;
    });
    // …with the same Message-ID, derived from the outbox key, and the row counts both attempts
    expect(new Set(copies.map((c) => c.messageId))).toEqual(new Set([outboxMessageId(key)]));
    const [row] = await stack.db.select().from(emailOutbox).where(eq(emailOutbox.idempotencyKey, key));
    expect(row).toMatchObject({ attempts: 2, messageId: outboxMessageId(key), lastError: null });
    expect(row!.sentAt).not.toBeNull();
  });
});

/** Collects every log line the app writes. */
function captureLogs(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

describe('outages answer 503 with Retry-After', () => {
  it('when a dependency accepts the connection and never answers: the handler timeout answers', async () => {
    const silent = net.createServer(() => undefined); // accepts, never speaks: a hung PostgreSQL
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const hung = connectDb(`postgres://nobody@127.0.0.1:${port}/none`, { max: 1 });
    const app = actingAs(await buildApp({ db: hung.db, temporal: stack.client, config: { ...testConfig, API_HANDLER_TIMEOUT_MS: 1_000 }, logger: false }), 'admin');
    try {
      const res = await app.inject({ method: 'GET', url: '/campaigns' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBeTruthy();
    } finally {
      await app.close();
      void hung.close().catch(() => undefined);
      silent.close();
    }
  });

  it('when Temporal answers that its namespace is not found (its database restarting): rows kept, the retry starts the workflow', async () => {
    const campaignId = `faults-ns-${uniqueSuffix()}`;
    expect((await post('/campaigns', sampleCampaign(campaignId, 'B21000013'))).statusCode).toBe(201);
    await openCampaignForSteps(stack.db, campaignId);
    const other = (await post('/candidates', sampleCandidate())).json();
    const lost = new Client({ connection: stack.client.connection, namespace: `missing-${uniqueSuffix()}` });
    const app = actingAs(await buildApp({ db: stack.db, temporal: lost, config: testConfig, logger: false }), 'admin');
    try {
      const start = await app.inject({ method: 'POST', url: `/campaigns/${campaignId}/cycles`, payload: { candidateId: other.id, startedBy: 'x', timings: { ...fastTimings, selectionDeadline: '1h' } } });
      expect(start.statusCode, start.body).toBe(503);
      expect(start.headers['retry-after']).toBeTruthy();
    } finally {
      await app.close();
    }
    const again = await post(`/campaigns/${campaignId}/cycles`, { candidateId: other.id, startedBy: 'x', timings: { ...fastTimings, selectionDeadline: '1h' } });
    expect(again.statusCode, again.body).toBeLessThan(300);
    await stack.client.workflow.getHandle(again.json().cycleId).terminate('test done');
  });

  it('when PostgreSQL and Temporal cannot be reached; and no log line holds personal data', async () => {
    const pgPort = await freePort();
    const temporalPort = await freePort();
    const down = connectDb(`postgres://nobody@127.0.0.1:${pgPort}/none`, { max: 1 });
    const connection = Connection.lazy({ address: `127.0.0.1:${temporalPort}`, ...apiConnectionOptions });
    const temporal = new Client({ connection, namespace: 'default' });
    const logs = captureLogs();
    const app = actingAs(await buildApp({ db: down.db, temporal, config: { ...testConfig, LOG_LEVEL: 'debug' }, logStream: logs.stream }), 'admin');
    // Temporal reachable, PostgreSQL not … and the reverse, with the real database
    const upDb = connectDb(inject('databaseUrl'));
    const appNoTemporal = actingAs(await buildApp({ db: upDb.db, temporal, config: { ...testConfig, LOG_LEVEL: 'debug' }, logStream: logs.stream }), 'admin');
    try {
      const person = sampleCandidate({ nationalId: 'QX918273', passportNumber: 'ZP7654321', phone: '+212 661 234 567' });
      const sensitive = ['QX918273', 'ZP7654321', '661 234 567', '661234567', 'El Amrani', 'Sidi Yahya'];

      const list = await app.inject({ method: 'GET', url: '/campaigns' });
      expect(list.statusCode).toBe(503);
      expect(Number(list.headers['retry-after'])).toBeGreaterThan(0);
      const create = await app.inject({ method: 'POST', url: '/candidates', payload: person });
      expect(create.statusCode).toBe(503);
      expect(create.headers['retry-after']).toBeTruthy();
      // hostile requests carrying the same person
      await app.inject({ method: 'POST', url: '/candidates', payload: { ...person, firstName: 'Fa\u0000tima' } });
      await app.inject({ method: 'GET', url: `/candidates/${person.nationalId}?phone=${encodeURIComponent(person.phone)}` });
      await app.inject({ method: 'GET', url: '/candidates/661234567' });

      // PostgreSQL up, Temporal down: the candidate is stored; starting or reading a cycle answers 503
      const campaignId = `faults-down-${uniqueSuffix()}`;
      expect((await post('/campaigns', sampleCampaign(campaignId, 'B21000012'))).statusCode).toBe(201);
      await openCampaignForSteps(stack.db, campaignId);
      const created = await appNoTemporal.inject({ method: 'POST', url: '/candidates', payload: person });
      expect(created.statusCode, created.body).toBeLessThan(300);
      const start = await appNoTemporal.inject({ method: 'POST', url: `/campaigns/${campaignId}/cycles`, payload: { candidateId: created.json().id, startedBy: 'x' } });
      expect(start.statusCode, start.body).toBe(503);
      expect(start.headers['retry-after']).toBeTruthy();
      const other = (await post('/candidates', sampleCandidate())).json();
      const cycleId = (await post(`/campaigns/${campaignId}/cycles`, { candidateId: other.id, startedBy: 'x', timings: { ...fastTimings, selectionDeadline: '1h' } })).json().cycleId;
      // reading a cycle falls back to its persisted state (or answers 503): never a 500
      const read = await appNoTemporal.inject({ method: 'GET', url: `/cycles/${cycleId}` });
      expect([200, 503]).toContain(read.statusCode);
      const step = await appNoTemporal.inject({ method: 'POST', url: `/cycles/${cycleId}/selection`, payload: { decision: 'rejected', decidedBy: 'x' } });
      expect(step.statusCode, step.body).toBe(503);
      await stack.client.workflow.getHandle(cycleId).terminate('test done');

      // a failed query logged through the app's logger keeps its SQL and drops its values
      try {
        await upDb.db.insert(candidates).values({ ...person, firstName: 'Na\u0000dia' } as typeof candidates.$inferInsert);
      } catch (err) {
        expect(isDbUnavailable(err)).toBe(false);
        app.log.error({ err }, 'failed query');
      }

      expect(logs.lines.length).toBeGreaterThan(5);
      expect(logs.lines.some((l) => l.includes('insert into \\"candidates\\"'))).toBe(true);
      const leaks = logs.lines.filter((l) => sensitive.some((s) => l.includes(s)));
      expect(leaks, leaks.join('\n')).toEqual([]);
    } finally {
      await app.close();
      await appNoTemporal.close();
      await connection.close();
      await down.close();
      await upDb.close();
    }
  });
});
