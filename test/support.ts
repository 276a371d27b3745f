// Per-file harness: a Temporal worker, a mail catcher and the API app, all on the real servers.
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { DefaultLogger, NativeConnection, Runtime, type Logger, type Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { DemoLogin } from '../scripts/lib/demo-identities';
import { authHeader } from './tokens';
import { buildApp } from '../api/app';
import { eq } from 'drizzle-orm';
import { clientInterceptorsWith } from '../api/outage';
import { connectDb, type Db } from '../db/client';
import { campaigns } from '../db/schema';
import { startMailCatcher, type MailCatcherHandle } from '../scripts/lib/mail-catcher';
import { documentRenderer } from '../templates/render';
import { createMailer, createWorkers } from '../worker/create-worker';
import { dataConverterFrom } from '../worker/payload-codec';
import { createSmsGateway, type SmsGateway } from '../worker/sms';
import type { Tracing } from '../worker/tracing';

export interface TestStack {
  db: Db;
  client: Client;
  app: FastifyInstance;
  mail: MailCatcherHandle;
  sms: SmsGateway;
  workers: Worker[];
  stop(): Promise<void>;
}

export const testConfig = {
  /** the run's embedded OpenID provider (test/global-setup.ts) */
  get OIDC_ISSUER(): string {
    return inject('oidcIssuer');
  },
  OIDC_AUDIENCE: 'gecco-flow-api',
  OIDC_CONSOLE_CLIENT_ID: 'gecco-console',
  // the suites send thousands of requests a minute with one token; the limit itself is tested in test/access.test.ts
  API_RATE_LIMIT_PER_MINUTE: 1_000_000,
  MAIL_FROM: 'GECCO Flow <gecco@anapec.test>',
  AGENCY_EMAIL: 'agency@anapec.test',
  CONSULAR_LIAISON_EMAIL: 'liaison@anapec.test',
  CONSULATE_LABOUR_OFFICE_EMAIL: 'labour-office@consulate.test',
  CYCLE_TIMINGS: {},
  RESERVE_CHECK_INTERVAL: '1s',
  NON_RETURN_BLOCK_YEARS: 3,
  SMS_MAX_ATTEMPTS: 2,
  SMS_RETRY_DELAY: '300ms',
  LOG_LEVEL: 'warn' as const,
};

/**
 * The app, with every injected request that names no Authorization header sent with the token of `login` (the
 * suites exercise the workflows as an administrator; test/access.test.ts exercises who may do what). A request
 * that sets `authorization` itself (even to '') is sent as it is.
 */
export function actingAs(app: FastifyInstance, login: DemoLogin): FastifyInstance {
  const inject = app.inject.bind(app) as (opts: InjectOptions) => Promise<LightMyRequestResponse>;
  const withToken = async (opts: InjectOptions | string) => {
    const o: InjectOptions = typeof opts === 'string' ? { url: opts } : opts;
    const headers = { ...(o.headers ?? {}) };
    if (!('authorization' in headers)) Object.assign(headers, await authHeader(login));
    return inject({ ...o, headers });
  };
  (app as unknown as { inject: typeof withToken }).inject = withToken;
  return app;
}

/** The payload codec of the tests' clients and workers: the development key (tests set no PAYLOAD_KEYS). */
export const testDataConverter = dataConverterFrom({});

let runtimeInstalled = false;
/**
 * Keeps the SDK's info logs (webpack stats, worker states) out of test output. A test that reads the worker's log
 * lines (workflow and activity loggers) passes its own logger, before the stack starts.
 */
export function quietRuntime(logger: Logger = new DefaultLogger('WARN')): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger });
}

/** The stack with OpenTelemetry tracing (worker/tracing.ts): the API's and the worker's, as in two processes. */
export interface StackTracing {
  api: Tracing;
  worker: Tracing;
}

