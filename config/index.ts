// The one place that reads process.env: everything else receives a parsed Config.
import { z } from 'zod';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const durationString = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|w|seconds?|minutes?|hours?|days?|weeks?)$/i, 'a duration such as "30s", "2h" or "14 days"');

const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

/** Where unresolved in-season cases go besides the worker's agency, unless CONSULATE_LABOUR_OFFICE_EMAIL says otherwise. */
export const DEFAULT_CONSULATE_LABOUR_OFFICE_EMAIL = 'bureau.travail@consulat-maroc-seville.local';

/** Development and tests only: production refuses to start without its own ERASURE_HMAC_KEY. */
export const DEV_ERASURE_HMAC_KEY = 'gecco-flow-development-erasure-key-not-for-production';

/** The settings before derived values: code given a partial config (tests build the app with one) takes defaults from it. */
export const configFields = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default(path.join(projectRoot, '.data')),

  // PostgreSQL: DATABASE_URL when set, otherwise an embedded server started by the project itself.
  DATABASE_URL: optionalString.pipe(z.string().url().optional()),
  EMBEDDED_PG_PORT: z.coerce.number().int().positive().default(54320),

  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  // TLS to the Temporal frontend (PEM files): the CA that signed its certificate (unset: the system's CAs), and this
  // process's client certificate and key when it requires mutual TLS (docker-compose: scripts/compose/make-certs.sh).
  // None set: plain gRPC (development, tests).
  TEMPORAL_TLS_CA: optionalString,
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  TEMPORAL_UI_PORT: z.coerce.number().int().positive().default(8233),
  // The Temporal Web UI's origins (comma-separated), allowed to call the API's codec endpoint (/codec) from the browser
  // to show decrypted payloads. Unset: the dev server's UI, http://127.0.0.1:<TEMPORAL_UI_PORT> and localhost.
  TEMPORAL_UI_ORIGINS: optionalString,
  TEMPORAL_BIN: optionalString,
  // Which Temporal server `npm start`, the tests and the bench start themselves: `dev` (the CLI's dev server, SQLite,
  // quick), `server` (the production server on PostgreSQL, scripts/ensure-temporal-server.sh), or `external` (none:
  // TEMPORAL_ADDRESS points at a server someone else runs, e.g. docker-compose). Unset: dev, or external when the
  // older TEMPORAL_DEV_SERVER=false is set.
  TEMPORAL_ENGINE: optionalString.pipe(z.enum(['dev', 'server', 'external']).optional()),
  TEMPORAL_DEV_SERVER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),

  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().positive().default(3000),
  // No request hangs: past this a request is answered 503 with Retry-After (Fastify's handlerTimeout). Large
  // enough for a 50,000-row intake file.
  API_HANDLER_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120_000),
  // Time allowed to receive a whole request (body included) from the client: a stalled upload is cut off.
  API_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  // Abuse: requests a caller (its token, or its address without one) may send a minute; browsers' origins allowed
  // to call the API (none by default: the console is served from the API's own origin).
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  API_CORS_ORIGINS: optionalString.transform((v) => (v ? v.split(',').map((o) => o.trim()).filter(Boolean) : [])),
  // The worker's Prometheus endpoint (SDK runtime metrics: workflow task latency, schedule-to-start, sticky cache)
  // on METRICS_HOST:WORKER_METRICS_PORT/metrics; unset: none (several workers share a machine in tests and the bench).
  // The API serves its own on /metrics.
  METRICS_HOST: z.string().default('127.0.0.1'),
  // The worker process's CPU priority (nice, 0-19; threads it starts inherit it). A worker is throughput work: where it
  // shares cores with the API, PostgreSQL or Temporal (one server, docker-compose), requests are served first and the
  // worker takes the CPU they leave; on a host of its own it changes nothing. 0 keeps the default priority.
  // Unset: 5 for a process that runs worker cycles, 0 for one that only coordinates (WORKER_TASK_QUEUES).
  WORKER_CPU_NICE: z.coerce.number().int().min(0).max(19).optional(),
  // The task queues this worker process polls. `all` (one process: development, small sites); or two pools, as
  // Temporal advises for work of different urgency: `cycles` (the workers' cycles: the season's throughput, documents,
  // messages) and `coordination` (campaigns, bulk files and their pages, visa batches, sailings: what a desk's request
  // waits on: stage moves, lodgements, close-boarding). Split, a desk's Update is not queued behind thousands of cycle
  // tasks in one process's event loop, and the coordination pool keeps the default CPU priority.
  WORKER_TASK_QUEUES: z.enum(['all', 'cycles', 'coordination']).default('all'),
  WORKER_METRICS_PORT: z.coerce.number().int().positive().optional(),
  // The Temporal UI's "Stack Trace" of a running workflow. The SDK records a stack for every promise a workflow
  // creates to answer it: ~40 % of the workflow threads' CPU (measured replaying the recorded histories) and memory
  // per cached workflow. Off by default: each workflow's current details in the UI say what it waits for and until
  // when; turn it on for a worker while debugging a stuck workflow (patches/@temporalio+worker*.patch).
  WORKFLOW_STACK_TRACES: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),

  // OpenTelemetry tracing: the OTLP/HTTP collector's base URL (spans go to <url>/v1/traces, as JSON), e.g.
  // http://otel-collector:4318. Unset: no tracing at all (no tracer, no spans, no exporter).
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.string().url().optional()),

  SMTP_HOST: z.string().default('127.0.0.1'),
  SMTP_PORT: z.coerce.number().int().positive().default(1025),
  // start a local SMTP catcher with `npm start` (development); off when a real relay is configured
  SMTP_CATCHER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  // where `npm start` serves the caught mail for reading in a browser (GET / and GET /messages)
  MAIL_CATCHER_HTTP_PORT: z.coerce.number().int().positive().default(1080),
  MAIL_FROM: z.string().default('GECCO Flow <gecco@anapec.local>'),
  // Where notifications go when a worker has no e-mail address: the agency that phones or visits them.
  AGENCY_EMAIL: z.string().email().default('intermediation.internationale@anapec.local'),
  CONSULAR_LIAISON_EMAIL: z.string().email().default('liaison.consulaire@anapec.local'),
  // The labour office of Morocco's consulate where the workers are (Seville for Huelva's farms): in-season cases
  // nobody resolved by their deadline are escalated to it, with the worker's agency
  CONSULATE_LABOUR_OFFICE_EMAIL: z.string().email().default(DEFAULT_CONSULATE_LABOUR_OFFICE_EMAIL),

  // SMS to the workers' phones over SMPP 3.4: the operator's SMSC in production, a local one (`npm start`, tests)
  SMPP_HOST: z.string().default('127.0.0.1'),
  SMPP_PORT: z.coerce.number().int().positive().default(2775),
  SMPP_SYSTEM_ID: z.string().default('gecco'),
  SMPP_PASSWORD: z.string().default('gecco'),
  SMS_SENDER: z.string().max(11).default('ANAPEC'),
  // start the local SMSC with `npm start` (development); off when the operator's SMSC is configured
  SMSC_LOCAL: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  // where `npm start` lists the SMS the local SMSC received (GET /messages)
  SMSC_HTTP_PORT: z.coerce.number().int().positive().default(1081),
  // an SMS reported undelivered is sent again up to this many times in all, then the worker's agency phones her
  SMS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  SMS_RETRY_DELAY: durationString.default('10 minutes'),
  // a worker the agency could not reach after this many calls is escalated to the national desk (AGENCY_EMAIL)
  CALL_ATTEMPTS_BEFORE_ESCALATION: z.coerce.number().int().min(1).max(20).default(3),

  // Identity: bearer tokens (JWT access tokens) from an OpenID Connect provider, checked against its JWKS. With
  // OIDC_EMBEDDED (development, tests) `npm start` runs its own provider (scripts/lib/oidc-provider.ts) with demo
  // users for every role on OIDC_PORT; in production OIDC_ISSUER names the real one (Keycloak in docker-compose).
  OIDC_EMBEDDED: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  OIDC_PORT: z.coerce.number().int().positive().default(3001),
  OIDC_ISSUER: optionalString.pipe(z.string().url().optional()),
  // the audience the API's tokens carry (the resource server's identifier)
  OIDC_AUDIENCE: z.string().default('gecco-flow-api'),
  // the public client (authorization code + PKCE) the Swagger UI and the console log in with
  OIDC_CONSOLE_CLIENT_ID: z.string().default('gecco-console'),

  // Temporal payloads are encrypted (AES-256-GCM) with PAYLOAD_KEY_ID, one of PAYLOAD_KEYS ({"keyId":"<32 bytes,
  // base64>",...}); older keys stay listed to decrypt older histories. Unset outside production: a development key.
  PAYLOAD_KEYS: optionalString,
  PAYLOAD_KEY_ID: optionalString,

  // Erasure replaces a national ID with ERASED-<HMAC-SHA256 of it under this key>: irreversible without the key, and
  // the same person registering again is still recognised (a block after a non-return survives the erasure). At
  // least 32 characters; required in production (unset elsewhere: a development key).
  ERASURE_HMAC_KEY: optionalString.pipe(z.string().min(32, 'at least 32 characters').optional()),
  // Candidates never selected (every cycle closed before selection) are anonymised this long after their last
  // activity (registration or the last cycle's close); the statistics keep their province, sex and outcomes.
  RETENTION_UNSELECTED: z
    .string()
    .regex(/^\d{1,3}\s*(days?|weeks?|months?|years?)$/i, 'a duration such as "2 years", "18 months" or "90 days"')
    .default('2 years'),

  // A non-return blocks renewal and new authorisations for this many years
  NON_RETURN_BLOCK_YEARS: z.coerce.number().int().min(0).max(20).default(3),

  // Workflows kept in the worker's sticky cache (unset: the SDK's default from the heap size). A cycle that falls out
  // of the cache is replayed from its history at its next step: at season scale, size it (and the heap) to the cycles.
  WORKFLOW_CACHE_SIZE: z.coerce.number().int().min(0).optional(),
  // Threads rendering the workers' documents beside the worker's main thread (templates/render-pool.ts); 0 renders
  // them on the main thread. Unset: one per core but one, at most 4.
  DOCUMENT_RENDER_THREADS: z.coerce.number().int().min(0).max(16).optional(),
  // The workflow bundle built at image build time (npm run build: dist/workflow-bundle.js); unset: the worker bundles
  // workflows/ itself when it starts (development).
  WORKFLOW_BUNDLE_PATH: optionalString,

  // How often a campaign checks its reserve list for vacated posts
  RESERVE_CHECK_INTERVAL: durationString.default('1h'),

  // Partial override of the worker-cycle deadlines, as JSON: {"selectionDeadline":"10 days",...}
  CYCLE_TIMINGS: optionalString
    .transform((v, ctx) => {
      if (!v) return {};
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'CYCLE_TIMINGS must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), durationString)),
});

