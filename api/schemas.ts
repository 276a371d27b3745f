// Request and response schemas (zod), shared by validation, serialisation and the OpenAPI document.
import { z } from 'zod';
import { CYCLE_OUTCOMES, CYCLE_STAGES, EARLY_RETURN_REASONS } from '../workflows/contracts/worker-cycle';
import { IN_SEASON_CASE_KINDS } from '../workflows/contracts/in-season-case';

const isoDate = z.iso.date().describe('yyyy-mm-dd');
const businessKey = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');
/** PostgreSQL's integer column: ids and counts beyond it are refused with a 400, not a 500 from the database. */
export const PG_INT_MAX = 2_147_483_647;
/** A serial id (candidate, document…) in a body. */
export const dbId = z.number().int().positive().max(PG_INT_MAX, `at most ${PG_INT_MAX}`);
/** The same id in a path or query parameter (a string to coerce). */
export const dbIdParam = z.coerce.number().int().positive().max(PG_INT_MAX, `at most ${PG_INT_MAX}`);
/** Who acts is the authenticated caller (the token), never a body field; a note may add context to the audit trail. */
export const note = z.string().min(1).max(500).optional().describe('a note recorded after the authenticated caller in the audit trail');
export const duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|w|seconds?|minutes?|hours?|days?|weeks?)$/i, 'a duration such as "30s", "2h" or "14 days"');

export const errorSchema = z.object({
  type: z.string().describe('RFC 9457 problem type'),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  instance: z.string().optional(),
  statusCode: z.number(),
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
}).meta({ id: 'Problem' });

export const employerInput = z.object({
  id: z.string().min(3).max(20).regex(/^[A-Z0-9]+$/, 'Spanish tax id (CIF/NIF), upper-case letters and digits').describe('CIF/NIF'),
  name: z.string().min(1).max(200),
  province: z.string().min(1).max(80),
  municipality: z.string().max(80).optional(),
  email: z.email().optional(),
  phone: z.string().max(40).optional(),
});

// Defaults are the generic GECCO offer's terms (DOMAIN.md): 41 € a day worked, 6h30 with a 30 min break, …
export const offerInput = z.object({
  id: businessKey.optional().describe('defaults to <campaign>-<employer>-<n>'),
  employer: employerInput,
  kind: z.enum(['generic', 'named']).default('generic'),
  posts: z.number().int().min(1).max(5000),
  post: z.string().min(1).max(120).default('Ouvrier(ère) agricole / Trabajador(a) agrícola'),
  tasks: z.string().min(1).max(500).default('Récolte des fruits rouges / Recolección de frutos rojos'),
  contractMonths: z.number().int().min(3, 'a seasonal contract lasts at least 3 months').max(9, 'at most 9 months of work a year'),
  contractStart: isoDate,
  contractEnd: isoDate,
  trialDays: z.number().int().min(0).max(30).default(15),
  dailyWageEur: z.number().positive().max(500).default(41),
  hoursPerDay: z.number().positive().max(12).default(6.5),
  breakMinutes: z.number().int().min(0).max(120).default(30),
  daysOffPerWeek: z.number().int().min(1).max(3).default(1),
  overtimePaid: z.boolean().default(true),
  housingProvided: z.boolean().default(true),
  transportPaid: z.boolean().default(true),
  medicalCover: z.boolean().default(true),
});

export const campaignInput = z.object({
  id: businessKey.describe('business key, e.g. huelva-2026'),
  name: z.string().min(1).max(200),
  season: z.number().int().min(2000).max(2100),
  destinationProvince: z.string().min(1).max(80).default('Huelva'),
  sector: z.string().min(1).max(80).default('agriculture'),
  framework: z
    .enum(['multi_year', 'fixed_term'])
    .default('multi_year')
    .describe("the contracts' legal form: multi_year (RD 629/2022: fixed-discontinuous, tied to the 4-year authorisation) or fixed_term (first-season and other schemes)"),
  reserveCutoff: isoDate.optional().describe('after this date drop-outs are no longer replaced from the reserve list'),
  visaWeeklyCapacity: z.number().int().min(1).max(10000).default(1500).describe("this campaign's own ceiling of visa files a week; the consulate's weekly capacity, shared with the other campaigns lodging there, applies as well"),
  consulateId: z.string().min(2).max(40).default('rabat').describe('the consulate its visa files are lodged at (GET /consulates)'),
  reserveCheckInterval: duration.optional().describe('how often the reserve list is checked for vacated posts (default: config)'),
  note,
  offers: z.array(offerInput).min(1).max(500),
});