export async function startTestStack(opts: { tracing?: StackTracing } = {}): Promise<TestStack> {
  quietRuntime();
  const address = inject('temporalAddress');
  const { db, close } = connectDb(inject('databaseUrl'));
  const mail = await startMailCatcher({ smtpPort: 0 });
  const mailer = createMailer({ SMTP_HOST: '127.0.0.1', SMTP_PORT: mail.smtpPort });
  const sms = testSmsGateway();
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default', interceptors: clientInterceptorsWith(opts.tracing?.api), dataConverter: testDataConverter });
  // the worker's coordination activities use a client of their own, as in the worker process
  const workerClient = opts.tracing ? new Client({ connection, namespace: 'default', interceptors: clientInterceptorsWith(opts.tracing.worker), dataConverter: testDataConverter }) : client;
  const workers = await createWorkers({
    connection: nativeConnection,
    namespace: 'default',
    deps: { db, mailer, sms, documents: documentRenderer, temporal: workerClient, config: testConfig },
    dataConverter: testDataConverter,
    ...(opts.tracing ? { tracing: opts.tracing.worker } : {}),
  });
  const running = Promise.all(workers.map((w) => w.run()));
  const app = actingAs(await buildApp({ db, temporal: client, config: testConfig, logger: false, ...(opts.tracing ? { tracer: opts.tracing.api.tracer } : {}) }), 'admin');
  await app.ready();
  return {
    db,
    client,
    app,
    mail,
    sms,
    workers,
    async stop() {
      await app.close();
      for (const w of workers) w.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      mailer.close();
      await sms.close();
      await mail.stop();
      await close();
    },
  };
}

/** An SMPP session to the run's local SMSC (test/global-setup.ts). */
export function testSmsGateway(): SmsGateway {
  return createSmsGateway({ SMPP_HOST: '127.0.0.1', SMPP_PORT: inject('smscPort'), SMPP_SYSTEM_ID: 'gecco-test', SMPP_PASSWORD: 'test', SMS_SENDER: 'ANAPEC' });
}

/** What the local SMSC received, reassembled into messages. */
export async function smscMessages(): Promise<import('../scripts/lib/smsc').SmscMessage[]> {
  const res = await fetch(`${inject('smscUrl')}/messages`);
  return ((await res.json()) as { messages: import('../scripts/lib/smsc').SmscMessage[] }).messages;
}

let seq = 0;
/** Unique business keys per test so tests never see each other's rows. */
export function uniqueSuffix(): string {
  seq += 1;
  return `${Date.now().toString(36)}${process.pid.toString(36)}${seq}`;
}

export function sampleCampaign(id: string, employerId: string) {
  return {
    id,
    name: `Campagne fruits rouges ${id}`,
    season: 2027,
    destinationProvince: 'Huelva',
    createdBy: 'coordinator@anapec.test',
    offers: [
      {
        employer: { id: employerId, name: 'Fresas del Condado SL', province: 'Huelva', municipality: 'Moguer', email: 'rrhh@fresas.test' },
        posts: 50,
        contractMonths: 6,
        contractStart: '2027-02-01',
        contractEnd: '2027-07-31',
      },
    ],
  };
}

// Test files run in parallel processes against one database, so a CIN must not depend on the file alone. The process
// ID modulo 676,000 (two letters, then three digits) is unique among the processes of one run: the previous scheme,
// the ID modulo 676 in two letters, let two files of one run share letters (CI, stop 20: 200 "already known" for 201).
let cin = 0;
const pidLetters = String.fromCharCode(65 + (Math.floor(process.pid / 26) % 26), 65 + (process.pid % 26));
const pidDigits = String(Math.floor(process.pid / 676) % 1000).padStart(3, '0');
/** A national ID (CIN) no other test of this run uses: 2 letters and 8 digits. */
export function uniqueNationalId(): string {
  cin += 1;
  return `${pidLetters}${pidDigits}${String(cin).padStart(5, '0')}`;
}
export function sampleCandidate(overrides: Record<string, unknown> = {}) {
  return {
    nationalId: uniqueNationalId(),
    firstName: 'Fatima',
    lastName: 'El Amrani',
    birthDate: '1990-04-12',
    sex: 'F',
    province: 'Kénitra',
    commune: 'Sidi Yahya El Gharb',
    householdSituation: 'mariée, 2 enfants de moins de 14 ans',
    dependants: 2,
    phone: '+212 600 000 000',
    passportNumber: 'MA1234567',
    passportExpiry: '2034-01-01', // valid through the multi-year tests' seasons (to 2030)
    ...overrides,
  };
}

