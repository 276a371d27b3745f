// PostgreSQL schema. Business keys are unique constraints so every activity can be idempotent.
import { sql } from 'drizzle-orm';
import { IN_SEASON_CASE_KINDS } from '../workflows/contracts/in-season-case';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => 'bytea',
});

// Columns several tables declare alike, made afresh for each table (a column builder belongs to one table).
/** the person the row is about */
const candidateRef = () => integer('candidate_id').notNull().references(() => candidates.id);
/** who created the row (as the audit trail names them) and when */
const createdByAt = () => ({
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

// Spanish consulates in Morocco that take visa files: the week's capacity (files a calendar week) is theirs, shared
// by every campaign and batch lodging there and by single lodgings.
export const consulates = pgTable('consulates', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  city: text('city').notNull(),
  // Rabat lodges the files, Tanger issues (the sources); both are counted the same way
  role: text('role', { enum: ['lodging', 'issuing'] }).notNull().default('lodging'),
  weeklyCapacity: integer('weekly_capacity').notNull().default(1500),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const campaigns = pgTable('campaigns', {
  // business key chosen by the coordinator, e.g. huelva-2026
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  season: integer('season').notNull(),
  destinationProvince: text('destination_province').notNull(),
  sector: text('sector').notNull().default('agriculture'),
  // the contracts' legal form: under the multi-year circular framework (RD 629/2022) fixed-discontinuous, tied to
  // the 4-year authorisation; first-season and other schemes fixed-term
  framework: text('framework', { enum: ['multi_year', 'fixed_term'] }).notNull().default('multi_year'),
  // after this date withdrawals, refusals and no-shows are no longer replaced from the reserve list
  reserveCutoff: date('reserve_cutoff', { mode: 'string' }),
  // the consulate's weekly visa capacity (Tanger: 1,500 a week)
  visaWeeklyCapacity: integer('visa_weekly_capacity').notNull().default(1500),
  // where its visa files are lodged: the consulate's weekly capacity is shared with the other campaigns lodging there
  consulateId: text('consulate_id').notNull().default('rabat').references(() => consulates.id),
  // mirrored from the campaign workflow, for lists and reports
  stage: text('stage').notNull().default('draft'),
  ...createdByAt(),
});

export const employers = pgTable('employers', {
  // Spanish tax id (CIF/NIF) of the farm
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  province: text('province').notNull(),
  municipality: text('municipality'),
  email: text('email'),
  phone: text('phone'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const offers = pgTable(
  'offers',
  {
    // business key, e.g. huelva-2026-B21000001-1
    id: text('id').primaryKey(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    employerId: text('employer_id').notNull().references(() => employers.id),
    kind: text('kind', { enum: ['generic', 'named'] }).notNull().default('generic'),
    posts: integer('posts').notNull(),
    post: text('post').notNull(),
    tasks: text('tasks').notNull(),
    contractMonths: smallint('contract_months').notNull(),
    contractStart: date('contract_start', { mode: 'string' }).notNull(),
    contractEnd: date('contract_end', { mode: 'string' }).notNull(),
    trialDays: smallint('trial_days').notNull(),
    dailyWageEur: numeric('daily_wage_eur', { precision: 8, scale: 2 }).notNull(),
    hoursPerDay: numeric('hours_per_day', { precision: 4, scale: 2 }).notNull(),
    breakMinutes: smallint('break_minutes').notNull(),
    daysOffPerWeek: smallint('days_off_per_week').notNull(),
    overtimePaid: boolean('overtime_paid').notNull(),
    housingProvided: boolean('housing_provided').notNull(),
    transportPaid: boolean('transport_paid').notNull(),
    medicalCover: boolean('medical_cover').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('offers_contract_months_3_to_9', sql`${t.contractMonths} between 3 and 9`),
    check('offers_posts_positive', sql`${t.posts} > 0`),
    check('offers_dates_ordered', sql`${t.contractEnd} > ${t.contractStart}`),
    index('offers_campaign_idx').on(t.campaignId),
  ],
);

export const candidates = pgTable(
  'candidates',
  {
    // not guessable in sequence (it is in the cycle's id and in URLs): a keyed permutation of a sequence (0008)
    id: integer('id').primaryKey().default(sql`next_person_id()`),
    // the order people were registered in (ids no longer say it): lists and first-come batches follow it; never shown
    registrationSeq: bigserial('registration_seq', { mode: 'number' }).notNull(),
    // Moroccan national identity card (CIN): one record per person across campaigns
    nationalId: text('national_id').notNull(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    birthDate: date('birth_date', { mode: 'string' }).notNull(),
    sex: text('sex', { enum: ['F', 'M'] }).notNull(),
    province: text('province').notNull(),
    commune: text('commune').notNull(),
    householdSituation: text('household_situation').notNull(),
    dependants: smallint('dependants').notNull().default(0),
    // optional: a worker without a phone is reached through her ANAPEC agency (call lists)
    phone: text('phone'),
    email: text('email'),
    // the language the worker reads: documents and SMS are written in it (Arabic unless the file says otherwise)
    language: text('language', { enum: ['ar', 'fr', 'es'] }).notNull().default('ar'),
    passportNumber: text('passport_number'),
    passportExpiry: date('passport_expiry', { mode: 'string' }),
    priorSeasons: smallint('prior_seasons').notNull().default(0),
    // a non-return blocks renewal and new authorisations until this date
    blockedUntil: date('blocked_until', { mode: 'string' }),
    blockedReason: text('blocked_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('candidates_national_id_uq').on(t.nationalId)],
);

export const workerCycles = pgTable(
  'worker_cycles',
  {
    // = the Temporal workflow ID, e.g. worker-huelva-2026-42
    id: text('id').primaryKey(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    candidateId: candidateRef(),
    province: text('province').notNull(),
    stage: text('stage').notNull(),
    outcome: text('outcome'),
    employerId: text('employer_id').references(() => employers.id),
    offerId: text('offer_id').references(() => offers.id),
    contractStart: date('contract_start', { mode: 'string' }),
    contractEnd: date('contract_end', { mode: 'string' }),
    authorisationNumber: text('authorisation_number'),
    visaFileReference: text('visa_file_reference'),
    visaNumber: text('visa_number'),
    departureAt: timestamp('departure_at', { withTimezone: true }),
    port: text('port'),
    embarkedAt: timestamp('embarked_at', { withTimezone: true }),
    returnedOn: date('returned_on', { mode: 'string' }),
    returnProof: text('return_proof'),
    nextSeasonEligible: boolean('next_season_eligible'),
    // position on the campaign's reserve list (null: main list); reserves are called up in this order
    reserveRank: integer('reserve_rank'),
    // re-hired by name under the multi-year framework: no new selection, the authorisation is reused
    rehire: boolean('rehire').notNull().default(false),
    // last audit seq applied, so a replayed activity never moves the row backwards
    lastSeq: integer('last_seq').notNull().default(0),
    // the person's place in registration order (candidates.registration_seq), copied by a trigger as the row is
    // written (migration 0016): lists and first-come batches page through a campaign's cycles in that order by index
    // instead of looking up and sorting every person of the campaign on each page
    registrationSeq: bigint('registration_seq', { mode: 'number' }).notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('worker_cycles_campaign_candidate_uq').on(t.campaignId, t.candidateId),
    index('worker_cycles_campaign_stage_registration_idx').on(t.campaignId, t.stage, t.registrationSeq),
    index('worker_cycles_campaign_registration_idx').on(t.campaignId, t.registrationSeq),
  ],
);

// The campaign view's counts (cycles per province, stage and outcome, women, selected, embarked, on the reserve list,
// seats held per offer), kept by triggers on worker_cycles, offer_seats and candidates (migration 0015) as cycles
// move, instead of scanned at every request: at 20,000 cycles that scan took 150-800 ms under a season's load. One
// row per combination of the counted facts. The triggers append signed deltas (+1 the cycle's new facts, -1 its old
// ones), so cycles moving at once never wait on a shared counter row; a read of the view folds them into
// campaign_tallies now and then (api/queries/campaigns.ts).
const tallyFacts = () => ({
  campaignId: text('campaign_id').notNull(),
  province: text('province').notNull(),
  stage: text('stage').notNull(),
  // '' when none, so the facts can be a primary key
  outcome: text('outcome').notNull(),
  // the offer whose seat the cycle holds (offer_seats), '' when none
  seatOfferId: text('seat_offer_id').notNull(),
  woman: boolean('woman').notNull(),
  selected: boolean('selected').notNull(),
  embarked: boolean('embarked').notNull(),
  onReserveList: boolean('on_reserve_list').notNull(),
});
export const campaignTallies = pgTable('campaign_tallies', { ...tallyFacts(), cycles: integer('cycles').notNull() }, (t) => [
  primaryKey({ name: 'campaign_tallies_pk', columns: [t.campaignId, t.province, t.stage, t.outcome, t.seatOfferId, t.woman, t.selected, t.embarked, t.onReserveList] }),
]);
export const campaignTallyDeltas = pgTable(
  'campaign_tally_deltas',
  { id: bigserial('id', { mode: 'number' }).primaryKey(), ...tallyFacts(), cycles: integer('cycles').notNull() },
  (t) => [index('campaign_tally_deltas_campaign_idx').on(t.campaignId)],
);

// Who did what, when, to which cycle. (cycle_id, seq) makes each transition idempotent; a workflow task lost after
// its local activity wrote is rewritten by the task's retry (recordTransition).
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cycleId: text('cycle_id').notNull(),
    seq: integer('seq').notNull(),
    step: text('step').notNull(),
    stage: text('stage').notNull(),
    outcome: text('outcome'),
    actor: text('actor').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    // time of the transition as the workflow saw it, not the time the activity ran
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('audit_events_cycle_seq_uq').on(t.cycleId, t.seq)],
);

export const documents = pgTable(
  'documents',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cycleId: text('cycle_id').notNull(),
    kind: text('kind', { enum: ['employment_contract', 'return_commitment', 'convocation', 'predeparture_sheet'] }).notNull(),
    // a convocation can be reissued for a new sailing; each issue is a version
    version: smallint('version').notNull().default(1),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull().default('application/pdf'),
    sha256: text('sha256').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    content: bytea('content').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('documents_cycle_kind_version_uq').on(t.cycleId, t.kind, t.version)],
);

// Outbox: a message (e-mail, or SMS to a worker's phone) is written once under its idempotency key (workflow ID +
// step, ':sms' for the text message) and sent at most once.
export const emailOutbox = pgTable(
  'email_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    idempotencyKey: text('idempotency_key').notNull(),
    channel: text('channel', { enum: ['email', 'sms'] }).notNull().default('email'),
    cycleId: text('cycle_id'),
    toAddresses: text('to_addresses').array().notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    documentIds: jsonb('document_ids').$type<number[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    messageId: text('message_id'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    // SMS only: the SMSC's id of each part, and the delivery state from its receipts
    smscMessageIds: text('smsc_message_ids').array(),
    delivery: text('delivery', { enum: ['pending', 'delivered', 'failed', 'resending', 'escalated'] }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('email_outbox_key_uq').on(t.idempotencyKey), index('email_outbox_smsc_ids_idx').using('gin', t.smscMessageIds)],
);

// Delivery receipts from the SMSC (one per SMS part and submission), kept as received.
export const smsReceipts = pgTable(
  'sms_receipts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    smscMessageId: text('smsc_message_id').notNull(),
    outboxId: bigint('outbox_id', { mode: 'number' }).references(() => emailOutbox.id),
    stat: text('stat').notNull(),
    err: text('err'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('sms_receipts_message_stat_uq').on(t.smscMessageId, t.stat), index('sms_receipts_outbox_idx').on(t.outboxId)],
);

// ANAPEC agencies, one per province of origin: they phone the workers (call lists) and receive escalations.
export const agencies = pgTable('agencies', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  province: text('province').notNull().unique(),
  email: text('email').notNull(),
  phone: text('phone'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

// One worker to phone about one message (selection, convocation, an SMS that could not be delivered...).
export const callListEntries = pgTable(
  'call_list_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // workflow ID + purpose: a retried notification adds the worker once
    idempotencyKey: text('idempotency_key').notNull(),
    agencyId: text('agency_id').references(() => agencies.id),
    province: text('province').notNull(),
    campaignId: text('campaign_id').notNull(),
    cycleId: text('cycle_id').notNull(),
    purpose: text('purpose').notNull(),
    // why the agency phones: every selection and convocation, a worker without a phone, an SMS not delivered
    reason: text('reason', { enum: ['announcement', 'no_phone', 'sms_failed'] }).notNull(),
    message: text('message').notNull(),
    // the day the message is about (departure day, or the day it was issued)
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    departureId: text('departure_id'),
    attempts: integer('attempts').notNull().default(0),
    outcome: text('outcome', { enum: ['reached', 'confirmed', 'unreachable', 'wrong_number'] }),
    lastCalledAt: timestamp('last_called_at', { withTimezone: true }),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('call_list_entries_key_uq').on(t.idempotencyKey), index('call_list_entries_agency_idx').on(t.agencyId, t.purpose, t.dueOn)],
);

export const callAttempts = pgTable(
  'call_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    entryId: bigint('entry_id', { mode: 'number' }).notNull().references(() => callListEntries.id),
    outcome: text('outcome', { enum: ['reached', 'confirmed', 'unreachable', 'wrong_number'] }).notNull(),
    calledBy: text('called_by').notNull(),
    note: text('note'),
    calledAt: timestamp('called_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('call_attempts_entry_idx').on(t.entryId)],
);

// A file of rows loaded by a coordinator (candidates, selection results, decisions...). Loading the same file
// twice is recognised by its content hash and changes nothing.
export const intakeFiles = pgTable(
  'intake_files',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    kind: text('kind').notNull(),
    sha256: text('sha256').notNull(),
    format: text('format', { enum: ['csv', 'json', 'xlsx'] }).notNull(),
    rowsTotal: integer('rows_total').notNull(),
    rowsAccepted: integer('rows_accepted').notNull(),
    rowsRejected: integer('rows_rejected').notNull(),
    errors: jsonb('errors').$type<{ line: number; field: string; reason: string }[]>().notNull().default([]),
    operationId: text('operation_id'),
    loadedBy: text('loaded_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('intake_files_campaign_kind_sha_uq').on(t.campaignId, t.kind, t.sha256)],
);

// A bulk operation applies one step to many worker cycles, in pages, from a workflow (never thousands of
// messages into one workflow). Its items are the rows; each item is applied at most once.
export const bulkOperations = pgTable('bulk_operations', {
  // business key, e.g. bulk-huelva-2027-selection-<sha12>
  id: text('id').primaryKey(),
  campaignId: text('campaign_id').notNull().references(() => campaigns.id),
  kind: text('kind').notNull(),
  // what started it: an intake file, a visa batch, a departure...
  source: text('source').notNull(),
  status: text('status', { enum: ['running', 'done'] }).notNull().default('running'),
  total: integer('total').notNull(),
  // kept by a trigger on bulk_items as rows are applied or refused (migration 0017): progress polls read them here
  // instead of counting the operation's rows on each poll
  applied: integer('applied').notNull().default(0),
  refused: integer('refused').notNull().default(0),
  ...createdByAt(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});

export const bulkItems = pgTable(
  'bulk_items',
  {
    operationId: text('operation_id').notNull().references(() => bulkOperations.id),
    line: integer('line').notNull(),
    cycleId: text('cycle_id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: ['pending', 'applied', 'refused'] }).notNull().default('pending'),
    error: text('error'),
    appliedAt: timestamp('applied_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.operationId, t.line] }),
    index('bulk_items_cycle_idx').on(t.cycleId),
    // the refused rows a progress poll lists, without reading the operation's other rows
    index('bulk_items_refused_idx').on(t.operationId, t.line).where(sql`status = 'refused'`),
  ],
);

export const visaBatches = pgTable(
  'visa_batches',
  {
    // business key: visa-<campaign>-<seq>
    id: text('id').primaryKey(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    seq: integer('seq').notNull(),
    // the Monday of the batch's ISO week, whatever day was given
    weekStart: date('week_start', { mode: 'string' }).notNull(),
    consulateId: text('consulate_id').notNull().default('rabat').references(() => consulates.id),
    capacity: integer('capacity').notNull(),
    status: text('status', { enum: ['assembled', 'lodged', 'escalated', 'decided'] }).notNull().default('assembled'),
    members: integer('members').notNull(),
    lodgedOn: date('lodged_on', { mode: 'string' }),
    decisionDeadlineAt: timestamp('decision_deadline_at', { withTimezone: true }),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    ...createdByAt(),
    // the assembling request's Idempotency-Key: the same request sent again (after a 503 or a lost answer) finds
    // this batch instead of assembling a second one
    requestKey: text('request_key'),
  },
  (t) => [
    uniqueIndex('visa_batches_campaign_seq_uq').on(t.campaignId, t.seq),
    index('visa_batches_week_idx').on(t.campaignId, t.weekStart),
    uniqueIndex('visa_batches_campaign_request_key_uq').on(t.campaignId, t.requestKey),
  ],
);

export const visaBatchMembers = pgTable(
  'visa_batch_members',
  {
    batchId: text('batch_id').notNull().references(() => visaBatches.id),
    cycleId: text('cycle_id').notNull().references(() => workerCycles.id),
    // one open batch per cycle at a time; a resubmitted (incomplete) file joins a later batch
    attempt: smallint('attempt').notNull().default(1),
    decision: text('decision', { enum: ['issued', 'refused', 'incomplete'] }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.cycleId] }), uniqueIndex('visa_batch_members_cycle_attempt_uq').on(t.cycleId, t.attempt)],
);

// A visa file lodged on its own (POST /cycles/:id/visa-file), outside a batch: it takes a place in its consulate's
// week like a batch member does.
export const singleVisaLodgings = pgTable(
  'single_visa_lodgings',
  {
    cycleId: text('cycle_id').notNull().references(() => workerCycles.id),
    fileReference: text('file_reference').notNull(),
    consulateId: text('consulate_id').notNull().references(() => consulates.id),
    weekStart: date('week_start', { mode: 'string' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.cycleId, t.fileReference] }), index('single_visa_lodgings_week_idx').on(t.consulateId, t.weekStart)],
);

export const departures = pgTable(
  'departures',
  {
    // business key: departure-<campaign>-<seq>
    id: text('id').primaryKey(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    seq: integer('seq').notNull(),
    direction: text('direction', { enum: ['outbound', 'return'] }).notNull().default('outbound'),
    departureAt: timestamp('departure_at', { withTimezone: true }).notNull(),
    port: text('port').notNull(),
    destination: text('destination').notNull(),
    seats: integer('seats').notNull(),
    status: text('status', { enum: ['planned', 'convoked', 'departed'] }).notNull().default('planned'),
    ...createdByAt(),
  },
  (t) => [uniqueIndex('departures_campaign_seq_uq').on(t.campaignId, t.seq)],
);

export const departurePassengers = pgTable(
  'departure_passengers',
  {
    departureId: text('departure_id').notNull().references(() => departures.id),
    cycleId: text('cycle_id').notNull().references(() => workerCycles.id),
    status: text('status', { enum: ['convoked', 'embarked', 'no_show'] }).notNull().default('convoked'),
    embarkedAt: timestamp('embarked_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.departureId, t.cycleId] }), index('departure_passengers_cycle_idx').on(t.cycleId)],
);

// What the regional agency hands each passenger at Tanger Ville before embarkation: passport with the visa, the
// police form, the ticket; or why one could not be handed over (the exception lets her embark all the same).
export const passengerHandovers = pgTable(
  'passenger_handovers',
  {
    departureId: text('departure_id').notNull().references(() => departures.id),
    cycleId: text('cycle_id').notNull().references(() => workerCycles.id),
    passport: boolean('passport').notNull(),
    policeForm: boolean('police_form').notNull(),
    ticket: boolean('ticket').notNull(),
    exception: text('exception'),
    recordedBy: text('recorded_by').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.departureId, t.cycleId] })],
);

// Reserve list calls: a post vacated by a drop-out (withdrawal, refusal, no-show...) is offered to the next
// reserve in rank order. Unique keys make the call idempotent; a refused call moves on to the next reserve.
export const reserveCalls = pgTable(
  'reserve_calls',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    offerId: text('offer_id').notNull().references(() => offers.id),
    vacatedCycleId: text('vacated_cycle_id').notNull().references(() => workerCycles.id),
    reserveCycleId: text('reserve_cycle_id').notNull().references(() => workerCycles.id),
    status: text('status', { enum: ['called', 'selected', 'refused'] }).notNull().default('called'),
    reason: text('reason'),
    calledAt: timestamp('called_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('reserve_calls_vacated_reserve_uq').on(t.vacatedCycleId, t.reserveCycleId),
    index('reserve_calls_campaign_idx').on(t.campaignId),
  ],
);

// A post of an offer held by a worker cycle: written by the eligibility gate (db/queries/contracting.ts) under a
// lock on the offer before the selection reaches the workflow, so concurrent selections cannot over-fill an offer.
// The seat counts while its cycle is open or closed with an outcome that kept the post (a drop-out frees it).
export const offerSeats = pgTable(
  'offer_seats',
  {
    cycleId: text('cycle_id').primaryKey().references(() => workerCycles.id),
    offerId: text('offer_id').notNull().references(() => offers.id),
    // which path took the seat: selection, selection_file, rehire, reserve, employer_change (moved to the new employer's offer)
    via: text('via').notNull(),
    heldAt: timestamp('held_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('offer_seats_offer_idx').on(t.offerId)],
);

// The multi-year circular authorisation (RD 629/2022): one 4-year work authorisation per worker and sector,
// at most 9 months of work in any 12-month window, return to Morocco after each season.
export const workAuthorisations = pgTable(
  'work_authorisations',
  {
    id: serial('id').primaryKey(),
    candidateId: candidateRef(),
    number: text('number').notNull(),
    sector: text('sector').notNull(),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    endsOn: date('ends_on', { mode: 'string' }).notNull(),
    status: text('status', { enum: ['active', 'revoked', 'expired'] }).notNull().default('active'),
    statusReason: text('status_reason'),
    // the cycle whose authorisation step created it
    firstCycleId: text('first_cycle_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('work_authorisations_number_uq').on(t.number), index('work_authorisations_candidate_idx').on(t.candidateId)],
);

// Reintegration track after return (WAFIRA-style): training, financial education, business support.
export const reintegrationEnrolments = pgTable(
  'reintegration_enrolments',
  {
    id: serial('id').primaryKey(),
    candidateId: candidateRef(),
    programme: text('programme').notNull(),
    enrolledOn: date('enrolled_on', { mode: 'string' }).notNull(),
    status: text('status', { enum: ['enrolled', 'completed', 'dropped'] }).notNull().default('enrolled'),
    outcome: text('outcome', { enum: ['business_created', 'employed', 'training_only', 'none'] }),
    businessName: text('business_name'),
    outcomeOn: date('outcome_on', { mode: 'string' }),
    enrolledBy: text('enrolled_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('reintegration_candidate_programme_uq').on(t.candidateId, t.programme)],
);

export const reintegrationSteps = pgTable(
  'reintegration_steps',
  {
    enrolmentId: integer('enrolment_id').notNull().references(() => reintegrationEnrolments.id),
    step: text('step', { enum: ['training', 'financial_education', 'business_support', 'spanish_language'] }).notNull(),
    completedOn: date('completed_on', { mode: 'string' }).notNull(),
    recordedBy: text('recorded_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.enrolmentId, t.step] })],
);

// Who read a person's full record, when, and through which route (data protection: the person may ask, auditors
// read it). Written by the API on every read of a candidate, a cycle, a history or an export; never updated.
export const accessLog = pgTable(
  'access_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    candidateId: candidateRef(),
    // the caller: the token's subject, how the audit trail names them, their role
    actorSubject: text('actor_subject').notNull(),
    actorLabel: text('actor_label').notNull(),
    actorRole: text('actor_role').notNull(),
    // why: candidate, cycle, history, export, export_pdf, erasure, retention
    purpose: text('purpose').notNull(),
    // the route pattern (never the URL) and what it named besides the person (a cycle id, an erasure's reason)
    route: text('route').notNull(),
    detail: text('detail'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('access_log_candidate_idx').on(t.candidateId, t.at)],
);

// A person's data erased (on request, or by the retention rule for candidates never selected): who, when, why and
// what was removed. One row per person: a second erasure answers with this one.
export const erasures = pgTable('erasures', {
  candidateId: integer('candidate_id').primaryKey().references(() => candidates.id),
  kind: text('kind', { enum: ['request', 'retention'] }).notNull(),
  reason: text('reason').notNull(),
  note: text('note'),
  erasedBy: text('erased_by').notNull(),
  erasedBySubject: text('erased_by_subject').notNull(),
  erasedAt: timestamp('erased_at', { withTimezone: true }).notNull().defaultNow(),
  // rows changed or removed per table
  summary: jsonb('summary').$type<Record<string, number>>().notNull().default({}),
});

// Repairs operators made (issue 17): a message sent again, a document printed again, a member released from a visa
// batch or a sailing, a workflow or a batch of workflows reset. Append-only; the actor is the authenticated caller.
export const operatorRepairs = pgTable(
  'operator_repairs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind', { enum: ['resend_message', 'regenerate_document', 'release_visa_batch_member', 'release_sailing_passenger', 'reset_workflow', 'batch_reset'] }).notNull(),
    // what was repaired: a workflow ID, an outbox key, a batch or sailing, a visibility query's job
    target: text('target').notNull(),
    cycleId: text('cycle_id'),
    reason: text('reason').notNull(),
    actor: text('actor').notNull(),
    actorSubject: text('actor_subject').notNull(),
    status: text('status', { enum: ['started', 'done', 'failed'] }).notNull().default('started'),
    // what the repair did: new keys, document versions, reset points, run IDs, job IDs (no personal data)
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('operator_repairs_target_idx').on(t.target), index('operator_repairs_cycle_idx').on(t.cycleId)],
);

// Selection sites (issue 13): ANAPEC runs the selection on 4 sites (docs/DOMAIN.md), seeded by migration 0013; an
// agency officer organises the sessions of the sites in her province.
export const selectionSites = pgTable('selection_sites', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  city: text('city').notNull(),
  province: text('province').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

// An employer's interview session at a site on a day, for one of its offers. (offer, site, day) is the business key:
// the same request again finds the session instead of inviting more candidates.
export const selectionSessions = pgTable(
  'selection_sessions',
  {
    id: serial('id').primaryKey(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    siteId: text('site_id').notNull().references(() => selectionSites.id),
    heldOn: date('held_on', { mode: 'string' }).notNull(),
    // the hour the candidates are told to come, Casablanca time (HH:MM)
    startsAt: text('starts_at').notNull().default('09:00'),
    offerId: text('offer_id').notNull().references(() => offers.id),
    employerId: text('employer_id').notNull().references(() => employers.id),
    invited: integer('invited').notNull(),
    // the bulk operations that sent the invitations and applied the results' selections
    invitationsOperationId: text('invitations_operation_id'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('selection_sessions_offer_site_day_uq').on(t.offerId, t.siteId, t.heldOn), index('selection_sessions_campaign_idx').on(t.campaignId)],
);

// A candidate invited to a session: once per offer (another session of the same offer does not invite her again),
// her attendance, and the employer's result (selected through the selection step's gate, rejected, or a ranked reserve).
export const sessionInvitations = pgTable(
  'session_invitations',
  {
    sessionId: integer('session_id').notNull().references(() => selectionSessions.id),
    cycleId: text('cycle_id').notNull().references(() => workerCycles.id),
    offerId: text('offer_id').notNull().references(() => offers.id),
    // her place in the invitation list (registration order)
    position: integer('position').notNull(),
    invitedAt: timestamp('invited_at', { withTimezone: true }).notNull().defaultNow(),
    attendance: text('attendance', { enum: ['present', 'absent', 'excused'] }),
    attendanceBy: text('attendance_by'),
    result: text('result', { enum: ['selected', 'rejected', 'reserve'] }),
    // a reserve's rank among the session's reserves (the campaign's reserve list takes them in this order)
    rank: integer('rank'),
    reason: text('reason'),
    resultBy: text('result_by'),
    resultAt: timestamp('result_at', { withTimezone: true }),
    // the selection file-like bulk operation that applied a selected result
    resultOperationId: text('result_operation_id'),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.cycleId] }), uniqueIndex('session_invitations_offer_cycle_uq').on(t.offerId, t.cycleId), index('session_invitations_cycle_idx').on(t.cycleId)],
);

// Reports from mediators, agencies and employers during the season (issue 13): an employer change, a sickness or an
// accident, a housing, wage or rest-day complaint, an early return. Each is a case with a deadline and its own small
// workflow (`case-<id>`, workflows/in-season-case.ts), escalated to the worker's agency and the consulate's labour
// office when nobody resolved it in time. The employer is the cycle's at the time of the report (the one the report
// is about); an employer change names the new offer, admitted by the eligibility gate.
export const inSeasonCases = pgTable(
  'in_season_cases',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cycleId: text('cycle_id').notNull().references(() => workerCycles.id),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    employerId: text('employer_id').notNull().references(() => employers.id),
    kind: text('kind', { enum: IN_SEASON_CASE_KINDS }).notNull(),
    // free text from the reporter: personal by nature, never logged, removed by an erasure
    details: text('details').notNull(),
    // employer_change only: the new employer's offer, admitted by the eligibility gate (the cycle's seat moved to it)
    newOfferId: text('new_offer_id').references(() => offers.id),
    // the authenticated caller (never a body field), and the token's subject
    reportedBy: text('reported_by').notNull(),
    reportedBySubject: text('reported_by_subject').notNull(),
    reportedAt: timestamp('reported_at', { withTimezone: true }).notNull().defaultNow(),
    deadline: timestamp('deadline', { withTimezone: true }).notNull(),
    status: text('status', { enum: ['open', 'escalated', 'resolved'] }).notNull().default('open'),
    resolution: text('resolution'),
    resolvedBy: text('resolved_by'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    // the reporting request's Idempotency-Key: the same request sent again finds this case instead of opening another
    requestKey: text('request_key'),
  },
  (t) => [
    index('in_season_cases_cycle_idx').on(t.cycleId),
    index('in_season_cases_campaign_employer_idx').on(t.campaignId, t.employerId),
    uniqueIndex('in_season_cases_cycle_request_key_uq').on(t.cycleId, t.requestKey),
    check('in_season_cases_details_bounded', sql`length(${t.details}) between 1 and 4000`),
    check('in_season_cases_new_offer_only_for_change', sql`(${t.kind} = 'employer_change') = (${t.newOfferId} is not null)`),
  ],
);
