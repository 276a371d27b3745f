// The people the embedded OpenID Connect provider (scripts/lib/oidc-provider.ts) knows: one or more per role, for
// development and tests only. Each logs in through the browser (login / DEMO_PASSWORD) and also has a confidential
// client of its own (client credentials) carrying the same claims, so scripts and tests get a token without a browser.
// A real deployment names its users in its own OIDC provider (Keycloak) and never loads this file.
import { CLAIMS, type Role } from '../../api/auth/roles';

export const DEMO_PASSWORD = 'demo';

export interface DemoIdentity {
  /** what the person types in the login form; also the account id (the token's sub for browser logins) */
  login: string;
  password: string;
  /** display name (the `name` claim) */
  name: string;
  role: Role;
  /** agency officers: the province of origin whose candidates and workers they handle */
  province?: string;
  /** employers: the farm's CIF */
  employer?: string;
  organisation: string;
  /** the script client acting as this person (client credentials; the token's sub is this id) */
  clientId: string;
  clientSecret: string;
}

function identity<L extends string>(fields: Omit<DemoIdentity, 'login' | 'password' | 'clientId' | 'clientSecret'> & { login: L }): DemoIdentity & { login: L } {
  return { ...fields, password: DEMO_PASSWORD, clientId: `demo-${fields.login}`, clientSecret: `demo-${fields.login}-secret` };
}

export const DEMO_IDENTITIES = [
  identity({ login: 'coordinator', name: 'Samira Alaoui', role: 'coordinator', organisation: 'ANAPEC' }),
  identity({ login: 'agent-kenitra', name: 'Youssef Benali', role: 'agency_officer', province: 'Kenitra', organisation: 'ANAPEC Kenitra' }),
  identity({ login: 'agent-larache', name: 'Fatima Zahra El Idrissi', role: 'agency_officer', province: 'Larache', organisation: 'ANAPEC Larache' }),
  identity({ login: 'consular', name: 'Karim Bennani', role: 'consular_liaison', organisation: 'ANAPEC, consular liaison' }),
  identity({ login: 'port', name: 'Hicham Tazi', role: 'port_agent', organisation: 'ANAPEC, Tanger Ville port' }),
  identity({ login: 'employer-b21000001', name: 'Manuel García López', role: 'employer', employer: 'B21000001', organisation: 'Fresas del Condado S.L.' }),
  identity({ login: 'employer-b21000002', name: 'Rocío Fernández Vega', role: 'employer', employer: 'B21000002', organisation: 'Frutos Rojos de Lepe S.A.T.' }),
  identity({ login: 'mediator', name: 'Khadija Ouazzani', role: 'mediator', organisation: 'Fundación de mediación, Huelva' }),
  identity({ login: 'auditor', name: 'Carmen Ruiz Ortega', role: 'auditor', organisation: 'Inspección, Ministerio de Inclusión' }),
  identity({ login: 'admin', name: 'Nadia Berrada', role: 'admin', organisation: 'ANAPEC' }),
];

export type DemoLogin = (typeof DEMO_IDENTITIES)[number]['login'];

export function findDemoIdentity(login: string): DemoIdentity | undefined {
  return DEMO_IDENTITIES.find((i) => i.login === login);
}

export function demoIdentity(login: DemoLogin): DemoIdentity {
  const found = findDemoIdentity(login);
  if (!found) throw new Error(`no demo identity ${login}`);
  return found;
}

/** The GECCO claims (api/auth/roles.ts CLAIMS) an access token for this person carries. */
export function geccoClaims(i: DemoIdentity): Record<string, string> {
  return {
    [CLAIMS.name]: i.name,
    [CLAIMS.role]: i.role,
    [CLAIMS.organisation]: i.organisation,
    ...(i.province ? { [CLAIMS.province]: i.province } : {}),
    ...(i.employer ? { [CLAIMS.employer]: i.employer } : {}),
  };
}
