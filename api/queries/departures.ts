// Departure reads and writes (SQL only; the routes map and answer).
import { cyclesInReach } from './cycles';
import type { Reach } from '../auth/jurisdiction';
import { and, asc, count, eq, inArray, notExists, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../../db/client';
import { campaigns, candidates, departurePassengers, departures, employers, passengerHandovers, workerCycles } from '../../db/schema';
import { departureId as makeDepartureId } from '../../workflows/contracts/departure';
import { conflict, notFound } from '../errors';
import type { Page } from '../paging';
import { byRegistration } from '../../db/queries/registration-order';

export type DepartureRow = typeof departures.$inferSelect;
export interface PassengerCounts {
  passengerCount: number;
  convoked: number;
  embarked: number;
  noShow: number;
  awaitingEmbarkation: number;
}

export async function departureOr404(db: Db, departureId: string): Promise<DepartureRow> {
  const [d] = await db.select().from(departures).where(eq(departures.id, departureId));
  if (!d) throw notFound(`departure ${departureId}`);
  return d;
}

/** Passenger counts per departure, in one query. */
export async function countsByDeparture(db: Db, ids: string[]): Promise<Map<string, PassengerCounts>> {
  const out = new Map<string, PassengerCounts>();
  for (const id of ids) out.set(id, { passengerCount: 0, convoked: 0, embarked: 0, noShow: 0, awaitingEmbarkation: 0 });
  if (ids.length === 0) return out;
  const rows = await db
    .select({ departureId: departurePassengers.departureId, status: departurePassengers.status, n: count() })
    .from(departurePassengers)
    .where(inArray(departurePassengers.departureId, ids))
    .groupBy(departurePassengers.departureId, departurePassengers.status);
  for (const r of rows) {
    const c = out.get(r.departureId)!;
    c.passengerCount += r.n;
    c.convoked += r.n;
    if (r.status === 'embarked') c.embarked += r.n;
    if (r.status === 'no_show') c.noShow += r.n;
    if (r.status === 'convoked') c.awaitingEmbarkation += r.n;
  }
  return out;
}

/** Cycles of the campaign ready to depart and on no sailing yet (a refused convocation frees its worker). */
function unassignedReady(campaignId: string) {
  return and(
    eq(workerCycles.campaignId, campaignId),
    eq(workerCycles.stage, 'ready_to_depart'),
    notExists(sql`(select 1 from ${departurePassengers} where ${departurePassengers.cycleId} = ${workerCycles.id})`),
  );
}

export const remainingReady = (db: Db, campaignId: string) => db.$count(workerCycles, unassignedReady(campaignId));

export interface SailingPlan {
  departureAt: Date;
  port: string;
  destination: string;
  seats: number;
  createdBy: string;
  /** only this employer's workers */
  employerId?: string;
}

/** An outbound sailing (Tanger -> Tarifa) and its passengers: ready workers on no other sailing, up to the seats. */
export async function planSailing(db: Db, campaignId: string, p: SailingPlan): Promise<{ row: DepartureRow; created: boolean }> {
  return writeSailing(db, campaignId, p, 'outbound', { among: unassignedReady(campaignId), first: workerCycles.contractStart, nobody: 'is ready to depart and unassigned' });
}

/**
 * The one way a sailing is written, either direction. A sailing is its campaign, port, time and direction: planning
 * the same one again (a retried request) finds it instead of planning a second. One planner at a time per campaign
 * (the campaign row is the lock), so a worker is never on two sailings of one direction.
 */
async function writeSailing(
  db: Db,
  campaignId: string,
  p: SailingPlan,
  direction: 'outbound' | 'return',
  who: { among: SQL | undefined; first: AnyPgColumn; nobody: string },
): Promise<{ row: DepartureRow; created: boolean }> {
  return db.transaction(async (tx) => {
    await tx.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, campaignId)).for('update');
    const [same] = await tx
      .select()
      .from(departures)
      .where(and(eq(departures.campaignId, campaignId), eq(departures.port, p.port), eq(departures.departureAt, p.departureAt), eq(departures.direction, direction)));
    if (same) return { row: same, created: false };
    // whose contract starts (or ends) soonest first, grouped by employer (a farm meets its workers at once)
    const chosen = await tx
      .select({ id: workerCycles.id })
      .from(workerCycles)
      .where(and(who.among, p.employerId ? eq(workerCycles.employerId, p.employerId) : undefined))
      .orderBy(asc(who.first), asc(workerCycles.employerId), byRegistration)
      .limit(p.seats);
    if (chosen.length === 0) throw conflict(`no worker of campaign ${campaignId}${p.employerId ? ` employed by ${p.employerId}` : ''} ${who.nobody}`);
    const [last] = await tx
      .select({ seq: sql<number>`coalesce(max(${departures.seq}), 0)`.mapWith(Number) })
      .from(departures)
      .where(eq(departures.campaignId, campaignId));
    const seq = (last?.seq ?? 0) + 1;
    const id = makeDepartureId(campaignId, seq);
    const { employerId: _employer, ...sailing } = p;
    // a return sailing convokes nobody (they are in Spain): its passengers are booked at once
    const [row] = await tx.insert(departures).values({ id, campaignId, seq, direction, ...(direction === 'return' ? { status: 'convoked' as const } : {}), ...sailing }).returning();
    for (let i = 0; i < chosen.length; i += 1000) {
      await tx.insert(departurePassengers).values(chosen.slice(i, i + 1000).map((r) => ({ departureId: id, cycleId: r.id })));
    }
    return { row: row!, created: true };
  });
}

