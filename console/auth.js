// @ts-check
// Signing in with the API's OpenID Connect provider as the public client `gecco-console`: authorization code with PKCE
// (S256). The access token lives in this tab's sessionStorage and goes with every API call; nothing else is kept.

/** @typedef {{ issuer: string, clientId: string, roles: Record<string, string[]> }} ConsoleConfig */
/** @typedef {{ accessToken: string, expiresAt: number, name: string, role: string, province?: string, employer?: string, organisation?: string }} Session */

const SESSION_KEY = 'gecco-console-session';
const PENDING_KEY = 'gecco-console-pending';
const redirectUri = () => `${location.origin}/console/`;

/** @returns {Promise<ConsoleConfig>} */
export async function loadConfig() {
  const res = await fetch('/console/config.json');
  if (!res.ok) throw new Error(`config.json: ${res.status}`);
  return res.json();
}

async function discovery(/** @type {string} */ issuer) {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`discovery: ${res.status}`);
  return /** @type {Promise<{ authorization_endpoint: string, token_endpoint: string }>} */ (res.json());
}

const base64url = (/** @type {Uint8Array} */ bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomString = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** Goes to the provider's sign-in page; the provider sends the browser back to /console/ with a code. */
export async function signIn(/** @type {ConsoleConfig} */ config) {
  const { authorization_endpoint } = await discovery(config.issuer);
  const verifier = randomString();
  const state = randomString();
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo: location.hash }));
  const url = new URL(authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    response_type: 'code',
    redirect_uri: redirectUri(),
    scope: 'openid profile api',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/** The claims of the token (for display only: the API checks the token itself). */
function claimsOf(/** @type {string} */ jwt) {
  const part = jwt.split('.')[1] ?? '';
  const json = decodeURIComponent(escape(atob(part.replace(/-/g, '+').replace(/_/g, '/'))));
  return /** @type {Record<string, string | number>} */ (JSON.parse(json));
}

/**
 * Back from the provider (?code=…&state=…): exchanges the code for tokens. Returns true when it handled a return.
 * @param {ConsoleConfig} config
 */
export async function completeSignIn(config) {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return false;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null');
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', `/console/${pending?.returnTo ?? ''}`);
  if (error) throw new Error(params.get('error_description') ?? error);
  if (!pending || pending.state !== params.get('state')) throw new Error('the sign-in answer does not match this tab (state)');
  const { token_endpoint } = await discovery(config.issuer);
  const res = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: /** @type {string} */ (code), redirect_uri: redirectUri(), client_id: config.clientId, code_verifier: pending.verifier }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error_description ?? body.error ?? `token: ${res.status}`);
  const claims = claimsOf(body.access_token);
  /** @type {Session} */
  const session = {
    accessToken: body.access_token,
    expiresAt: Number(claims.exp) * 1000,
    name: String(claims.name ?? claims.sub),
    role: String(claims.gecco_role ?? ''),
    province: claims.gecco_province ? String(claims.gecco_province) : undefined,
    employer: claims.gecco_employer ? String(claims.gecco_employer) : undefined,
    organisation: claims.gecco_org ? String(claims.gecco_org) : undefined,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return true;
}

/** @returns {Session | undefined} the signed-in user while the token is valid */
export function currentSession() {
  /** @type {Session | null} */
  const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
  return s && s.expiresAt > Date.now() + 30_000 ? s : undefined;
}

export function signOut() {
  sessionStorage.removeItem(SESSION_KEY);
}

/** @type {Record<string, string[]>} */
let roleScopes = {};
/** Remembers each role's scopes (config.json), so pages offer only what the user's role may do. */
export function rememberRoles(/** @type {Record<string, string[]>} */ roles) {
  roleScopes = roles;
}
/** Whether the signed-in user's role holds the scope (the API decides anyway: this only hides what would be refused). */
export function can(/** @type {string} */ scope) {
  const session = currentSession();
  return Boolean(session && roleScopes[session.role]?.includes(scope));
}
