// Builds the Fastify app from its dependencies; api/server.ts listens, tests use app.inject.
import { usePublicIdSecret } from './public-ids';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import pino, { type DestinationStream } from 'pino';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import cors, { type FastifyCorsOptions } from '@fastify/cors';
import { createHash } from 'node:crypto';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { Tracer } from '@opentelemetry/api';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { configFields, type Config } from '../config';
import type { Db } from '../db/client';
import { dbCause, isPermanentDbError, safeErrSerializer, safePgMessage } from '../db/errors';
import { ERROR_INVALID_STEP, ERROR_OUT_OF_ORDER, ERROR_UNSTORABLE_DATA } from '../workflows/contracts/errors';
import { HttpError, sendProblem } from './errors';
import { outageOf } from './outage';
import { refuseUnsafeText } from './text-safety';
import { agencyRoutes } from './routes/agencies';
import { campaignRoutes } from './routes/campaigns';
import { candidateRoutes } from './routes/candidates';
import { cycleRoutes } from './routes/cycles';
import { documentRoutes } from './routes/documents';
import { departureRoutes } from './routes/departures';
import { intakeRoutes } from './routes/intake';
import { visaBatchRoutes } from './routes/visa-batches';
import { workerRoutes } from './routes/workers';
import { peopleRoutes } from './routes/people';
import { operatorRoutes } from './routes/operations';
import { repairRoutes } from './routes/repairs';
import { consulateRoutes } from './routes/consulates';
import { selectionSessionRoutes } from './routes/selection-sessions';
import { reportRoutes } from './routes/reports';
import { inSeasonCaseRoutes } from './routes/in-season-cases';
import { consoleRoutes } from './console';
import { registerFileParsers } from './files';
import { operationsRoutes, requestId } from './operations';
import { accessControl, SECURITY_SCHEMES } from './auth/access';
import { CODEC_PATH, codecCors, codecRoutes, temporalUiOrigins } from './codec-routes';
import { dataConverterFrom } from '../worker/payload-codec';
import { tokenVerifier, type TokenVerifier } from './auth/tokens';

export interface AppDeps {
  db: Db;
  temporal: Client;
  config: Pick<Config, 'CYCLE_TIMINGS' | 'LOG_LEVEL' | 'RESERVE_CHECK_INTERVAL' | 'NON_RETURN_BLOCK_YEARS' | 'OIDC_ISSUER' | 'OIDC_AUDIENCE' | 'OIDC_CONSOLE_CLIENT_ID'> &
    Partial<Pick<Config, 'NODE_ENV' | 'PAYLOAD_KEYS' | 'PAYLOAD_KEY_ID' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_UI_ORIGINS' | 'TEMPORAL_UI_PORT'>> &
    Partial<Pick<Config, 'API_HANDLER_TIMEOUT_MS' | 'API_REQUEST_TIMEOUT_MS' | 'API_RATE_LIMIT_PER_MINUTE' | 'API_CORS_ORIGINS' | 'MAIL_FROM' | 'AGENCY_EMAIL' | 'CALL_ATTEMPTS_BEFORE_ESCALATION' | 'ERASURE_HMAC_KEY' | 'RETENTION_UNSELECTED'>>;
  /** escalations of unreachable workers are e-mailed through the outbox when given */
  mailer?: import('nodemailer').Transporter;
  logger?: boolean;
  /** where log lines go (default stdout); tests capture them to prove no personal data is logged */
  logStream?: DestinationStream;
  /** how bearer tokens are checked (default: the OIDC_ISSUER's published keys) */
  verifier?: TokenVerifier;
  /** OpenTelemetry tracing (worker/tracing.ts): a span per request; unset, none */
  tracer?: Tracer;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}


/** Personal fields of candidates and workers: censored wherever they appear in a logged object. */
const PERSONAL_FIELDS = ['nationalId', 'firstName', 'lastName', 'birthDate', 'phone', 'email', 'passportNumber', 'householdSituation', 'commune', 'workerName'];
const REDACT_PATHS = PERSONAL_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]);

/**
 * The request as logged: the path without its query string, and with any long run of digits (a national ID, a
 * passport or phone number someone put in a URL) masked. Route patterns and cycle IDs stay readable.
 */
