// Builds the Fastify app from its dependencies; api/server.ts listens, tests use app.inject.
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import pino, { type DestinationStream } from 'pino';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
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
import { registerFileParsers } from './files';
import { operationsRoutes, requestId } from './operations';

export interface AppDeps {
  db: Db;
  temporal: Client;
  config: Pick<Config, 'CYCLE_TIMINGS' | 'LOG_LEVEL' | 'RESERVE_CHECK_INTERVAL' | 'NON_RETURN_BLOCK_YEARS'> &
    Partial<Pick<Config, 'API_HANDLER_TIMEOUT_MS' | 'API_REQUEST_TIMEOUT_MS' | 'MAIL_FROM' | 'AGENCY_EMAIL' | 'CALL_ATTEMPTS_BEFORE_ESCALATION'>>;
  /** escalations of unreachable workers are e-mailed through the outbox when given */
  mailer?: import('nodemailer').Transporter;
  logger?: boolean;
  /** where log lines go (default stdout); tests capture them to prove no personal data is logged */
  logStream?: DestinationStream;
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

/** An operationId for every route that does not name its own: the method and the path, e.g. getCampaignsByCampaignId. */
function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .filter(Boolean)
    .map((seg) => (seg.startsWith(':') ? `By${seg.slice(1, 2).toUpperCase()}${seg.slice(2)}` : seg.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())))
    .map((w) => w.slice(0, 1).toUpperCase() + w.slice(1));
  return `${method.toLowerCase()}${words.join('')}`;
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
    bodyLimit: 20 * 1024 * 1024,
    // no request hangs: a slow handler is answered 503 + Retry-After, a stalled upload is cut off
    handlerTimeout: timeouts.API_HANDLER_TIMEOUT_MS,
    requestTimeout: timeouts.API_REQUEST_TIMEOUT_MS,
    genReqId: requestId,
  }).withTypeProvider<ZodTypeProvider>();
  app.decorate('deps', deps);
  registerFileParsers(app);
  app.addHook('preValidation', refuseUnsafeText);
  app.setValidatorCompiler(validatorCompiler);
  app.addHook('onRoute', (route) => {
    if (!route.schema || (route.schema as { hide?: boolean }).hide) return;
    const schema = route.schema as { operationId?: string };
    const method = Array.isArray(route.method) ? route.method[0]! : route.method;
    schema.operationId ??= operationIdOf(method, route.url);
  });
  app.setSerializerCompiler(serializerCompiler);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'GECCO Flow API',
        description: 'Seasonal recruitment at origin (GECCO) as durable Temporal workflows',
        version: '0.1.0',
        license: { name: 'Proprietary (ANAPEC programme use)', url: 'https://www.anapec.org' },
      },
      servers: [{ url: '/', description: 'this server' }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

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

  app.get('/health', { schema: { hide: true } }, async () => ({ ok: true }));
  await app.register(operationsRoutes);
  await app.register(campaignRoutes);
  await app.register(candidateRoutes);
  await app.register(cycleRoutes);
  await app.register(documentRoutes);
  await app.register(intakeRoutes);
  await app.register(visaBatchRoutes);
  await app.register(departureRoutes);
  await app.register(workerRoutes);
  await app.register(agencyRoutes);
  return app;
}
