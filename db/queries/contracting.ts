// The facts the eligibility decision needs, loaded in one place, and the seats it hands out. Every path into a
// contract calls admit(): single selection, selection file, re-hire by name, reserve call, candidate intake.
// One transaction locks the offers concerned (in ID order, so two admissions never deadlock), counts their held
// seats, decides each request in order with the pure rules (workflows/contracts/eligibility.ts) and writes a seat
// for each admitted one: 20 selections at once for 5 posts admit exactly 5.
import { and, desc, eq, inArray, isNotNull, isNull, notInArray, or, sql } from 'drizzle-orm';
import type { Db, Tx } from '../client';
import { campaigns, candidates, offerSeats, offers, workAuthorisations, workerCycles } from '../schema';
import { eligibilityRefusals, type OfferFacts, type PersonFacts, type Refusal } from '../../workflows/contracts/eligibility';
import { DROP_OUT_OUTCOMES } from '../../workflows/contracts/worker-cycle';

export type SeatPath = 'selection' | 'selection_file' | 'rehire' | 'reserve' | 'employer_change';

export interface AdmissionRequest {
  candidateId: number;
  /** the cycle that would take the seat; its own seat and contract are not counted against it */
  cycleId: string;
  /** no offer: person rules only (candidate intake) */
  offerId?: string;
  rehire?: boolean;
}

export interface OfferTerms {
  id: string;
  campaignId: string;
  employerId: string;
  contractStart: string;
  contractEnd: string;
  posts: number;
}

export interface Admission {
  request: AdmissionRequest;
  refusals: Refusal[];
  /** the offer's terms when admitted with an offer */
  offer?: OfferTerms;
  /** the person's active multi-year authorisation, which a re-hire by name reuses */
  authorisationNumber?: string;
}

/** Outcomes after which a seat no longer holds its post. */
export const SEAT_FREED_BY: readonly string[] = [...DROP_OUT_OUTCOMES, 'not_selected', 'selection_expired'];


/**
 * Decides every request; with `hold`, takes a seat for each admitted request with an offer. Requests are decided
 * in the order given (a file's line order), so the first rows of a file get the last posts.
 */
export async function admit(db: Db | Tx, requests: AdmissionRequest[], opts: { hold: false | SeatPath; today?: string; campaignId?: string }): Promise<Admission[]> {
  if (requests.length === 0) return [];
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  return db.transaction(async (tx) => {
    const offerIds = [...new Set(requests.flatMap((r) => (r.offerId ? [r.offerId] : [])))].sort();
    const offerRows = offerIds.length
      ? await tx
          .select({ id: offers.id, campaignId: offers.campaignId, employerId: offers.employerId, posts: offers.posts, contractStart: offers.contractStart, contractEnd: offers.contractEnd, sector: campaigns.sector })
          .from(offers)
          .innerJoin(campaigns, eq(campaigns.id, offers.campaignId))
          .where(and(inArray(offers.id, offerIds), opts.campaignId ? eq(offers.campaignId, opts.campaignId) : undefined))
          .orderBy(offers.id)
          .for('update', { of: offers })
      : [];
    const offerById = new Map(offerRows.map((o) => [o.id, o]));
    const cycleIds = requests.map((r) => r.cycleId);
    const ownSeats = new Map((await tx.select().from(offerSeats).where(inArray(offerSeats.cycleId, cycleIds))).map((s) => [s.cycleId, s.offerId]));
    const filled = await heldSeats(tx, offerIds, cycleIds);
    const persons = await loadPersons(tx, [...new Set(requests.map((r) => r.candidateId))], cycleIds, requests.some((r) => r.rehire));

    const out: Admission[] = [];
    const newSeats: { cycleId: string; offerId: string; via: string }[] = [];
    for (const request of requests) {
      const person = persons.get(request.candidateId) ?? { otherContracts: [] };
      let offer: OfferFacts | undefined;
      const row = request.offerId ? offerById.get(request.offerId) : undefined;
      if (request.offerId && !row) {
        out.push({ request, refusals: [{ rule: 'offer', field: 'offerId', reason: `offer ${request.offerId} is not an offer of this campaign` }] });
        continue;
      }
      if (row) offer = { id: row.id, sector: row.sector, posts: row.posts, filled: filled.get(row.id) ?? 0, contractStart: row.contractStart, contractEnd: row.contractEnd };
      // a retried request whose seat is already held on this offer is not refused for the offer's fill
      const retry = row && ownSeats.get(request.cycleId) === row.id;
      const refusals = eligibilityRefusals({ today, person: { ...person, otherContracts: person.otherContracts.filter((c) => c.label !== request.cycleId) }, offer, rehire: request.rehire }).filter(
        (r) => !(retry && r.rule === 'quota'),
      );
      const auth = person.authorisation?.status === 'active' ? person.authorisation.number : undefined;
      out.push({ request, refusals, ...(auth ? { authorisationNumber: auth } : {}), ...(row ? { offer: { id: row.id, campaignId: row.campaignId, employerId: row.employerId, contractStart: row.contractStart, contractEnd: row.contractEnd, posts: row.posts } } : {}) });
      if (row && refusals.length === 0 && opts.hold && !retry) {
        filled.set(row.id, (filled.get(row.id) ?? 0) + 1);
        newSeats.push({ cycleId: request.cycleId, offerId: row.id, via: opts.hold });
      }
    }
    for (let i = 0; i < newSeats.length; i += 1000) {
      await tx
        .insert(offerSeats)
        .values(newSeats.slice(i, i + 1000))
        .onConflictDoUpdate({ target: offerSeats.cycleId, set: { offerId: sql`excluded.offer_id`, via: sql`excluded.via`, heldAt: sql`now()` } });
    }
    return out;
  });
}