export const configSchema = configFields
  .refine((c) => c.NODE_ENV !== 'production' || (c.PAYLOAD_KEYS && c.PAYLOAD_KEY_ID), { message: 'PAYLOAD_KEYS and PAYLOAD_KEY_ID are required in production', path: ['PAYLOAD_KEYS'] })
  .refine((c) => c.NODE_ENV !== 'production' || c.ERASURE_HMAC_KEY, { message: 'ERASURE_HMAC_KEY is required in production', path: ['ERASURE_HMAC_KEY'] })
  .refine((c) => c.NODE_ENV !== 'production' || c.OIDC_ISSUER, { message: 'OIDC_ISSUER is required in production', path: ['OIDC_ISSUER'] })
  .refine((c) => !c.TEMPORAL_TLS_CERT === !c.TEMPORAL_TLS_KEY, { message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together', path: ['TEMPORAL_TLS_CERT'] })
  .transform((c) => ({
    ...c,
    TEMPORAL_ENGINE: c.TEMPORAL_ENGINE ?? (c.TEMPORAL_DEV_SERVER ? ('dev' as const) : ('external' as const)),
    OIDC_ISSUER: c.OIDC_ISSUER ?? `http://127.0.0.1:${c.OIDC_PORT}`,
    ERASURE_HMAC_KEY: c.ERASURE_HMAC_KEY ?? DEV_ERASURE_HMAC_KEY,
  }));

export type Config = z.infer<typeof configSchema>;

/** The erasure key and retention period from a full or partial config (tests build the app and workers with partial ones). */
export function dataProtectionSettings(c: Partial<Pick<Config, 'ERASURE_HMAC_KEY' | 'RETENTION_UNSELECTED'>>): { hmacKey: string; olderThan: string } {
  return { hmacKey: c.ERASURE_HMAC_KEY ?? DEV_ERASURE_HMAC_KEY, olderThan: c.RETENTION_UNSELECTED ?? configFields.shape.RETENTION_UNSELECTED.parse(undefined) };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