function loggedRequest(req: FastifyRequest) {
  const path = req.url.split('?')[0]!.replace(/\d{5,}/g, (d) => `${d.slice(0, 1)}…`);
  return { method: req.method, url: path, route: req.routeOptions?.url, reqId: req.id };
}

const send = sendProblem;

/** A JSON body is small; a file upload (CSV, XLSX, JSON rows) may carry 50,000 rows. */
const JSON_BODY_LIMIT = 1024 * 1024;
const FILE_BODY_LIMIT = 20 * 1024 * 1024;

/** An operationId for every route that does not name its own: the method and the path, e.g. getCampaignsByCampaignId. */
function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .filter(Boolean)
    .map((seg) => (seg.startsWith(':') ? `By${seg.slice(1, 2).toUpperCase()}${seg.slice(2)}` : seg.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())))
    .map((w) => w.slice(0, 1).toUpperCase() + w.slice(1));
  return `${method.toLowerCase()}${words.join('')}`;
}

/**
 * The document without the component schemas nothing refers to: the zod provider registers an input and an output
 * variant of every named schema, and most routes use only one of them.
 */
function withoutUnusedSchemas<T extends object>(doc: T): T {
  const components = (doc as { components?: { schemas?: Record<string, unknown> } }).components;
  const schemas = components?.schemas;
  if (!schemas) return doc;
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        const name = k === '$ref' && typeof v === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(v)?.[1] : undefined;
        if (name === undefined) visit(v);
        else if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      }
    }
  };
  visit({ ...doc, components: { ...components, schemas: undefined } });
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
  return doc;
}

/** The reason an Update failed because its step could not be persisted (an activity's ERROR_UNSTORABLE_DATA). */
function unstorableStep(err: unknown): string | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  for (let e: unknown = err.cause, i = 0; e instanceof Error && i < 4; e = e.cause, i++) {
    if (e instanceof ApplicationFailure && e.type === ERROR_UNSTORABLE_DATA) return e.message.replace(/ \(query: [\s\S]*\)$/, ''); // the SQL stays in the history
  }
  return undefined;
}

