// The embedded OpenID Connect provider (scripts/lib/oidc-provider.ts) over real HTTP: discovery, script tokens for
// every demo identity, and a person's browser login (authorization code + PKCE) driven by hand, cookies included.
import crypto from 'node:crypto';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { CLAIMS } from '../api/auth/roles';
import { loadConfig } from '../config';
import { clientCredentialsToken } from '../scripts/lib/client-credentials';
import { DEMO_IDENTITIES, demoIdentity, geccoClaims } from '../scripts/lib/demo-identities';
import { resourceIndicator } from '../scripts/lib/oidc-provider';
import { authHeader, tokenFor } from './tokens';

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  grant_types_supported: string[];
  code_challenge_methods_supported: string[];
}

const issuer = inject('oidcIssuer');
const audience = inject('oidcAudience');
const consoleClientId = loadConfig().OIDC_CONSOLE_CLIENT_ID;
const redirectUri = 'http://127.0.0.1:3000/docs/static/oauth2-redirect.html';
let discovery: Discovery;
let jwks: ReturnType<typeof createRemoteJWKSet>;

beforeAll(async () => {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  expect(res.status).toBe(200);
  discovery = (await res.json()) as Discovery;
  jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
});

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

async function clientCredentials(clientId: string, secret: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...extra }),
  });
}

async function verify(token: string): Promise<JWTPayload> {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer, audience, algorithms: ['RS256'] });
  expect(protectedHeader.typ).toBe('at+jwt');
  return payload;
}

