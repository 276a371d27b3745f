// CI's check of config/keycloak/gecco-realm.json (scripts/check-deployment.sh), no Keycloak needed: the clients the
// deployment relies on, the claims the API reads (api/auth/roles.ts CLAIMS) in their access tokens, the roles a user
// can be given (ROLES), and nothing that would make the production realm guessable (users, literal secrets).
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../config';
import { CLAIMS, ROLES } from '../../api/auth/roles';

interface Mapper {
  name: string;
  protocolMapper: string;
  config?: Record<string, string>;
}
interface Client {
  clientId: string;
  publicClient?: boolean;
  bearerOnly?: boolean;
  standardFlowEnabled?: boolean;
  implicitFlowEnabled?: boolean;
  directAccessGrantsEnabled?: boolean;
  serviceAccountsEnabled?: boolean;
  secret?: string;
  redirectUris?: string[];
  attributes?: Record<string, string>;
  protocolMappers?: Mapper[];
}
interface ProfileAttribute {
  name: string;
  permissions?: { edit?: string[] };
  validations?: { options?: { options?: string[] } };
}

const file = path.join(projectRoot, 'config', 'keycloak', 'gecco-realm.json');
const problems: string[] = [];
const expect = (ok: unknown, what: string) => {
  if (!ok) problems.push(what);
};

let realm: Record<string, unknown>;
try {
  realm = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
} catch (err) {
  console.error(`${path.relative(projectRoot, file)}: not valid JSON (${(err as Error).message})`);
  process.exit(1);
}

expect(realm.realm === 'gecco', 'realm must be named "gecco" (OIDC_ISSUER ends in /realms/gecco)');
expect(realm.enabled === true, 'the realm must be enabled');
expect(realm.registrationAllowed !== true, 'self-registration must stay off (accounts are created by administrators)');
expect(!('users' in realm), 'no users in the production realm (administrators create them; no known passwords)');
// a realm file with its own clientScopes gets none of Keycloak's built-in ones, among them "basic", which puts `sub`
// in access tokens (keycloak#31082): the mappers live on the clients instead
expect(!('clientScopes' in realm), 'no clientScopes: they would replace the built-in scopes ("basic" gives tokens their sub)');

const clients = new Map(((realm.clients as Client[] | undefined) ?? []).map((c) => [c.clientId, c]));
const client = (id: string): Client => {
  const c = clients.get(id);
  expect(c, `client ${id} missing`);
  return c ?? { clientId: id };
};
const placeholder = /^\$\{[A-Z0-9_]+\}$/;
const accessClaims = (c: Client): Map<string, Mapper> =>
  new Map(
    (c.protocolMappers ?? [])
      .filter((m) => m.config?.['access.token.claim'] === 'true')
      .map((m) => [m.protocolMapper === 'oidc-full-name-mapper' ? 'name' : (m.config?.['claim.name'] ?? ''), m]),
  );
const audiences = (c: Client): string[] =>
  (c.protocolMappers ?? [])
    .filter((m) => m.protocolMapper === 'oidc-audience-mapper' && m.config?.['access.token.claim'] === 'true')
    .map((m) => m.config?.['included.custom.audience'] ?? m.config?.['included.client.audience'] ?? '');

const api = client('gecco-flow-api');
expect(api.bearerOnly === true || (!api.standardFlowEnabled && !api.directAccessGrantsEnabled && !api.serviceAccountsEnabled), 'gecco-flow-api is the audience only: no login flow of its own');

for (const id of ['gecco-console', 'temporal-ui']) {
  const c = client(id);
  expect(c.standardFlowEnabled === true, `${id}: authorization code flow`);
  expect(c.implicitFlowEnabled !== true && c.directAccessGrantsEnabled !== true, `${id}: no implicit flow, no password grant`);
  expect(audiences(c).includes('gecco-flow-api'), `${id}: access tokens must carry aud gecco-flow-api (audience mapper)`);
  const claims = accessClaims(c);
  for (const claim of Object.values(CLAIMS)) {
    const m = claims.get(claim);
    expect(m, `${id}: no mapper puts "${claim}" in access tokens`);
    if (m && claim !== CLAIMS.name) {
      expect(m.protocolMapper === 'oidc-usermodel-attribute-mapper' && m.config?.['user.attribute'] === claim, `${id}: "${claim}" must come from the user attribute ${claim}`);
    }
  }
}
const consoleClient = client('gecco-console');
expect(consoleClient.publicClient === true, 'gecco-console: a public client (browsers hold no secret)');
expect(consoleClient.attributes?.['pkce.code.challenge.method'] === 'S256', 'gecco-console: PKCE S256 required');
expect(consoleClient.redirectUris?.some((u) => u.endsWith('/docs/static/oauth2-redirect.html')), "gecco-console: the API's /docs/static/oauth2-redirect.html must be a redirect URI");
expect(consoleClient.redirectUris?.some((u) => u.endsWith('/console/')), "gecco-console: the API's /console/ (the web console) must be a redirect URI");