/** The path parameter or query value PostgreSQL quoted in its message (`value "2147483648" is out of range`). */
function fieldOfRejectedValue(req: FastifyRequest, pgMessage: string): string | undefined {
  const quoted = /"([^"]*)"/.exec(pgMessage)?.[1];
  if (quoted === undefined) return undefined;
  for (const [part, values] of [['params', req.params], ['querystring', req.query]] as const) {
    for (const [k, v] of Object.entries((values ?? {}) as Record<string, unknown>)) if (String(v) === quoted) return `${part}.${k}`;
  }
  return undefined;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const timeouts = configFields
    .pick({ API_HANDLER_TIMEOUT_MS: true, API_REQUEST_TIMEOUT_MS: true })
    .parse({ API_HANDLER_TIMEOUT_MS: deps.config.API_HANDLER_TIMEOUT_MS, API_REQUEST_TIMEOUT_MS: deps.config.API_REQUEST_TIMEOUT_MS });
  // Failed queries are logged with their SQL, never their values; personal fields are censored.
  const loggerInstance = (): FastifyBaseLogger =>
    pino(
      {
        level: deps.config.LOG_LEVEL,
        redact: { paths: REDACT_PATHS, censor: '[personal]' },
        serializers: { err: safeErrSerializer(pino.stdSerializers.err), req: loggedRequest },
      },
      deps.logStream ?? pino.destination(1),
    );
  const app = Fastify({
    ...(deps.logger === false ? { logger: false } : { loggerInstance: loggerInstance() }),
    bodyLimit: JSON_BODY_LIMIT,
    // no request hangs: a slow handler is answered 503 + Retry-After, a stalled upload is cut off
    handlerTimeout: timeouts.API_HANDLER_TIMEOUT_MS,
    requestTimeout: timeouts.API_REQUEST_TIMEOUT_MS,
    genReqId: requestId,
    // what the router refuses before any route runs (a malformed escape, a parameter over 100 characters): the
    // same problem JSON as every other 4xx
    frameworkErrors: (err, _req, reply) => send(reply, err.statusCode ?? 400, err.message),
  }).withTypeProvider<ZodTypeProvider>();
  app.decorate('deps', deps);
  usePublicIdSecret(deps.config.ERASURE_HMAC_KEY);
  registerFileParsers(app);
  app.addHook('preValidation', refuseUnsafeText);
  app.setValidatorCompiler(validatorCompiler);
  app.addHook('onRoute', (route) => {
    if (!route.schema || (route.schema as { hide?: boolean }).hide) return;
    const schema = route.schema as { operationId?: string };
    const method = Array.isArray(route.method) ? route.method[0]! : route.method;
    schema.operationId ??= operationIdOf(method, route.url);
    // per-route body limits: only the file routes take large bodies
    if ((route.schema as { consumes?: string[] }).consumes?.includes('text/csv')) route.bodyLimit ??= FILE_BODY_LIMIT;
  });
  app.setSerializerCompiler(serializerCompiler);

  // security headers on every answer; the docs page keeps a CSP that lets Swagger UI run (@fastify/swagger-ui staticCSP)
  // Over plain http on a developer's machine no upgrade to https is asked for (production runs behind TLS).
  const production = deps.config.NODE_ENV === 'production';
  await app.register(helmet, { global: true, hsts: production, contentSecurityPolicy: { directives: { upgradeInsecureRequests: production ? [] : null } } });
  // Swagger UI's Authorize logs in through a popup on the provider's origin that comes back to
  // /docs/static/oauth2-redirect.html and hands the code to its opener: with helmet's COOP same-origin the popup loses
  // its opener on the way (checked in Chromium: test/console.test.ts), so the docs pages keep their popups
  app.addHook('onSend', async (req, reply) => {
    if (req.url === '/docs' || req.url.startsWith('/docs/')) {
      void reply.header('cross-origin-opener-policy', req.url.startsWith('/docs/static/oauth2-redirect') ? 'unsafe-none' : 'same-origin-allow-popups');
    }
  });
  const issuerOrigin = new URL(deps.config.OIDC_ISSUER).origin;
  // closed by default: no other origin's page may call the API unless configured
  // (the codec's routes answer the Temporal Web UI's origins instead)
  const apiOrigins = deps.config.API_CORS_ORIGINS?.length ? deps.config.API_CORS_ORIGINS : false;
  const uiCors = codecCors(temporalUiOrigins(deps.config));
  await app.register(cors, () => (req: FastifyRequest, callback: (err: Error | null, options: FastifyCorsOptions) => void) => callback(null, req.url?.startsWith(`${CODEC_PATH}/`) ? uiCors : { origin: apiOrigins }));
  await app.register(rateLimit, {
    max: deps.config.API_RATE_LIMIT_PER_MINUTE ?? 1200,
    timeWindow: '1 minute',
    // per caller: the token when there is one (hashed, never kept), else the address
    keyGenerator: (req) => (req.headers.authorization ? createHash('sha256').update(req.headers.authorization).digest('base64url') : req.ip),
    errorResponseBuilder: (_req, ctx) => Object.assign(new Error(`too many requests: at most ${ctx.max} a minute; retry in ${Math.ceil(ctx.ttl / 1000)} s`), { statusCode: 429 }),
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'GECCO Flow API',
        description: 'Seasonal recruitment at origin (GECCO) as durable Temporal workflows',
        version: '0.1.0',
        license: { name: 'Proprietary (ANAPEC programme use)', url: 'https://www.anapec.org' },
      },
      servers: [{ url: '/', description: 'this server' }],
      components: {
        securitySchemes: {
          [SECURITY_SCHEMES.oidc]: { type: 'openIdConnect', openIdConnectUrl: `${deps.config.OIDC_ISSUER.replace(/\/$/, '')}/.well-known/openid-configuration`, description: 'Log in (authorization code with PKCE)' },
          [SECURITY_SCHEMES.bearer]: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "An access token from the same provider (e.g. a script's client-credentials token)" },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (doc) => withoutUnusedSchemas(jsonSchemaTransformObject(doc)),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // "Authorize" reads the provider's discovery document and exchanges the code from the page: allow that origin
    transformStaticCSP: (header) => {
      const csp = `${header.replace(/;?\s*$/, '')}; connect-src 'self' ${issuerOrigin}`;
      return production ? csp : csp.replace(/\s*upgrade-insecure-requests;?/, '');
    },
    // "Authorize" logs in with the provider as the console client (authorization code + PKCE)
    initOAuth: { clientId: deps.config.OIDC_CONSOLE_CLIENT_ID, usePkceWithAuthorizationCodeGrant: true, scopes: ['openid', 'profile'] },
    uiConfig: { persistAuthorization: true },
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => {
        const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
        return { field: [err.validationContext, path].filter(Boolean).join('.'), reason: v.message ?? 'invalid' };
      });
      return send(reply, 400, `invalid ${err.validationContext ?? 'request'}: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`, issues);
    }
    if (err instanceof HttpError) return send(reply, err.statusCode, err.message, err.issues);
    const outage = outageOf(err) ?? (err.code === 'FST_ERR_HANDLER_TIMEOUT' ? { service: 'API', retryAfter: 5, message: 'the request took too long; retry shortly' } : undefined);
    if (outage) {
      req.log.warn({ err, service: outage.service }, 'service unavailable');
      void reply.header('retry-after', String(outage.retryAfter));
      return send(reply, 503, outage.message);
    }
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      const failure = err.cause;
      if (failure.type === ERROR_OUT_OF_ORDER) return send(reply, 409, failure.message);
      if (failure.type === ERROR_INVALID_STEP) {
        const field = (failure.details?.[0] as { field?: string } | undefined)?.field ?? 'body';
        return send(reply, 422, failure.message, [{ field: `body.${field}`, reason: failure.message }]);
      }
    }
    const unstorable = unstorableStep(err);
    if (unstorable) return send(reply, 422, `the step cannot be stored: ${unstorable}`, [{ field: 'body', reason: unstorable }]);
    if (isPermanentDbError(err)) {
      // the database refused a value of this request (e.g. an id beyond its column): the request's fault
      const reason = safePgMessage(dbCause(err)!);
      const field = fieldOfRejectedValue(req, dbCause(err)!.message) ?? 'request';
      return send(reply, 400, `invalid ${field}: ${reason}`, [{ field, reason }]);
    }
    if (err instanceof WorkflowNotFoundError) return send(reply, 404, 'worker cycle not found');
    if (isResponseSerializationError(err)) {
      req.log.error({ err, issues: err.cause.issues }, 'response does not match its schema');
      return send(reply, 500, 'internal error');
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, err.statusCode, err.message); // e.g. malformed JSON, unsupported media type
    }
    req.log.error({ err }, 'unhandled error');
    return send(reply, 500, 'internal error');
  });
  app.setNotFoundHandler((req, reply) => send(reply, 404, `no route ${req.method} ${req.url}`));

  await app.register(accessControl, { verifier: deps.verifier ?? tokenVerifier(deps.config) });
  app.get('/health', { config: { access: 'public' }, schema: { hide: true } }, async () => ({ ok: true }));
  await app.register(operationsRoutes, { tracer: deps.tracer });
  // the business routes, in the order the OpenAPI document lists them
  const routes = [campaignRoutes, candidateRoutes, cycleRoutes, documentRoutes, intakeRoutes, selectionSessionRoutes, visaBatchRoutes, consulateRoutes, departureRoutes, workerRoutes, reportRoutes, inSeasonCaseRoutes, agencyRoutes, peopleRoutes, operatorRoutes, repairRoutes];
  for (const plugin of routes) await app.register(plugin);
  // the Temporal Web UI decodes payloads through the API, for callers with payload:decode (operators)
  await app.register(codecRoutes, { codec: dataConverterFrom(deps.config).payloadCodecs[0]!, namespace: deps.config.TEMPORAL_NAMESPACE ?? 'default', uiOrigins: temporalUiOrigins(deps.config), openInDevelopment: deps.config.NODE_ENV === 'development' && !deps.config.PAYLOAD_KEYS });
  // the web console's static files (public: no data); its pages call the routes above with the user's token
  await app.register(consoleRoutes, { issuer: deps.config.OIDC_ISSUER, clientId: deps.config.OIDC_CONSOLE_CLIENT_ID, production });
  return app;
}