describe('embedded OpenID Connect provider', () => {
  it('serves its discovery document and keys', async () => {
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials']));
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    const keys = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<{ kty: string; alg?: string; d?: string }> };
    expect(keys.keys).toHaveLength(1);
    expect(keys.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(keys.keys[0]!.d).toBeUndefined(); // public part only
  });

  it.each(DEMO_IDENTITIES.map((i) => [i.login, i] as const))('gives %s a script token (client credentials) with its claims', async (_login, identity) => {
    const res = await clientCredentials(identity.clientId, identity.clientSecret);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(3600);
    const claims = await verify(body.access_token);
    expect(claims.sub).toBe(identity.clientId);
    expect(claims).toMatchObject(geccoClaims(identity));
    expect(claims[CLAIMS.role]).toBe(identity.role);
    expect(claims[CLAIMS.province]).toBe(identity.province);
    expect(claims[CLAIMS.employer]).toBe(identity.employer);
  });

  it('names the jurisdiction of the two agencies and the two farms apart', async () => {
    const [kenitra, larache, farm1, farm2] = await Promise.all(
      (['agent-kenitra', 'agent-larache', 'employer-b21000001', 'employer-b21000002'] as const).map(async (l) => verify(await tokenFor(l))),
    );
    expect([kenitra![CLAIMS.province], larache![CLAIMS.province]]).toEqual(['Kenitra', 'Larache']);
    expect([farm1![CLAIMS.employer], farm2![CLAIMS.employer]]).toEqual(['B21000001', 'B21000002']);
  });

  it('accepts the API named as a resource and scope api; refuses another resource', async () => {
    const { clientId, clientSecret } = demoIdentity('coordinator');
    const named = await clientCredentials(clientId, clientSecret, { resource: resourceIndicator(audience), scope: 'api' });
    expect(named.status).toBe(200);
    const body = (await named.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('api');
    expect((await verify(body.access_token)).scope).toBe('api');
    const other = await clientCredentials(clientId, clientSecret, { resource: 'https://elsewhere.example/api' });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: string }).error).toBe('invalid_target');
  });

  it('refuses a wrong client secret', async () => {
    const res = await clientCredentials('demo-coordinator', 'not-the-secret');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('tokenFor reuses a token until it nears expiry; authHeader carries it', async () => {
    const first = await tokenFor('auditor');
    expect(await tokenFor('auditor')).toBe(first);
    expect(await authHeader('auditor')).toEqual({ authorization: `Bearer ${first}` });
  });

  it('a client-credentials token is renewed a minute before it expires (a bench outlives the hour a token lasts)', async () => {
    const { clientId, clientSecret } = demoIdentity('coordinator');
    const token = clientCredentialsToken({ issuer, clientId, clientSecret });
    const first = await token();
    const { exp } = await verify(first);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(exp! * 1000 - 90_000);
      expect(await token()).toBe(first);
      vi.setSystemTime(exp! * 1000 - 30_000);
      const renewed = await token();
      expect(renewed).not.toBe(first);
      expect(await token()).toBe(renewed);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('browser login (authorization code + PKCE) for a demo user', () => {
  /** A minimal browser: follows nothing by itself, keeps cookies by name (every path: the provider's paths nest). */
  function browser() {
    const jar = new Map<string, string>();
    async function go(url: string, init: RequestInit = {}): Promise<Response> {
      const res = await fetch(url, {
        ...init,
        redirect: 'manual',
        headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const line of res.headers.getSetCookie()) {
        const pair = line.split(';', 1)[0]!;
        const eq = pair.indexOf('=');
        const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1)];
        if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
        else jar.set(name, value);
      }
      return res;
    }
    /** Follows redirects within the provider; stops at the client's redirect URI or at a page. */
    async function follow(res: Response, from: string): Promise<{ res: Response; url: string }> {
      let url = from;
      while (res.status >= 300 && res.status < 400) {
        url = new URL(res.headers.get('location')!, url).href;
        if (url.startsWith(redirectUri)) return { res, url };
        res = await go(url);
      }
      return { res, url };
    }
    return { go, follow };
  }

  function pkce() {
    const verifier = crypto.randomBytes(32).toString('base64url');
    return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
  }

  function authorizeUrl(challenge: string | undefined, state: string): string {
    const params = new URLSearchParams({ client_id: consoleClientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid profile api', state });
    if (challenge) {
      params.set('code_challenge', challenge);
      params.set('code_challenge_method', 'S256');
    }
    return `${discovery.authorization_endpoint}?${params}`;
  }

  function formAction(html: string, base: string): string {
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    expect(action, 'the login form').toBeDefined();
    return new URL(action!.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c))), base).href;
  }

  it('logs agent-larache in and issues a JWT access token with her claims', async () => {
    const b = browser();
    const { verifier, challenge } = pkce();
    const state = crypto.randomUUID();

    const start = authorizeUrl(challenge, state);
    const loginPage = await b.follow(await b.go(start), start);
    expect(loginPage.res.status).toBe(200);
    const html = await loginPage.res.text();
    expect(html).toContain('name="password"');
    const action = formAction(html, loginPage.url);

    // a wrong password: refused, the form again
    const wrong = await b.go(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ login: 'agent-larache', password: 'nope' }).toString() });
    expect(wrong.status).toBe(401);
    const again = await wrong.text();
    expect(again).toContain('Wrong login or password');
    expect(formAction(again, action)).toBe(action);

    // the right one: back through the provider (consent is implied for the console) to the redirect URI with a code
    const right = await b.go(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ login: 'agent-larache', password: 'demo' }).toString() });
    const landed = await b.follow(right, action);
    expect(landed.url.startsWith(redirectUri), `landed on ${landed.url}`).toBe(true);
    const callback = new URL(landed.url).searchParams;
    expect(callback.get('error')).toBeNull();
    expect(callback.get('state')).toBe(state);
    const code = callback.get('code');
    expect(code).toBeTruthy();

    const tokenRes = await fetch(discovery.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri, client_id: consoleClientId, code_verifier: verifier }),
    });
    expect(tokenRes.status).toBe(200);
    const tokens = (await tokenRes.json()) as { access_token: string; id_token: string; token_type: string };
    expect(tokens.token_type).toBe('Bearer');
    const claims = await verify(tokens.access_token);
    const larache = demoIdentity('agent-larache');
    expect(claims.sub).toBe('agent-larache');
    expect(claims.client_id).toBe(consoleClientId);
    expect(claims).toMatchObject(geccoClaims(larache));
    expect(claims[CLAIMS.employer]).toBeUndefined();

    // the ID token names the same person, for the console
    const { payload: id } = await jwtVerify(tokens.id_token, jwks, { issuer, audience: consoleClientId });
    expect(id.sub).toBe('agent-larache');
  });

  it('refuses an authorization request without PKCE from the public console client', async () => {
    const b = browser();
    const start = authorizeUrl(undefined, 's');
    const out = await b.follow(await b.go(start), start);
    const params = new URL(out.url).searchParams;
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toMatch(/PKCE/);
  });

  it('refuses a code exchanged without its verifier', async () => {
    const b = browser();
    const { challenge } = pkce();
    const start = authorizeUrl(challenge, 's');
    const page = await b.follow(await b.go(start), start);
    const action = formAction(await page.res.text(), page.url);
    const right = await b.go(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ login: 'coordinator', password: 'demo' }).toString() });
    const landed = await b.follow(right, action);
    const code = new URL(landed.url).searchParams.get('code')!;
    const res = await fetch(discovery.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: consoleClientId, code_verifier: pkce().verifier }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });
});