/** The request's single answer, for the one-worker paths. */
export async function admitOne(db: Db, request: AdmissionRequest, opts: { hold: false | SeatPath; campaignId?: string }): Promise<Admission> {
  const [a] = await admit(db, [request], opts);
  return a!;
}

/** A selection the workflow refused gives its seat back, unless the cycle holds the post through an earlier
 * selection (its mirror row names the offer): a refused duplicate must not free the first one's seat. */
export async function releaseSeat(db: Db | Tx, cycleId: string): Promise<void> {
  await db.delete(offerSeats).where(and(eq(offerSeats.cycleId, cycleId), sql`not exists (select 1 from ${workerCycles} w where w.id = ${cycleId} and w.offer_id is not null)`));
}

/** Seats of an offer held by workers still in the running (what a selection session counts its posts left from). */
export async function seatsHeld(db: Db | Tx, offerId: string): Promise<number> {
  return (await heldSeats(db as Tx, [offerId], [''])).get(offerId) ?? 0;
}

/** Seats held per offer by workers still in the running, the requesting cycles' own seats excluded. */
async function heldSeats(tx: Tx, offerIds: string[], exceptCycles: string[]): Promise<Map<string, number>> {
  if (offerIds.length === 0) return new Map();
  const rows = await tx
    .select({ offerId: offerSeats.offerId, n: sql<number>`count(*)::int` })
    .from(offerSeats)
    .innerJoin(workerCycles, eq(workerCycles.id, offerSeats.cycleId))
    .where(
      and(
        inArray(offerSeats.offerId, offerIds),
        notInArray(offerSeats.cycleId, exceptCycles),
        or(isNull(workerCycles.outcome), notInArray(workerCycles.outcome, [...SEAT_FREED_BY])),
      ),
    )
    .groupBy(offerSeats.offerId);
  return new Map(rows.map((r) => [r.offerId, r.n]));
}

async function loadPersons(tx: Tx, candidateIds: number[], requestingCycles: string[], withLastSeason: boolean): Promise<Map<number, PersonFacts>> {
  const db = tx;
  const out = new Map<number, PersonFacts>();
  for (let i = 0; i < candidateIds.length; i += 1000) {
    const ids = candidateIds.slice(i, i + 1000);
    const people = await db.select({ id: candidates.id, blockedUntil: candidates.blockedUntil, blockedReason: candidates.blockedReason, passportExpiry: candidates.passportExpiry }).from(candidates).where(inArray(candidates.id, ids));
    for (const p of people) out.set(p.id, { blockedUntil: p.blockedUntil, blockedReason: p.blockedReason, passportExpiry: p.passportExpiry, otherContracts: [] });
    // Contracts the 9-in-12 rule counts: worked (embarked) or still bound (open cycle).
    const contracts = await db
      .select({ id: workerCycles.id, candidateId: workerCycles.candidateId, start: workerCycles.contractStart, end: workerCycles.contractEnd })
      .from(workerCycles)
      .where(and(inArray(workerCycles.candidateId, ids), isNotNull(workerCycles.contractStart), or(isNotNull(workerCycles.embarkedAt), isNull(workerCycles.outcome))));
    for (const c of contracts) out.get(c.candidateId)?.otherContracts.push({ start: c.start!, end: c.end!, label: c.id });
    const auths = await db.select().from(workAuthorisations).where(inArray(workAuthorisations.candidateId, ids)).orderBy(desc(workAuthorisations.createdAt));
    for (const a of auths) {
      const p = out.get(a.candidateId);
      if (p && p.authorisation === undefined) p.authorisation = { number: a.number, startsOn: a.startsOn, endsOn: a.endsOn, status: a.status, sector: a.sector };
    }
    if (withLastSeason) {
      const seasons = await db
        .selectDistinctOn([workerCycles.candidateId], { candidateId: workerCycles.candidateId, cycleId: workerCycles.id, stage: workerCycles.stage, outcome: workerCycles.outcome, nextSeasonEligible: workerCycles.nextSeasonEligible })
        .from(workerCycles)
        .innerJoin(campaigns, eq(campaigns.id, workerCycles.campaignId))
        .where(and(inArray(workerCycles.candidateId, ids), requestingCycles.length ? notInArray(workerCycles.id, requestingCycles) : undefined))
        .orderBy(workerCycles.candidateId, desc(campaigns.season), desc(workerCycles.startedAt));
      for (const s of seasons) {
        const p = out.get(s.candidateId);
        if (p) p.lastSeason = { cycleId: s.cycleId, stage: s.stage, outcome: s.outcome, nextSeasonEligible: s.nextSeasonEligible };
      }
    }
  }
  return out;
}
