// What the departure routes take and answer (zod: validation, serialisation and the OpenAPI document).
import { z } from 'zod';
import { csvBoolean, fileDate } from '../files';
import { DEFAULT_DESTINATION, DEFAULT_EMBARKATION_GRACE, DEFAULT_PORT } from '../../workflows/contracts/departure';
import { handoverMissing, type DepartureRow, type PassengerCounts, type PassengerRow } from '../queries/departures';
import { note, duration } from '../schemas';

const MAX_SEATS = 2000;
/** Clock skew tolerated on times recorded at the port. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

const nationalId = z.string().transform((s) => s.trim().toUpperCase());

export const createDepartureBody = z.object({
  departureAt: z.iso.datetime({ offset: true }).describe('date-time of the sailing, with its offset; must be in the future'),
  port: z.string().min(2).max(80).default(DEFAULT_PORT),
  destination: z.string().min(2).max(80).default(DEFAULT_DESTINATION),
  seats: z.number().int().min(1).max(MAX_SEATS).describe('seats booked on the sailing: at most this many ready workers are assigned'),
  employerId: z.string().min(2).max(40).optional().describe("only this employer's workers (a sailing planned for one farm)"),
  note,
  embarkationGrace: duration
    .default(DEFAULT_EMBARKATION_GRACE as string)
    .describe('after the departure time, how long embarkations are awaited before the others count as no-shows'),
});
export const closeBoardingBody = z.object({ note });

export const departureSummary = z.object({
  departureId: z.string(),
  campaignId: z.string(),
  seq: z.number(),
  direction: z.string(),
  departureAt: z.string(),
  port: z.string(),
  destination: z.string(),
  seats: z.number(),
  status: z.enum(['planned', 'convoked', 'departed']),
  createdBy: z.string(),
  createdAt: z.string(),
  passengerCount: z.number().describe('workers assigned to the sailing'),
  convoked: z.number().describe('passengers convoked (all passengers on the list)'),
  embarked: z.number(),
  noShow: z.number(),
  awaitingEmbarkation: z.number().describe('convoked, embarkation not recorded yet'),
  passengersUrl: z.string().describe('the passenger list, paged'),
});
export const createdView = departureSummary.extend({
  remainingReady: z.number().describe('workers of the campaign still ready to depart and not assigned to a sailing'),
});
export const passengerView = z.object({
  cycleId: z.string(),
  candidateId: z.number(),
  nationalId: z.string(),
  name: z.string(),
  status: z.enum(['convoked', 'embarked', 'no_show']),
  embarkedAt: z.string().nullable(),
  handover: z.object({
    passport: z.boolean(),
    policeForm: z.boolean(),
    ticket: z.boolean(),
    exception: z.string().nullable(),
    recordedBy: z.string(),
    recordedAt: z.string(),
  }).nullable().describe('what the agency handed over at the port (null: nothing recorded yet)'),
  handoverMissing: z.array(z.string()).describe('what must still be handed over (or an exception recorded) before she may embark'),
});
export const handoverBody = z.object({
  passport: z.boolean().describe('passport with the visa handed over'),
  policeForm: z.boolean().describe('police form (fiche de police) handed over'),
  ticket: z.boolean().describe('ticket handed over'),
  exception: z.string().min(3).max(300).optional().describe('why something could not be handed over and she boards all the same (e.g. ticket issued on board)'),
});
export const handoverRow = z.object({
  nationalId,
  passport: csvBoolean,
  policeForm: csvBoolean,
  ticket: csvBoolean,
  exception: z.string().min(3).max(300).optional(),
});
export const handoverFileView = z.object({
  departureId: z.string(),
  rowsRecorded: z.number(),
  rowsRefused: z.number(),
  errors: z.array(z.object({ line: z.number(), field: z.string(), reason: z.string() })),
  stillMissing: z.number().describe('passengers still convoked whose handover is not complete'),
});
export const boardingClosedView = z.object({
  departureId: z.string(),
  status: departureSummary.shape.status,
  boardingClosed: z.object({ by: z.string(), at: z.string() }),
  counts: z.object({ seats: z.number(), convoked: z.number(), embarked: z.number(), noShow: z.number() }),
});

export const embarkationRow = z.object({
  nationalId,
  embarkedAt: z.iso
    .datetime({ offset: true })
    .refine((s) => Date.parse(s) <= Date.now() + FUTURE_TOLERANCE_MS, 'an embarkation cannot be dated in the future'),
  // the handover may be ticked on the same sheet: all three columns, or none
  passport: csvBoolean.optional(),
  policeForm: csvBoolean.optional(),
  ticket: csvBoolean.optional(),
  handoverException: z.string().min(3).max(300).optional(),
});
export const returnRow = z.object({
  nationalId,
  returnedOn: fileDate.refine((s) => Date.parse(String(s)) <= Date.now() + 86_400_000, 'a return cannot be dated in the future'),
  proof: z.enum(['port_exit_record', 'passport_stamp', 'consular_certificate']),
  sailing: z.string().min(1).max(60).optional().describe('the return sailing, when known'),
});

export function summary(d: DepartureRow, c: PassengerCounts): z.infer<typeof departureSummary> {
  return {
    departureId: d.id,
    campaignId: d.campaignId,
    seq: d.seq,
    direction: d.direction,
    departureAt: d.departureAt.toISOString(),
    port: d.port,
    destination: d.destination,
    seats: d.seats,
    status: d.status,
    createdBy: d.createdBy,
    createdAt: d.createdAt.toISOString(),
    ...c,
    passengersUrl: `/departures/${d.id}/passengers`,
  };
}

export function passenger(r: PassengerRow): z.infer<typeof passengerView> {
  return {
    cycleId: r.p.cycleId,
    candidateId: r.candidate.id,
    nationalId: r.candidate.nationalId,
    name: `${r.candidate.firstName} ${r.candidate.lastName}`,
    status: r.p.status,
    embarkedAt: r.p.embarkedAt?.toISOString() ?? null,
    handover: r.handover
      ? { passport: r.handover.passport, policeForm: r.handover.policeForm, ticket: r.handover.ticket, exception: r.handover.exception, recordedBy: r.handover.recordedBy, recordedAt: r.handover.recordedAt.toISOString() }
      : null,
    handoverMissing: r.p.status === 'convoked' ? handoverMissing(r.handover) : [],
  };
}

/** A passenger as the embarkation manifest prints them. */
export function manifestLine(r: PassengerRow) {
  return {
    firstName: r.candidate.firstName,
    lastName: r.candidate.lastName,
    nationalId: r.candidate.nationalId,
    passportNumber: r.candidate.passportNumber,
    employerName: r.employerName,
    visaNumber: r.visaNumber,
    status: r.p.status,
    embarkedAt: r.p.embarkedAt?.toISOString() ?? null,
    handover: r.handover,
  };
}
