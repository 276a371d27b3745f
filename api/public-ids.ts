// Public identifiers of documents are not guessable in sequence: the URL names a document by its row id and a MAC of
// it (HMAC-SHA256 under the deployment's secret, ERASURE_HMAC_KEY), so knowing one document's address tells nothing of
// the next one's. Stateless: nothing to store or migrate; a forged or altered reference is simply unknown (404).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DEV_ERASURE_HMAC_KEY } from '../config';

let secret = DEV_ERASURE_HMAC_KEY;

/** Set once when the app is built (api/app.ts), from the configuration. */
export function usePublicIdSecret(key: string | undefined): void {
  secret = key ?? DEV_ERASURE_HMAC_KEY;
}

const mac = (kind: string, id: number) => createHmac('sha256', secret).update(`public-id:${kind}:${id}`).digest().subarray(0, 12);

function encode(kind: string, id: number): string {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(id);
  return Buffer.concat([head, mac(kind, id)]).toString('base64url');
}

function decode(kind: string, ref: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{22}$/.test(ref)) return undefined;
  const bytes = Buffer.from(ref, 'base64url');
  if (bytes.length !== 16) return undefined;
  const id = bytes.readUInt32BE(0);
  return id > 0 && timingSafeEqual(bytes.subarray(4), mac(kind, id)) ? id : undefined;
}

/** A document's public reference, and the URL it is downloaded from. */
export const documentRef = (id: number) => encode('document', id);
export const documentUrl = (id: number) => `/documents/${documentRef(id)}`;
/** The document's row id, or undefined for a reference this deployment did not issue. */
export const documentIdOf = (ref: string) => decode('document', ref);
/** A document as a list shows it: its public reference and download URL in place of its row id. */
export const documentLink = <D extends { id: number; createdAt: Date }>(d: D) => ({ ...d, id: documentRef(d.id), createdAt: d.createdAt.toISOString(), url: documentUrl(d.id) });