const ui = client('temporal-ui');
expect(ui.publicClient === false && placeholder.test(ui.secret ?? ''), 'temporal-ui: confidential, its secret a ${VAR} placeholder (TEMPORAL_UI_CLIENT_SECRET)');
expect(ui.redirectUris?.some((u) => u.endsWith('/auth/sso/callback')), "temporal-ui: the UI's /auth/sso/callback must be a redirect URI");
expect(audiences(ui).includes('temporal-ui'), 'temporal-ui: its own id in the audience (the UI verifies the tokens of its API calls)');

const scripts = client('gecco-scripts');
expect(scripts.publicClient === false && scripts.serviceAccountsEnabled === true, 'gecco-scripts: confidential, client credentials (service account)');
expect(scripts.standardFlowEnabled === false && scripts.directAccessGrantsEnabled !== true, 'gecco-scripts: no browser login, no password grant');
expect(placeholder.test(scripts.secret ?? ''), 'gecco-scripts: its secret a ${VAR} placeholder (GECCO_SCRIPTS_CLIENT_SECRET)');
expect(audiences(scripts).includes('gecco-flow-api'), 'gecco-scripts: access tokens must carry aud gecco-flow-api');
const scriptRole = accessClaims(scripts).get(CLAIMS.role);
expect(scriptRole?.protocolMapper === 'oidc-hardcoded-claim-mapper' && scriptRole.config?.['claim.value'] === 'coordinator', `gecco-scripts: ${CLAIMS.role} = coordinator (hardcoded claim)`);

for (const c of clients.values()) {
  expect(c.secret === undefined || placeholder.test(c.secret), `${c.clientId}: a literal secret in the realm file`);
}

// the user profile: the gecco_* attributes exist, administrators alone set them, the role is one of ROLES
const profileComponent = (realm.components as Record<string, { providerId: string; config?: Record<string, string[]> }[]> | undefined)?.['org.keycloak.userprofile.UserProfileProvider']?.[0];
const profileJson = profileComponent?.config?.['kc.user.profile.config']?.[0];
expect(profileJson, 'the user profile (components → UserProfileProvider) must declare the gecco_* attributes');
if (profileJson) {
  const profile = JSON.parse(profileJson) as { attributes: ProfileAttribute[]; unmanagedAttributePolicy?: string };
  expect(!profile.unmanagedAttributePolicy || profile.unmanagedAttributePolicy === 'ADMIN_VIEW', 'unmanaged attributes must stay off: users could set their own claims');
  const attrs = new Map(profile.attributes.map((a) => [a.name, a]));
  for (const claim of [CLAIMS.role, CLAIMS.province, CLAIMS.employer, CLAIMS.organisation]) {
    const a = attrs.get(claim);
    expect(a, `user profile: attribute ${claim} missing`);
    expect(a && JSON.stringify(a.permissions?.edit) === '["admin"]', `user profile: only administrators may edit ${claim}`);
  }
  const options = attrs.get(CLAIMS.role)?.validations?.options?.options ?? [];
  expect(JSON.stringify([...options].sort()) === JSON.stringify([...ROLES].sort()), `user profile: ${CLAIMS.role} options must be exactly ROLES (${ROLES.join(', ')})`);
}

if (problems.length > 0) {
  console.error(`${path.relative(projectRoot, file)}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`${path.relative(projectRoot, file)}: realm gecco, clients ${[...clients.keys()].join(', ')}; claims ${Object.values(CLAIMS).join(', ')}; roles as in api/auth/roles.ts`);
