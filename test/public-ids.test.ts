import { describe, expect, it } from 'vitest';
import { documentIdOf, documentRef, usePublicIdSecret } from '../api/public-ids';

describe('public document references', () => {
  it('round-trips, and neighbouring ids give unrelated references', () => {
    usePublicIdSecret(undefined);
    const refs = [41, 42, 43].map(documentRef);
    for (const [i, ref] of refs.entries()) expect(documentIdOf(ref)).toBe(41 + i);
    // no shared suffix: the MAC part differs entirely between consecutive documents
    expect(refs[0]!.slice(6)).not.toBe(refs[1]!.slice(6));
  });

  it('refuses an altered, truncated or foreign reference', () => {
    usePublicIdSecret(undefined);
    const ref = documentRef(42);
    const next = Buffer.from(ref, 'base64url');
    next.writeUInt32BE(43); // the next id with the old MAC: what walking the sequence would try
    expect(documentIdOf(next.toString('base64url'))).toBeUndefined();
    expect(documentIdOf(ref.slice(0, -1))).toBeUndefined();
    expect(documentIdOf('42')).toBeUndefined();
    usePublicIdSecret('another-deployment-secret-of-32-characters!');
    expect(documentIdOf(ref)).toBeUndefined();
    usePublicIdSecret(undefined);
  });
});