export async function listDepartures(db: Db, campaignId: string, page: Page) {
  const where = eq(departures.campaignId, campaignId);
  const total = await db.$count(departures, where);
  const rows = await db.select().from(departures).where(where).orderBy(asc(departures.seq)).limit(page.limit).offset(page.offset);
  return { total, rows, counts: await countsByDeparture(db, rows.map((r) => r.id)) };
}

/** The passengers with who they are, within the caller's reach (an agency sees its own province's workers). */
function passengerRows(db: Db, departureId: string, reach: Reach) {
  return db
    .select({ p: departurePassengers, candidate: candidates, visaNumber: workerCycles.visaNumber, employerName: employers.name, handover: passengerHandovers })
    .from(departurePassengers)
    .leftJoin(passengerHandovers, and(eq(passengerHandovers.departureId, departurePassengers.departureId), eq(passengerHandovers.cycleId, departurePassengers.cycleId)))
    .innerJoin(workerCycles, eq(workerCycles.id, departurePassengers.cycleId))
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .leftJoin(employers, eq(employers.id, workerCycles.employerId))
    .where(and(eq(departurePassengers.departureId, departureId), cyclesInReach(reach)))
    .$dynamic();
}
export type PassengerRow = Awaited<ReturnType<typeof passengerRows>>[number];

export async function passengersPage(db: Db, departureId: string, page: Page, reach: Reach) {
  const inReach = db.select({ id: workerCycles.id }).from(workerCycles).where(cyclesInReach(reach));
  const total = await db.$count(departurePassengers, and(eq(departurePassengers.departureId, departureId), reach.province || reach.employerId ? inArray(departurePassengers.cycleId, inReach) : undefined));
  const rows = await passengerRows(db, departureId, reach).orderBy(asc(candidates.registrationSeq)).limit(page.limit).offset(page.offset);
  return { total, rows };
}

/** Every passenger, in the manifest's order (name). */
export function manifestPassengers(db: Db, departureId: string, reach: Reach) {
  return passengerRows(db, departureId, reach).orderBy(asc(candidates.lastName), asc(candidates.firstName), asc(candidates.registrationSeq));
}

/** One passenger of a sailing with her boarding status and her cycle's stage (a handover ticked per person). */
export async function passengerOf(db: Db | Tx, departureId: string, cycleId: string): Promise<{ cycleId: string; status: 'convoked' | 'embarked' | 'no_show'; stage: string } | undefined> {
  const [row] = await db
    .select({ cycleId: departurePassengers.cycleId, status: departurePassengers.status, stage: workerCycles.stage })
    .from(departurePassengers)
    .innerJoin(workerCycles, eq(workerCycles.id, departurePassengers.cycleId))
    .where(and(eq(departurePassengers.departureId, departureId), eq(departurePassengers.cycleId, cycleId)));
  return row;
}

/** nationalId -> the passenger's cycle and boarding status, for the port's files. */
export async function passengersByNationalId(db: Db | Tx, departureId: string): Promise<Map<string, { cycleId: string; status: 'convoked' | 'embarked' | 'no_show'; stage: string }>> {
  const rows = await db
    .select({ nationalId: candidates.nationalId, cycleId: departurePassengers.cycleId, status: departurePassengers.status, stage: workerCycles.stage })
    .from(departurePassengers)
    .innerJoin(workerCycles, eq(workerCycles.id, departurePassengers.cycleId))
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .where(eq(departurePassengers.departureId, departureId));
  return new Map(rows.map((r) => [r.nationalId, { cycleId: r.cycleId, status: r.status, stage: r.stage }]));
}

export async function campaignHeader(db: Db, campaignId: string) {
  const [c] = await db.select({ id: campaigns.id, name: campaigns.name, season: campaigns.season }).from(campaigns).where(eq(campaigns.id, campaignId));
  return c!;
}