export const offerView = z.object({
  id: z.string(),
  employerId: z.string(),
  employerName: z.string(),
  kind: z.string(),
  posts: z.number(),
  post: z.string(),
  tasks: z.string(),
  contractMonths: z.number(),
  contractStart: z.string(),
  contractEnd: z.string(),
  trialDays: z.number(),
  dailyWageEur: z.string(),
  hoursPerDay: z.string(),
  breakMinutes: z.number(),
  daysOffPerWeek: z.number(),
  overtimePaid: z.boolean(),
  housingProvided: z.boolean(),
  transportPaid: z.boolean(),
  medicalCover: z.boolean(),
  filled: z.number().describe('cycles selected for this offer and not dropped out'),
}).meta({ id: 'Offer' });

export const campaignView = z.object({
  id: z.string(),
  name: z.string(),
  season: z.number(),
  stage: z.string(),
  destinationProvince: z.string(),
  sector: z.string(),
  framework: z.enum(['multi_year', 'fixed_term']),
  reserveCutoff: z.string().nullable(),
  visaWeeklyCapacity: z.number(),
  consulateId: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  offers: z.array(offerView),
  stageCounts: z.record(z.string(), z.number()),
  outcomeCounts: z.record(z.string(), z.number()),
  employers: z.array(z.object({ employerId: z.string(), name: z.string(), posts: z.number(), filled: z.number() })).describe('quota fill per employer'),
  provinces: z
    .array(z.object({ province: z.string(), cycles: z.number(), women: z.number(), selected: z.number(), embarked: z.number(), returned: z.number(), nonReturn: z.number() }))
    .describe('figures per province of origin'),
  reserve: z.object({
    onList: z.number(),
    called: z.number().describe('reserves selected for a vacated post'),
    refused: z.number().describe('reserve calls refused (eligibility gate or the cycle itself); the next reserve was tried'),
    refusals: z.array(z.object({ reserveCycleId: z.string(), offerId: z.string(), reason: z.string(), calledAt: z.string() })).describe('the 50 latest refusals, with why'),
  }),
}).meta({ id: 'Campaign' });

export const stageMoveBody = z.object({
  to: z.enum(['draft', 'registration', 'preselection', 'selection', 'authorisation', 'visa_processing', 'departures', 'in_season', 'returns', 'closed']),
  note,
}).meta({ id: 'StageMove' });

export const candidateInput = z.object({
  nationalId: z
    .string()
    .transform((s) => s.trim().toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{1,2}\d{3,8}$/, 'a Moroccan CIN: one or two letters then digits, e.g. AB123456')),
  firstName: z.string().min(1).max(80),
  lastName: z.string().min(1).max(80),
  birthDate: isoDate,
  sex: z.enum(['F', 'M']),
  province: z.string().min(1).max(80),
  commune: z.string().min(1).max(80),
  householdSituation: z.string().min(1).max(200).describe('e.g. married, 2 children under 14'),
  dependants: z.number().int().min(0).max(20).default(0),
  phone: z.string().regex(/^\+?[0-9 ]{8,20}$/, 'a phone number, digits and spaces, optional leading +').optional()
    .describe('optional: a worker without a phone is reached through her ANAPEC agency'),
  email: z.email().optional(),
  language: z.enum(['ar', 'fr', 'es']).default('ar').describe('the language the worker reads (documents, SMS); Arabic by default'),
  passportNumber: z.string().regex(/^[A-Z0-9]{6,12}$/, 'upper-case letters and digits').optional(),
  passportExpiry: isoDate.optional(),
  priorSeasons: z.number().int().min(0).max(30).default(0),
});

