// Access tokens for the demo identities, from the run's embedded OpenID Connect provider (test/global-setup.ts):
// each identity's own script client (client credentials), as a coordinator's bulk-upload script would get one.
import { inject } from 'vitest';
import { clientCredentialsToken } from '../scripts/lib/client-credentials';
import { demoIdentity, type DemoLogin } from '../scripts/lib/demo-identities';

const tokens = new Map<DemoLogin, () => Promise<string>>();

/** A bearer access token (JWT) for the demo identity, reused until a minute before it expires. */
export async function tokenFor(login: DemoLogin): Promise<string> {
  let token = tokens.get(login);
  if (!token) {
    const { clientId, clientSecret } = demoIdentity(login);
    token = clientCredentialsToken({ issuer: inject('oidcIssuer'), clientId, clientSecret });
    tokens.set(login, token);
  }
  return token();
}

/** Request headers carrying the demo identity's token: `app.inject({ headers: await authHeader('coordinator') })`. */
export async function authHeader(login: DemoLogin): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await tokenFor(login)}` };
}
