// Bearer tokens: JWT access tokens from the OpenID provider, verified with its published keys (jose fetches the
// JWKS from the discovery document once and caches it, refetching on an unknown key id, i.e. after a rotation).
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { CLAIMS, ROLES, ROLE_TABLE, type Actor, type Jurisdiction, type Role } from './roles';

export class TokenError extends Error {}

export interface TokenVerifier {
  verify(token: string): Promise<Actor>;
}

export interface IdentitySettings {
  OIDC_ISSUER: string;
  OIDC_AUDIENCE: string;
}

function str(payload: JWTPayload, claim: string): string | undefined {
  const v = payload[claim];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The caller a verified token names: its role's scopes and jurisdiction (api/auth/roles.ts). */
export function actorFromClaims(payload: JWTPayload): Actor {
  const subject = payload.sub;
  if (!subject) throw new TokenError('the token names no subject');
  const role = str(payload, CLAIMS.role) as Role | undefined;
  if (!role || !ROLES.includes(role)) throw new TokenError(`the token carries no known role (${CLAIMS.role})`);
  const def = ROLE_TABLE[role];
  let jurisdiction: Jurisdiction = { kind: 'national' };
  if (def.jurisdiction === 'province') {
    const province = str(payload, CLAIMS.province);
    if (!province) throw new TokenError(`a ${role} token must name its province (${CLAIMS.province})`);
    jurisdiction = { kind: 'province', province };
  } else if (def.jurisdiction === 'employer') {
    const employerId = str(payload, CLAIMS.employer);
    if (!employerId) throw new TokenError(`an employer token must name its CIF (${CLAIMS.employer})`);
    jurisdiction = { kind: 'employer', employerId };
  }
  const name = str(payload, CLAIMS.name) ?? subject;
  const organisation = str(payload, CLAIMS.organisation);
  return {
    subject,
    name,
    role,
    organisation,
    scopes: new Set(def.scopes),
    jurisdiction,
    label: `${name} (${role}${organisation ? `, ${organisation}` : ''}) <${subject}>`,
  };
}

export function tokenVerifier(settings: IdentitySettings): TokenVerifier {
  const issuer = settings.OIDC_ISSUER.replace(/\/$/, '');
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  let discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keySet = async () => {
    if (keys) return keys;
    discovering ??= (async () => {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`OpenID discovery at ${issuer} answered ${res.status}`);
      const doc = (await res.json()) as { jwks_uri?: string };
      if (!doc.jwks_uri) throw new Error(`OpenID discovery at ${issuer} gives no jwks_uri`);
      keys = createRemoteJWKSet(new URL(doc.jwks_uri), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
      return keys;
    })().finally(() => {
      discovering = undefined;
    });
    return discovering;
  };
  return {
    async verify(token) {
      const jwks = await keySet();
      try {
        const { payload } = await jwtVerify(token, jwks, { issuer: [issuer, `${issuer}/`], audience: settings.OIDC_AUDIENCE, clockTolerance: 30 });
        return actorFromClaims(payload);
      } catch (err) {
        if (err instanceof TokenError) throw err;
        if (err instanceof joseErrors.JOSEError) throw new TokenError(`invalid token: ${err.code === 'ERR_JWT_EXPIRED' ? 'expired' : err.message}`);
        throw err; // the provider unreachable: an outage, not the caller's fault
      }
    },
  };
}
