// An OpenID Connect provider for development and tests (npm `oidc-provider`, a certified implementation): what
// Keycloak is in production, with the demo identities of scripts/lib/demo-identities.ts.
//   discovery   /.well-known/openid-configuration, keys at /jwks (one RS256 key: generated at start, or kept in
//               keyFile so tokens outlive a restart of `npm start`)
//   console     the public client (authorization code + PKCE S256) the Swagger UI and the console log in with;
//               login is a small form checked against the demo identities; consent is implied (every client here
//               is the project's own)
//   scripts     one confidential client per demo identity (client credentials), carrying that person's claims in its
//               `gecco_claims` metadata
//   tokens      access tokens for the API are JWTs (RS256) with aud = the API's audience and the GECCO claims
//               (api/auth/roles.ts CLAIMS), whether or not the request names a `resource`
// State (sessions, grants, codes) lives in memory: a restart logs everyone out, which suits development.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { ClientMetadata, Configuration, JWK, KoaContextWithOIDC } from 'oidc-provider';
import { CLAIMS } from '../../api/auth/roles';
import { DEMO_IDENTITIES, DEMO_PASSWORD, findDemoIdentity, geccoClaims, type DemoIdentity } from './demo-identities';

export interface OidcProviderOptions {
  /** 0 picks a free port */
  port: number;
  /** defaults to http://127.0.0.1:<port> */
  issuer?: string;
  /** the API's resource identifier: the `aud` of every access token */
  audience: string;
  consoleClientId: string;
  /** redirect URIs the console client may use besides the console's and the Swagger UI's on 127.0.0.1:3000 and localhost:3000 */
  consoleRedirectUris?: string[];
  /** where the signing key is kept (JWK, private: mode 0600); omitted: a new key per start */
  keyFile?: string;
  /** told of an unexpected failure in the login pages (the provider's own endpoints answer their errors themselves) */
  onError?: (err: unknown) => void;
  /** the demo identities to serve (default: all of DEMO_IDENTITIES) */
  identities?: readonly DemoIdentity[];
}

export interface OidcProviderHandle {
  issuer: string;
  port: number;
  stop(): Promise<void>;
}

/** the scope of the API's access tokens (the role decides the rights: api/auth/roles.ts) */
export const API_SCOPE = 'api';

const DEFAULT_REDIRECTS = ['http://127.0.0.1:3000/docs/static/oauth2-redirect.html', 'http://localhost:3000/docs/static/oauth2-redirect.html', 'http://127.0.0.1:3000/console/', 'http://localhost:3000/console/'];
const ACCESS_TOKEN_TTL = 3600;

/**
 * The resource indicator (RFC 8707) naming the API: the audience itself when it is an absolute URI, otherwise
 * `urn:<audience>` (indicators must be absolute URIs; the tokens' `aud` stays the plain audience either way).
 */
export function resourceIndicator(audience: string): string {
  return URL.canParse(audience) ? audience : `urn:${audience}`;
}

