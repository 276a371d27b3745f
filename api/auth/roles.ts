// Who may do what: roles made of scopes, each role with a jurisdiction (after OpenCRVS's roles-of-scopes model).
// A route declares the one scope it needs (api/auth/access.ts); a token names a role, never scopes, so a role's
// rights change here, in one place, without reissuing tokens.

export const ROLES = ['coordinator', 'agency_officer', 'consular_liaison', 'port_agent', 'employer', 'mediator', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = [
  // by resource, one line each
  'campaign:read', 'campaign:manage',
  'candidate:read', 'candidate:register',
  'cycle:read', 'cycle:start', 'cycle:withdraw',
  'step:selection', 'step:authorisation', 'step:visa_file', 'step:consular_decision', 'step:predeparture', 'step:convocation', 'step:embarkation', 'step:return',
  // the trial period's outcome: the employer knows it first, the agency records it too
  'step:trial_period',
  'visa_batch:read', 'visa_batch:manage',
  'departure:read', 'departure:manage',
  'agency:read', 'agency:manage',
  // selection sessions (sites, interview days, invitations, attendance); their results are the selection step's
  'selection_session:read', 'selection_session:manage',
  'call_list:work',
  'worker:read', 'worker:rehire',
  'reintegration:read', 'reintegration:record',
  'document:read',
  // in-season cases (employer change, sickness, accident, complaints, early return): report one on a worker's cycle,
  // read them, resolve one
  'case:report', 'case:read', 'case:resolve',
  'bulk:read',
  'report:read',
  'audit:read',
  'person:export', 'person:erase',
  'payload:decode',
  // what operators look at beside the business records: workflows stuck on failing tasks or retrying activities
  'operations:read',
  // repairs: a message sent again, a document printed again, a member released, workflows reset (administrators)
  'operations:repair',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Where a role's rights apply. national: every record; province: the workers and candidates of one province of
 * origin (an ANAPEC agency); employer: the offers, selections and workers of one farm (its CIF).
 */
export type JurisdictionKind = 'national' | 'province' | 'employer';

const READS = SCOPES.filter((s) => s.endsWith(':read'));

export const ROLE_TABLE: Record<Role, { label: string; jurisdiction: JurisdictionKind; scopes: readonly Scope[] }> = {
  coordinator: {
    label: 'campaign coordinator (ANAPEC)',
    jurisdiction: 'national',
    scopes: [
      ...READS.filter((s) => s !== 'audit:read' && s !== 'operations:read'),
      'campaign:manage',
      'candidate:register',
      'cycle:start',
      'cycle:withdraw',
      'step:selection',
      'step:authorisation',
      'step:visa_file',
      'step:predeparture',
      'step:convocation',
      'step:return',
      'step:trial_period',
      'worker:rehire',
      'agency:manage',
      'selection_session:manage',
      'call_list:work',
      'person:export',
      'case:report',
      'case:resolve',
    ],
  },
  agency_officer: {
    label: "agency officer (ANAPEC, one province's agency)",
    jurisdiction: 'province',
    scopes: [
      'campaign:read',
      'candidate:read',
      'candidate:register',
      'cycle:read',
      'cycle:start',
      'cycle:withdraw',
      'step:visa_file',
      'step:predeparture',
      'step:return',
      'step:trial_period',
      'agency:read',
      'selection_session:read',
      'selection_session:manage',
      'call_list:work',
      'departure:read',
      'worker:read',
      'worker:rehire',
      'reintegration:read',
      'reintegration:record',
      'document:read',
      'report:read',
      'person:export',
      'case:report',
      'case:read',
      'case:resolve',
    ],
  },
  consular_liaison: {
    label: 'consular liaison (visa files and batches)',
    jurisdiction: 'national',
    scopes: ['campaign:read', 'cycle:read', 'step:visa_file', 'step:consular_decision', 'visa_batch:read', 'visa_batch:manage', 'document:read', 'bulk:read'],
  },
  port_agent: {
    label: 'port agent (Tanger Ville: departures and embarkation)',
    jurisdiction: 'national',
    scopes: ['campaign:read', 'cycle:read', 'step:convocation', 'step:embarkation', 'step:return', 'departure:read', 'departure:manage', 'document:read', 'bulk:read'],
  },
  employer: {
    label: 'employer (its own offers, selections and workers)',
    jurisdiction: 'employer',
    // reports on its own workers; does not read the cases (complaints about it among them)
    scopes: ['cycle:read', 'step:selection', 'step:trial_period', 'selection_session:read', 'worker:read', 'worker:rehire', 'document:read', 'case:report'],
  },
  mediator: {
    label: 'mediator (in-season follow-up in Spain)',
    jurisdiction: 'national',
    scopes: ['campaign:read', 'cycle:read', 'worker:read', 'departure:read', 'report:read', 'case:report', 'case:read', 'case:resolve'],
  },
  auditor: {
    label: 'auditor (read-only, audit trail included)',
    jurisdiction: 'national',
    scopes: READS,
  },
  admin: {
    label: 'administrator',
    jurisdiction: 'national',
    scopes: SCOPES,
  },
};

export type Jurisdiction = { kind: 'national' } | { kind: 'province'; province: string } | { kind: 'employer'; employerId: string };

/** The authenticated caller: who the audit trail and the documents name. */
export interface Actor {
  /** the token's subject (the provider's stable user or client id) */
  subject: string;
  name: string;
  role: Role;
  organisation?: string;
  scopes: ReadonlySet<Scope>;
  jurisdiction: Jurisdiction;
  /** how the audit trail names the caller: "Samira Alaoui (coordinator, ANAPEC) <sub>" */
  label: string;
}

/** The claims a GECCO Flow access token carries besides iss/aud/exp/sub (the embedded provider and Keycloak's realm map them). */
export const CLAIMS = {
  name: 'name',
  role: 'gecco_role',
  province: 'gecco_province',
  employer: 'gecco_employer',
  organisation: 'gecco_org',
} as const;

export function roleHas(role: Role, scope: Scope): boolean {
  return ROLE_TABLE[role].scopes.includes(scope);
}

export function rolesWith(scope: Scope): Role[] {
  return ROLES.filter((r) => roleHas(r, scope));
}
