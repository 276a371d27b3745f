// What operators and their tools ask of the API process: readiness (/ready: PostgreSQL and Temporal answer), Prometheus
// metrics (/metrics: request durations by route, Node's own), request IDs (x-request-id taken when sane, else made;
// echoed on every response, in the request's log lines, and sent on to the workflows and activities the request
// starts or steps: worker/request-ids.ts) and, when tracing is on (worker/tracing.ts), a span per request.
// /health stays the cheap liveness check in app.ts.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'drizzle-orm';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { REQUEST_ID_HEADER, isRequestId } from '../worker/request-id-header';
import { withRequestId } from '../worker/request-ids';

const READY_TIMEOUT_MS = 2_000;

/** Fastify's genReqId: the caller's x-request-id when it is a plain token (it goes into logs), else a new UUID. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return isRequestId(given) ? given : randomUUID();
}

/**
 * A span per request (SERVER, named by the route pattern, never the URL with its IDs), child of the caller's
 * trace context (W3C traceparent) when it sends one; active while the route's handler runs (wrapped in onRoute).
 */
function traceRequests(app: FastifyInstance, tracer: Tracer): WeakMap<FastifyRequest, Span> {
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.url;
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(route ? `${req.method} ${route}` : req.method, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method, ...(route ? { 'http.route': route } : {}), 'gecco.request_id': req.id },
    }, parent);
    spans.set(req, span);
  });
  const end = (req: FastifyRequest, statusCode?: number) => {
    const span = spans.get(req);
    if (!span) return;
    spans.delete(req);
    if (statusCode !== undefined) span.setAttribute('http.response.status_code', statusCode);
    if (statusCode === undefined || statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, ...(statusCode === undefined ? { message: 'request aborted' } : {}) });
    span.end();
  };
  app.addHook('onResponse', async (req, reply) => end(req, reply.statusCode));
  app.addHook('onRequestAbort', async (req) => end(req));
  return spans;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

async function operations(app: FastifyInstance, opts: { tracer?: Tracer | undefined }): Promise<void> {
  // Each route's handler runs with its request ID current (and its span active): the Temporal calls it makes send them on.
  const spans = opts.tracer ? traceRequests(app, opts.tracer) : undefined;
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, req, reply) {
      const run = () => withRequestId(req.id, () => handler.call(this, req, reply));
      const span = spans?.get(req);
      return span ? context.with(trace.setSpan(context.active(), span), run) : run();
    } as RouteHandlerMethod;
  });

  // One registry per app: tests build many apps in one process.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'gecco_http_request_duration_seconds',
    help: 'API request duration by route (the route pattern, never the raw URL: IDs stay out of labels)',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    duration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });

  // Readiness: a load balancer stops sending requests here while PostgreSQL or Temporal does not answer (requests
  // would hang), and the process is not restarted for it (that is /health's job).
  app.get('/ready', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    const { db, temporal } = app.deps;
    const check = async (what: () => Promise<unknown>) => {
      try {
        await withTimeout(what(), READY_TIMEOUT_MS);
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      }
    };
    const [postgres, temporalStatus] = await Promise.all([
      check(() => db.execute(sql`select 1`)),
      check(() => temporal.workflowService.getSystemInfo({})),
    ]);
    const ok = postgres === 'ok' && temporalStatus === 'ok';
    return reply.code(ok ? 200 : 503).send({ ok, postgres, temporal: temporalStatus });
  });
}

/** Not encapsulated (fastify-plugin): the request-ID and timing hooks apply to every route of the app. */
export const operationsRoutes = fp(operations, { name: 'gecco-operations' });
