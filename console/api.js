// @ts-check
// The API client: openapi-fetch typed by api-types.d.ts (generated from the OpenAPI document: npm run console:types), with
// the signed-in user's token on every call. A 401 (token expired or revoked) sends the user back to sign in.
import createClient from 'openapi-fetch';
import { currentSession, signOut } from './auth.js';

/** @type {import('openapi-fetch').Client<import('./api-types').paths>} */
export const api = createClient({ baseUrl: location.origin });

api.use({
  onRequest({ request }) {
    const session = currentSession();
    if (session) request.headers.set('authorization', `Bearer ${session.accessToken}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) {
      signOut();
      location.reload();
    }
    return response;
  },
});

/** The API's refusal (problem+json): its status, message and the field and reason of each issue. */
export class ApiError extends Error {
  /** @param {number} status @param {string} message @param {{ field: string, reason: string }[]} issues */
  constructor(status, message, issues) {
    super(message);
    this.status = status;
    this.issues = issues;
  }
}

/** @param {unknown} v @returns {v is { field: string, reason: string }} */
const isIssue = (v) => Boolean(v && typeof v === 'object' && 'field' in v && 'reason' in v);

/**
 * The answer's data, or an ApiError with the API's problem message and issues.
 * @template T
 * @param {Promise<{ data?: T, error?: unknown, response: Response }>} call
 * @returns {Promise<T>}
 */
export async function must(call) {
  const { data, error, response } = await call;
  if (error !== undefined || data === undefined) {
    const message = error && typeof error === 'object' && 'message' in error ? String(error.message) : `${response.status} ${response.statusText}`;
    const issues = error && typeof error === 'object' && 'issues' in error && Array.isArray(error.issues) ? error.issues.filter(isIssue) : [];
    throw new ApiError(response.status, message, issues.map((i) => ({ field: String(i.field), reason: String(i.reason) })));
  }
  return data;
}

/**
 * Downloads what a route answers (CSV, PDF) under the name the API gives it.
 * @param {string} path an API path the signed-in user may read
 */
export async function download(path) {
  const session = currentSession();
  const res = await fetch(path, { headers: session ? { authorization: `Bearer ${session.accessToken}` } : {} });
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? path.split('/').pop() ?? 'download';
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Opens a document (PDF) in a new tab. */
export async function openDocument(/** @type {string} */ path) {
  const session = currentSession();
  const tab = window.open('', '_blank');
  const res = await fetch(path, { headers: session ? { authorization: `Bearer ${session.accessToken}` } : {} });
  if (!res.ok) {
    tab?.close();
    throw new Error(`${res.status} ${res.statusText}`);
  }
  const url = URL.createObjectURL(await res.blob());
  if (tab) tab.location.href = url;
  else location.assign(url);
}
