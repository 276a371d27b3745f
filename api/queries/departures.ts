// Departure reads and writes (SQL only; the routes map and answer).
import { and, asc, count, eq, inArray, notExists, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { campaigns, candidates, departurePassengers, departures, employers, workerCycles } from '../../db/schema';
import { departureId as makeDepartureId } from '../../workflows/contracts/departure';
import { conflict, notFound } from '../errors';
import type { Page } from '../paging';

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
}

/**
 * Writes a sailing and its passengers (ready workers on no other sailing, in candidate order, up to the seats) in
 * one transaction. A sailing is its campaign, port and departure time: planning the same one again (a retried
 * request) finds it ('existing') instead of planning a second. One planner at a time per campaign (the campaign
 * row is the lock), so a worker is never on two sailings.
 */
export async function planSailing(db: Db, campaignId: string, p: SailingPlan): Promise<{ row: DepartureRow; created: boolean }> {
  return db.transaction(async (tx) => {
    await tx.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, campaignId)).for('update');
    const [same] = await tx
      .select()
      .from(departures)
      .where(and(eq(departures.campaignId, campaignId), eq(departures.port, p.port), eq(departures.departureAt, p.departureAt)));
    if (same) return { row: same, created: false };
    const ready = await tx.select({ id: workerCycles.id }).from(workerCycles).where(unassignedReady(campaignId)).orderBy(asc(workerCycles.candidateId)).limit(p.seats);
    if (ready.length === 0) throw conflict(`no worker of campaign ${campaignId} is ready to depart and unassigned`);
    const [last] = await tx
      .select({ seq: sql<number>`coalesce(max(${departures.seq}), 0)`.mapWith(Number) })
      .from(departures)
      .where(eq(departures.campaignId, campaignId));
    const seq = (last?.seq ?? 0) + 1;
    const id = makeDepartureId(campaignId, seq);
    const [row] = await tx.insert(departures).values({ id, campaignId, seq, ...p }).returning();
    for (let i = 0; i < ready.length; i += 1000) {
      await tx.insert(departurePassengers).values(ready.slice(i, i + 1000).map((r) => ({ departureId: id, cycleId: r.id })));
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

/** The passengers with who they are, in candidate order; a page of them, or all (`page` omitted) for the manifest. */
function passengerRows(db: Db, departureId: string) {
  return db
    .select({ p: departurePassengers, candidate: candidates, visaNumber: workerCycles.visaNumber, employerName: employers.name })
    .from(departurePassengers)
    .innerJoin(workerCycles, eq(workerCycles.id, departurePassengers.cycleId))
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .leftJoin(employers, eq(employers.id, workerCycles.employerId))
    .where(eq(departurePassengers.departureId, departureId))
    .$dynamic();
}
export type PassengerRow = Awaited<ReturnType<typeof passengerRows>>[number];

export async function passengersPage(db: Db, departureId: string, page: Page) {
  const total = await db.$count(departurePassengers, eq(departurePassengers.departureId, departureId));
  const rows = await passengerRows(db, departureId).orderBy(asc(candidates.id)).limit(page.limit).offset(page.offset);
  return { total, rows };
}

/** Every passenger, in the manifest's order (name). */
export function manifestPassengers(db: Db, departureId: string) {
  return passengerRows(db, departureId).orderBy(asc(candidates.lastName), asc(candidates.firstName), asc(candidates.id));
}

/** nationalId -> the passenger's cycle, for an embarkation file. */
export async function passengersByNationalId(db: Db, departureId: string): Promise<Map<string, { cycleId: string }>> {
  const rows = await db
    .select({ nationalId: candidates.nationalId, cycleId: departurePassengers.cycleId })
    .from(departurePassengers)
    .innerJoin(workerCycles, eq(workerCycles.id, departurePassengers.cycleId))
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .where(eq(departurePassengers.departureId, departureId));
  return new Map(rows.map((r) => [r.nationalId, { cycleId: r.cycleId }]));
}

export async function campaignHeader(db: Db, campaignId: string) {
  const [c] = await db.select({ id: campaigns.id, name: campaigns.name, season: campaigns.season }).from(campaigns).where(eq(campaigns.id, campaignId));
  return c!;
}