/** The human steps up to pre-departure wait long (120 s): a test about a later step never sees one of them lapse. */
const PATIENT_STEPS = ['selectionDeadline', 'authorisationDeadline', 'visaFileDeadline', 'consularDecisionDeadline', 'consularEscalationGrace', 'predepartureDeadline'] as const;
export const patientSteps = Object.fromEntries(PATIENT_STEPS.map((deadline) => [deadline, '120s'])) as Record<(typeof PATIENT_STEPS)[number], string>;

/** Short deadlines so a whole season runs in seconds against the real dev server. */
export const fastTimings = {
  selectionDeadline: '20s',
  authorisationDeadline: '20s',
  visaFileDeadline: '20s',
  consularDecisionDeadline: '20s',
  consularEscalationGrace: '20s',
  predepartureDeadline: '20s',
  convocationDeadline: '20s',
  embarkationGrace: '20s',
  seasonLength: '2s',
  returnGrace: '20s',
  lateReturnWindow: '20s',
};

export async function waitUntil<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('waitUntil: timed out');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Test shortcut for tests about worker cycles: puts the campaign's stage (as PostgreSQL records it, which is what
 * gates the steps) at `in_season`, where every worker step is allowed. The campaign and season tests move
 * stages through the API instead.
 */
export async function openCampaignForSteps(db: Db, campaignId: string): Promise<void> {
  await db.update(campaigns).set({ stage: 'in_season' }).where(eq(campaigns.id, campaignId));
}

/** Waits until a bulk operation has applied all its rows; answers its progress view. */
export async function bulkOperationDone(app: FastifyInstance, operationId: string, timeoutMs = 60_000, intervalMs = 200) {
  return waitUntil(async () => {
    const op = (await app.inject({ method: 'GET', url: `/bulk-operations/${operationId}` })).json();
    return op.status === 'done' ? op : undefined;
  }, timeoutMs, intervalMs);
}

/**
 * Starts the file's stack before its tests and stops it after. `set` receives it (and may prepare the file's data
 * on it); `beforeStop`, when given, runs on it before it stops (e.g. recording workflow histories).
 */
export function withTestStack(set: (stack: TestStack) => unknown, beforeStop?: (stack: TestStack) => Promise<void>): void {
  let started: TestStack | undefined;
  beforeAll(async () => {
    started = await startTestStack();
    await set(started);
  });
  afterAll(async () => {
    if (!started) return;
    try {
      await beforeStop?.(started);
    } finally {
      await started.stop();
    }
  });
}

/** A campaign of sampleCampaign (id `<prefix>-<unique>`, one offer of `employerId`), opened for the worker steps. */
export async function openSampleCampaign(stack: TestStack, prefix: string, employerId: string): Promise<{ campaignId: string; offerId: string }> {
  const campaignId = `${prefix}-${uniqueSuffix()}`;
  const res = await stack.app.inject({ method: 'POST', url: '/campaigns', payload: sampleCampaign(campaignId, employerId) });
  expect(res.statusCode, res.body).toBe(201);
  await openCampaignForSteps(stack.db, campaignId);
  return { campaignId, offerId: res.json().offers[0].id as string };
}

/** JSON requests through the file's app. */
export function requestsTo(stack: () => TestStack) {
  return {
    post: (url: string, payload: unknown) => stack().app.inject({ method: 'POST', url, payload: payload as object }),
    get: (url: string) => stack().app.inject({ method: 'GET', url }),
  };
}