function signingKey(keyFile: string | undefined): JWK {
  if (keyFile && fs.existsSync(keyFile)) return JSON.parse(fs.readFileSync(keyFile, 'utf8')) as JWK;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' } as JWK;
  if (keyFile) {
    fs.mkdirSync(path.dirname(keyFile), { recursive: true });
    fs.writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });
  }
  return jwk;
}

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProviderHandle> {
  // loaded here, not at import: importing this file for resourceIndicator() should not load (and warn about) the provider
  const { default: Provider, errors } = await import('oidc-provider');
  const identities = options.identities ?? DEMO_IDENTITIES;
  let handle: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = options.issuer ?? `http://127.0.0.1:${port}`;
  const { audience } = options;
  const resource = resourceIndicator(audience);

  const consoleClient: ClientMetadata = {
    client_id: options.consoleClientId,
    client_name: 'GECCO Flow console',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [...new Set([...DEFAULT_REDIRECTS, ...(options.consoleRedirectUris ?? [])])],
    scope: `openid profile offline_access ${API_SCOPE}`,
  };
  const scriptClients: ClientMetadata[] = identities.map((i) => ({
    client_id: i.clientId,
    client_secret: i.clientSecret,
    client_name: `${i.name} (scripts)`,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: API_SCOPE,
    gecco_claims: geccoClaims(i),
  }));

  const configuration: Configuration = {
    clients: [consoleClient, ...scriptClients],
    jwks: { keys: [signingKey(options.keyFile)] },
    // signs the interaction and session cookies; they die with the process like the sessions they point to
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'profile', 'offline_access', API_SCOPE],
    claims: { openid: ['sub'], profile: [CLAIMS.name, CLAIMS.role, CLAIMS.province, CLAIMS.employer, CLAIMS.organisation] },
    async findAccount(_ctx, sub) {
      const person = findDemoIdentity(sub);
      if (!person || !identities.includes(person)) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...geccoClaims(person) }) };
    },
    extraClientMetadata: {
      properties: ['gecco_claims'],
      validator(_ctx, key, value) {
        if (key !== 'gecco_claims' || value === undefined) return;
        if (typeof value !== 'object' || value === null || Object.values(value).some((v) => typeof v !== 'string')) {
          throw new errors.InvalidClientMetadata('gecco_claims must be an object of strings');
        }
      },
    },
    // a user's token carries the user's claims; a script client's token the claims in its metadata
    async extraTokenClaims(ctx: KoaContextWithOIDC, token) {
      if ('accountId' in token && token.accountId) {
        const person = findDemoIdentity(token.accountId);
        return person ? geccoClaims(person) : undefined;
      }
      const client = token.clientId ? await ctx.oidc.provider.Client.find(token.clientId) : undefined;
      return client?.metadata().gecco_claims as Record<string, string> | undefined;
    },
    // authorization code (with PKCE) only: no implicit grant in the discovery document, so Swagger UI's Authorize
    // offers the code flow first (it takes the first of grant_types_supported)
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, indicator) {
          if (indicator !== resource) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return { scope: API_SCOPE, audience, accessTokenFormat: 'jwt', accessTokenTTL: ACCESS_TOKEN_TTL, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // browsers may call the token endpoint from the console's own origins (the Swagger UI's), nothing else
    clientBasedCORS(_ctx, origin, client) {
      return client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false;
    },
    ttl: { AccessToken: ACCESS_TOKEN_TTL, ClientCredentials: ACCESS_TOKEN_TTL, IdToken: ACCESS_TOKEN_TTL, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600, RefreshToken: 8 * 3600 },
  };
  let provider: Provider;
  try {
    provider = new Provider(issuer, configuration);
  } catch (err) {
    server.close();
    throw err;
  }
  const oidc = provider.callback();

  handle = (req, res) => {
    const m = /^\/interaction\/([\w-]+)(\/login)?$/.exec((req.url ?? '/').split('?', 1)[0]!);
    if (!m) {
      void oidc(req, res); // Koa answers its own errors
      return;
    }
    res.setHeader('cache-control', 'no-store');
    interaction(provider, errors, identities, req, res, m[1]!, m[2] ? 'login' : 'show').catch((err: unknown) => {
      const expired = err instanceof errors.SessionNotFound;
      if (!expired) options.onError?.(err);
      if (res.headersSent) {
        res.end();
        return;
      }
      page(res, expired ? 400 : 500, expired ? '<p>This sign-in page has expired. Start again from the application.</p>' : '<p>Sign-in failed.</p>');
    });
  };

  return {
    issuer,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------- the login interaction

async function interaction(
  provider: Provider,
  errors: typeof import('oidc-provider').errors,
  identities: readonly DemoIdentity[],
  req: http.IncomingMessage,
  res: http.ServerResponse,
  uid: string,
  action: 'show' | 'login',
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');

  if (action === 'show' && details.prompt.name === 'consent') {
    // consent is implied: every client of this provider is the project's own
    const { prompt, params, session } = details;
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
    if (!grant) throw new errors.SessionNotFound('grant not found');
    const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (details.prompt.name !== 'login') {
    page(res, 400, `<p>Unexpected sign-in step ${escapeHtml(details.prompt.name)}.</p>`);
    return;
  }
  if (action === 'show' || req.method !== 'POST') {
    page(res, 200, loginForm(uid, identities, typeof details.params.login_hint === 'string' ? details.params.login_hint : ''));
    return;
  }

  const form = new URLSearchParams(await readBody(req));
  const login = form.get('login') ?? '';
  const person = identities.find((i) => i.login === login);
  if (!person || !sameSecret(form.get('password') ?? '', person.password)) {
    page(res, 401, loginForm(uid, identities, login, 'Wrong login or password.'));
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: person.login } }, { mergeWithLastSubmission: false });
}

function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 10_000) req.destroy(new Error('form too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginForm(uid: string, identities: readonly DemoIdentity[], login: string, error?: string): string {
  const rows = identities.map((i) => `<li><code>${escapeHtml(i.login)}</code> ${escapeHtml(i.name)}, ${escapeHtml(i.role)}${i.province ? ` (${escapeHtml(i.province)})` : ''}${i.employer ? ` (${escapeHtml(i.employer)})` : ''}</li>`);
  return `<h1>GECCO Flow: sign in</h1>
${error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
  <label>Login <input name="login" required value="${escapeHtml(login)}" ${login ? '' : 'autofocus'}></label>
  <label>Password <input name="password" type="password" required ${login ? 'autofocus' : ''}></label>
  <button type="submit">Sign in</button>
</form>
<details><summary>Demo logins (development only; password <code>${escapeHtml(DEMO_PASSWORD)}</code>)</summary><ul>${rows.join('')}</ul></details>`;
}

function page(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>GECCO Flow sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}label{display:block;margin:.5rem 0}.error{color:#b00}</style>
</head><body>${body}</body></html>`);
}