export type HandoverRow = typeof passengerHandovers.$inferSelect;
export type Handover = Pick<HandoverRow, 'passport' | 'policeForm' | 'ticket' | 'exception'>;

/** What is still to be handed over before she may embark: nothing once all three are, or an exception is recorded. */
export function handoverMissing(h: Handover | null | undefined): string[] {
  if (h?.exception) return [];
  return [!h?.passport && 'passport', !h?.policeForm && 'police form', !h?.ticket && 'ticket'].filter((x): x is string => !!x);
}

/** Records (or corrects) passengers' handovers; the last record of a passenger is the one that counts. */
export async function recordHandovers(db: Db | Tx, departureId: string, rows: (Handover & { cycleId: string })[], recordedBy: string): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    await db
      .insert(passengerHandovers)
      .values(rows.slice(i, i + 1000).map((r) => ({ departureId, recordedBy, ...r, exception: r.exception ?? null })))
      .onConflictDoUpdate({
        target: [passengerHandovers.departureId, passengerHandovers.cycleId],
        set: { passport: sql`excluded.passport`, policeForm: sql`excluded.police_form`, ticket: sql`excluded.ticket`, exception: sql`excluded.exception`, recordedBy: sql`excluded.recorded_by`, recordedAt: sql`now()` },
      });
  }
}

/** The passengers' handovers of a sailing, by cycle. */
export async function handoversOf(db: Db | Tx, departureId: string): Promise<Map<string, HandoverRow>> {
  const rows = await db.select().from(passengerHandovers).where(eq(passengerHandovers.departureId, departureId));
  return new Map(rows.map((r) => [r.cycleId, r]));
}

/** The sailing a convoked cycle waits to board, with its handover: what an embarkation of that cycle checks. */
export async function boardingOf(db: Db | Tx, cycleId: string): Promise<{ departureId: string; handover: HandoverRow | null } | undefined> {
  const [row] = await db
    .select({ departureId: departurePassengers.departureId, handover: passengerHandovers })
    .from(departurePassengers)
    .leftJoin(passengerHandovers, and(eq(passengerHandovers.departureId, departurePassengers.departureId), eq(passengerHandovers.cycleId, departurePassengers.cycleId)))
    .where(and(eq(departurePassengers.cycleId, cycleId), eq(departurePassengers.status, 'convoked')));
  return row;
}

/** An embarkation of a passenger not handed her passport, police form and ticket (nor an exception) is refused. */
export async function assertHandedOver(db: Db, cycleId: string): Promise<void> {
  const boarding = await boardingOf(db, cycleId);
  if (!boarding) return; // convoked without a planned sailing: nothing to check against
  const missing = handoverMissing(boarding.handover);
  if (missing.length) {
    throw conflict(`the port has not handed over ${missing.join(', ')} to this passenger of ${boarding.departureId}: record the handover (PUT /departures/${boarding.departureId}/passengers/${cycleId}/handover) or its exception first`);
  }
}

/** Cycles of the campaign in the season or past their contract end, on no return sailing yet. */
function unassignedInSeason(campaignId: string) {
  return and(
    eq(workerCycles.campaignId, campaignId),
    inArray(workerCycles.stage, ['in_season', 'awaiting_return']),
    notExists(sql`(select 1 from ${departurePassengers} join ${departures} on ${departures.id} = ${departurePassengers.departureId}
      where ${departurePassengers.cycleId} = ${workerCycles.id} and ${departures.direction} = 'return')`),
  );
}

export const remainingInSeason = (db: Db, campaignId: string) => db.$count(workerCycles, unassignedInSeason(campaignId));

/**
 * A return sailing (Tarifa -> Tanger) and its passengers: the workers whose contracts end soonest, grouped by
 * employer, then in registration order, up to the seats; the same sailing planned again is found, as outbound.
 */
export async function planReturnSailing(db: Db, campaignId: string, p: SailingPlan): Promise<{ row: DepartureRow; created: boolean }> {
  return writeSailing(db, campaignId, p, 'return', { among: unassignedInSeason(campaignId), first: workerCycles.contractEnd, nobody: 'is in the season without a return sailing' });
}

/** Passengers of a return sailing who came home on it (their return is recorded by the arrivals file's operation). */
export async function markArrived(tx: Tx, departureId: string, cycleIds: string[]): Promise<void> {
  if (cycleIds.length === 0) return;
  await tx
    .update(departurePassengers)
    .set({ status: 'embarked', embarkedAt: sql`now()` })
    .where(and(eq(departurePassengers.departureId, departureId), inArray(departurePassengers.cycleId, cycleIds)));
}
