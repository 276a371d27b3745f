// Builds the Fastify app from its dependencies; api/server.ts listens, tests use app.inject.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../config';
import type { Db } from '../db/client';
import { ERROR_INVALID_STEP, ERROR_OUT_OF_ORDER } from '../workflows/contracts/errors';
import { HttpError, type FieldIssue } from './errors';
import { agencyRoutes } from './routes/agencies';
import { campaignRoutes } from './routes/campaigns';
import { candidateRoutes } from './routes/candidates';
import { cycleRoutes } from './routes/cycles';
import { documentRoutes } from './routes/documents';
import { departureRoutes } from './routes/departures';
import { intakeRoutes } from './routes/intake';
import { visaBatchRoutes } from './routes/visa-batches';
import { workerRoutes } from './routes/workers';
import { registerCsvParser } from './intake';

export interface AppDeps {
  db: Db;
  temporal: Client;
  config: Pick<Config, 'CYCLE_TIMINGS' | 'LOG_LEVEL' | 'RESERVE_CHECK_INTERVAL' | 'NON_RETURN_BLOCK_YEARS'> &
    Partial<Pick<Config, 'MAIL_FROM' | 'AGENCY_EMAIL' | 'CALL_ATTEMPTS_BEFORE_ESCALATION'>>;
  /** escalations of unreachable workers are e-mailed through the outbox when given */
  mailer?: import('nodemailer').Transporter;
  logger?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
};

function send(reply: import('fastify').FastifyReply, statusCode: number, message: string, issues?: FieldIssue[]) {
  return reply.code(statusCode).send({ statusCode, error: STATUS_TEXT[statusCode] ?? 'Error', message, ...(issues ? { issues } : {}) });
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger === false ? false : { level: deps.config.LOG_LEVEL },
    bodyLimit: 20 * 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.decorate('deps', deps);
  registerCsvParser(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'GECCO Flow API',
        description: 'Seasonal recruitment at origin (GECCO) as durable Temporal workflows',
        version: '0.1.0',
      },
    },
    transform: jsonSchemaTransform,
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
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      const failure = err.cause;
      if (failure.type === ERROR_OUT_OF_ORDER) return send(reply, 409, failure.message);
      if (failure.type === ERROR_INVALID_STEP) {
        const field = (failure.details?.[0] as { field?: string } | undefined)?.field ?? 'body';
        return send(reply, 422, failure.message, [{ field: `body.${field}`, reason: failure.message }]);
      }
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
