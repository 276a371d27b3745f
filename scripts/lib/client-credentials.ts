// Bearer tokens for a script client (OAuth 2.0 client credentials, RFC 6749 §4.4) from an OpenID Connect provider:
// how the tests (test/tokens.ts) and the bench (bench/lib/api.ts) call the API, as a coordinator's upload script
// would. A token is reused until a minute before it expires, then renewed, so a caller that runs for hours never
// sends an expired one; callers asking at the same time share one request.

export interface ClientCredentials {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** how long before its expiry a token is renewed (at most a tenth of its lifetime, for short-lived tokens) */
const RENEW_BEFORE_MS = 60_000;

const tokenEndpoints = new Map<string, Promise<string>>();

function tokenEndpointOf(issuer: string): Promise<string> {
  let endpoint = tokenEndpoints.get(issuer);
  if (!endpoint) {
    endpoint = (async () => {
      const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`OIDC discovery at ${issuer}: HTTP ${res.status}`);
      return ((await res.json()) as { token_endpoint: string }).token_endpoint;
    })();
    // a failed discovery is tried again by the next caller
    endpoint.catch(() => tokenEndpoints.delete(issuer));
    tokenEndpoints.set(issuer, endpoint);
  }
  return endpoint;
}

interface Issued {
  token: string;
  /** epoch ms from which a new token is fetched */
  renewAt: number;
}

async function requestToken(c: ClientCredentials): Promise<Issued> {
  const res = await fetch(await tokenEndpointOf(c.issuer), {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new Error(`token for ${c.clientId}: HTTP ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim());
  const lifetimeMs = (body.expires_in ?? 60) * 1000;
  return { token: body.access_token, renewAt: Date.now() + lifetimeMs - Math.min(RENEW_BEFORE_MS, lifetimeMs / 10) };
}

/** A function answering a valid access token for the client, fetched on first use and renewed before it expires. */
export function clientCredentialsToken(c: ClientCredentials): () => Promise<string> {
  let current: Promise<Issued> | undefined;
  return async () => {
    const seen = current;
    if (seen) {
      const issued = await seen.catch(() => undefined);
      // only the first caller to find it stale replaces it
      if ((!issued || Date.now() >= issued.renewAt) && current === seen) current = undefined;
    }
    current ??= requestToken(c);
    return (await current).token;
  };
}