export const candidateView = z.object({
  id: z.number(),
  nationalId: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  birthDate: z.string(),
  sex: z.string(),
  province: z.string(),
  commune: z.string(),
  householdSituation: z.string(),
  dependants: z.number(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  language: z.enum(['ar', 'fr', 'es']),
  passportNumber: z.string().nullable(),
  passportExpiry: z.string().nullable(),
  priorSeasons: z.number(),
  createdAt: z.string(),
}).meta({ id: 'Candidate' });

export const timingsInput = z
  .object({
    selectionDeadline: duration,
    authorisationDeadline: duration,
    visaFileDeadline: duration,
    consularDecisionDeadline: duration,
    consularEscalationGrace: duration,
    predepartureDeadline: duration,
    convocationDeadline: duration,
    embarkationGrace: duration,
    seasonLength: duration,
    returnGrace: duration,
    lateReturnWindow: duration,
  })
  .partial()
  .strict().meta({ id: 'CycleTimings' });

export const startCycleInput = z.object({
  candidateId: dbId,
  note,
  timings: timingsInput.optional().describe('overrides of the default deadlines (simulations, tests)'),
});

const stepRecord = z.object({ seq: z.number(), step: z.string(), stage: z.string(), at: z.string(), actor: z.string() });

// one line a part of the cycle: who, where it stands, the contract, the visa, the sailing, the return
export const cycleStateView = z.object({
  cycleId: z.string(), campaignId: z.string(), candidateId: z.number(),
  stage: z.enum(CYCLE_STAGES), outcome: z.enum(CYCLE_OUTCOMES).optional(), waitingFor: z.string().optional(), deadlineAt: z.string().optional(),
  employerId: z.string().optional(), offerId: z.string().optional(), contractStart: z.string().optional(), contractEnd: z.string().optional(), authorisationNumber: z.string().optional(),
  visaFileReference: z.string().optional(), visaSubmissions: z.number(), visaNumber: z.string().optional(), consularEscalated: z.boolean(),
  departureAt: z.string().optional(), port: z.string().optional(), embarkedAt: z.string().optional(),
  returnedOn: z.string().optional(), returnProof: z.string().optional(), nextSeasonEligible: z.boolean().optional(),
  trialPeriod: z.enum(['passed', 'ended']).optional().describe("the trial period's outcome, once recorded"),
  steps: z.array(stepRecord),
}).meta({ id: 'CycleState' });

export const documentView = z.object({
  id: z.string().describe('the public reference (not guessable from another)'),
  kind: z.string(),
  version: z.number(),
  filename: z.string(),
  sizeBytes: z.number(),
  sha256: z.string(),
  createdAt: z.string(),
  url: z.string(),
}).meta({ id: 'Document' });

export const auditView = z.object({
  seq: z.number(),
  step: z.string(),
  stage: z.string(),
  outcome: z.string().nullable(),
  actor: z.string(),
  details: z.record(z.string(), z.unknown()),
  occurredAt: z.string(),
}).meta({ id: 'AuditEvent' });

// --- in-season cases (api/routes/in-season-cases.ts): also shown on the worker's cycle ---------------------
export const caseKind = z.enum(IN_SEASON_CASE_KINDS);
export const caseView = z.object({
  caseId: z.number(),
  cycleId: z.string(),
  campaignId: z.string(),
  employerId: z.string().describe("the cycle's employer when reported: the one the case is about"),
  kind: caseKind,
  details: z.string(),
  newOfferId: z.string().nullable(),
  newEmployerId: z.string().nullable(),
  reportedBy: z.string().describe('the authenticated caller who reported it'),
  reportedAt: z.string(),
  deadline: z.string().describe('resolved by then, else escalated to the agency and the consulate\'s labour office'),
  status: z.enum(['open', 'escalated', 'resolved']),
  escalatedAt: z.string().nullable(),
  resolution: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
}).meta({ id: 'InSeasonCase' });

export const cycleView = z.object({
  cycleId: z.string(),
  campaignId: z.string(),
  candidate: z.object({ id: z.number(), nationalId: z.string(), firstName: z.string(), lastName: z.string(), province: z.string() }),
  running: z.boolean().describe('true while the workflow is open'),
  state: cycleStateView.describe('live state from the workflow query, or the last persisted state once closed'),
  documents: z.array(documentView),
  audit: z.array(auditView),
  cases: z.array(caseView).optional().describe("the cycle's in-season cases, newest first, for callers allowed to read them (case:read)"),
}).meta({ id: 'Cycle' });

export const cycleListItem = z.object({
  cycleId: z.string(), candidateId: z.number(), province: z.string(),
  stage: z.string(), outcome: z.string().nullable(),
  employerId: z.string().nullable(), offerId: z.string().nullable(),
  updatedAt: z.string(),
}).meta({ id: 'CycleListItem' });

// --- step bodies --------------------------------------------------------------------------------------
export const selectionBody = z.object({
  decision: z.enum(['selected', 'rejected']),
  offerId: z.string().min(1).optional().describe('required when selected'),
  reason: z.string().max(500).optional(),
  note,
}).meta({ id: 'SelectionDecision' });
export const authorisationBody = z.object({
  authorisationNumber: z.string().min(3).max(40),
  issuedOn: isoDate,
  note,
}).meta({ id: 'AuthorisationRecord' });
export const visaFileBody = z.object({ fileReference: z.string().min(3).max(60), submittedOn: isoDate, note }).meta({ id: 'VisaFileSubmission' });
export const consularDecisionBody = z.object({
  decision: z.enum(['issued', 'refused', 'incomplete']),
  visaNumber: z.string().min(3).max(40).optional().describe('required when issued'),
  reason: z.string().max(500).optional().describe('required when refused or incomplete'),
  note,
}).meta({ id: 'ConsularDecision' });
export const predepartureBody = z.object({
  sessionAttendedOn: isoDate,
  contractSigned: z.boolean(),
  returnCommitmentSigned: z.boolean(),
  note,
}).meta({ id: 'PredepartureRecord' });
export const convocationBody = z.object({
  departureAt: z.iso.datetime({ offset: true }),
  port: z.string().min(2).max(80).default('Tanger Ville'),
  sailing: z.string().max(60).optional(),
  note,
});
export const embarkationBody = z.object({ embarkedAt: z.iso.datetime({ offset: true }), note }).meta({ id: 'EmbarkationRecord' });
export const returnBody = z.object({
  returnedOn: isoDate,
  proof: z.enum(['port_exit_record', 'passport_stamp', 'consular_certificate']),
  note,
}).meta({ id: 'ReturnRecord' });
export const seasonOutcomeBody = z.object({
  outcome: z.enum(['stable_hire', 'early_return']).describe('stable_hire: legally hired in Spain on a stable contract (no non-return, no block); early_return: back before the contract end'),
  occurredOn: isoDate.describe('the day she was hired in Spain, or came back'),
  reason: z.enum(EARLY_RETURN_REASONS).optional().describe('early return: why'),
  endedBy: z.enum(['worker', 'employer']).optional().describe('early return after the trial period: who ended it'),
  returnProof: z.enum(['port_exit_record', 'passport_stamp', 'consular_certificate']).optional().describe('early return: the proof that she is back'),
  employmentReference: z.string().min(3).max(80).optional().describe('stable hire: the Spanish contract or residence authorisation that proves it'),
  note,
}).meta({ id: 'SeasonOutcome' });
export const trialPeriodBody = z.object({
  outcome: z.enum(['passed', 'ended']).describe('passed: the season goes on; ended: the early-return path starts (the cycle waits for the proof that she is back)'),
  decidedOn: isoDate.describe('the day the trial period was passed or ended'),
  endedBy: z.enum(['worker', 'employer']).optional().describe('ended: who ended it'),
  note,
}).meta({ id: 'TrialPeriod' });
export const withdrawalBody = z.object({ reason: z.string().min(1).max(500), note }).meta({ id: 'Withdrawal' });

/** `Idempotency-Key`: a retried request with the same key gets the first answer (it becomes the Update's ID). */
export const idempotencyHeaders = z.object({ 'idempotency-key': z.string().min(8).max(100).optional().describe('a retried request with the same key gets the first answer') });
