// Every route declares who may call it: `config: { access: { scope } }` (or 'public' for probes). A route
// without a declaration does not register (the app fails to build), so none can be added open by mistake.
// Authentication and the scope check run at onRequest, before the body is read: an anonymous caller learns
// nothing about the request's validity. Jurisdiction (which records) is applied by the query modules
// (api/auth/jurisdiction.ts), so lists are filtered in SQL and a record outside it answers 404.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { sendProblem } from '../errors';
import { errorSchema } from '../schemas';
import { ROLE_TABLE, rolesWith, type Actor, type Scope } from './roles';
import { TokenError, type TokenVerifier } from './tokens';

export type Access = { scope: Scope } | 'public';

/** A registered route and what it declared (HEAD routes share their GET's declaration and are not listed). */
export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** development only (the codec under npm start's public key): a request without a token is let through */
    tokenOptional?: boolean;
  }
  interface FastifyInstance {
    /** every route the app registered with its declared access, in registration order (test/access.test.ts walks it) */
    routeAccess: readonly RouteAccess[];
  }
  interface FastifyRequest {
    /** the authenticated caller (set on every route that is not public) */
    actor: Actor | undefined;
  }
}

/** The security scheme names in the OpenAPI document. */
export const SECURITY_SCHEMES = { oidc: 'oidc', bearer: 'bearer' } as const;

/** The authenticated caller of a non-public route. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new Error(`route ${req.routeOptions.url} reached its handler without a caller`);
  return req.actor;
}

/** Routes that are the documentation UI's own (registered by @fastify/swagger-ui): public. */
const isDocsRoute = (url: string) => url === '/docs' || url.startsWith('/docs/');

function declareInOpenApi(route: RouteOptions, access: Access) {
  if (access === 'public' || !route.schema) return;
  const schema = route.schema as { security?: unknown; description?: string; response?: Record<string, unknown> };
  schema.security = [{ [SECURITY_SCHEMES.oidc]: [] }, { [SECURITY_SCHEMES.bearer]: [] }];
  // the answers of the onRequest hook below, documented (and serialised) like the route's own problems
  schema.response = { ...schema.response, 401: errorSchema, 403: errorSchema };
  const roles = rolesWith(access.scope).join(', ');
  const requirement = `Requires scope \`${access.scope}\` (roles: ${roles}).`;
  // a GET's HEAD twin shares its schema object: say it once
  if (!schema.description?.includes(requirement)) schema.description = `${schema.description ? `${schema.description}\n\n` : ''}${requirement}`;
}

function unauthorised(reply: FastifyReply, reason: string) {
  void reply.header('www-authenticate', `Bearer realm="gecco-flow", error="invalid_token", error_description="${reason.replace(/"/g, "'")}"`);
  return sendProblem(reply, 401, reason, [{ field: 'headers.authorization', reason }]);
}

export interface AccessOptions {
  verifier: TokenVerifier;
}

export const accessControl = fp<AccessOptions>(async (app: FastifyInstance, opts) => {
  app.decorateRequest('actor', undefined);
  const declared: RouteAccess[] = [];
  app.decorate('routeAccess', declared);
  app.addHook('onRoute', (route) => {
    // the docs UI's own pages, and CORS preflights (a browser sends them without credentials)
    if (isDocsRoute(route.url) || route.method === 'OPTIONS') return;
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (!access) throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access: { scope } or 'public')`);
    declareInOpenApi(route, access);
    for (const method of [route.method].flat()) if (method !== 'HEAD') declared.push({ method, url: route.url, access });
  });
  app.addHook('onRequest', async (req, reply) => {
    const access = req.routeOptions.config?.access;
    if (!access || access === 'public') return; // no route matched (404 handler) or a probe
    const header = req.headers.authorization;
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    if (!token && !header && req.routeOptions.config?.tokenOptional) return;
    if (!token) return unauthorised(reply, header ? 'the Authorization header is not a Bearer token' : 'a Bearer token is required (log in with OpenID Connect)');
    let actor: Actor;
    try {
      actor = await opts.verifier.verify(token);
    } catch (err) {
      if (err instanceof TokenError) return unauthorised(reply, err.message);
      req.log.warn({ err }, 'identity provider unavailable');
      void reply.header('retry-after', '5');
      return sendProblem(reply, 503, 'the identity provider is unavailable; retry shortly');
    }
    if (!actor.scopes.has(access.scope)) {
      return sendProblem(reply, 403, `a ${ROLE_TABLE[actor.role].label} may not do this (needs scope ${access.scope})`, [{ field: 'headers.authorization', reason: `role ${actor.role} lacks scope ${access.scope}` }]);
    }
    req.actor = actor;
  });
});

/** How the audit trail names who acted: the authenticated caller, with the caller's note when one is given. */
export function actedBy(req: FastifyRequest, note?: string): string {
  const label = actorOf(req).label;
  return note ? `${label} — ${note}` : label;
}
