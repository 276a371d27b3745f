// The one decision "may this person be contracted on this offer for these dates?" (pure: the facts are
// loaded in one place, db/queries/contracting.ts). Every path into a contract asks it: single selection,
// selection file, re-hire by name, reserve call, and candidate intake (person rules only, no offer yet).
import {
  authorisationViolation,
  contractLengthViolation,
  nineInTwelveViolation,
  type AuthorisationPeriod,
  type ContractPeriod,
} from './circular';

export type EligibilityRule = 'offer' | 'blocked' | 'rehire' | 'nine_in_twelve' | 'authorisation' | 'contract_length' | 'passport' | 'quota';

export interface Refusal {
  rule: EligibilityRule;
  /** the field the refusal is about, as the caller names it (nationalId, offerId, passportExpiry…) */
  field: string;
  reason: string;
}

export interface PersonFacts {
  blockedUntil?: string | null;
  blockedReason?: string | null;
  passportExpiry?: string | null;
  /** contracts of the person's other cycles that count for the 9-in-12 rule */
  otherContracts: ContractPeriod[];
  /** the person's latest multi-year authorisation, whatever its status */
  authorisation?: (AuthorisationPeriod & { sector: string }) | null;
  /** the person's latest earlier cycle (another campaign): a re-hire by name follows a verified return */
  lastSeason?: { cycleId: string; stage: string; outcome: string | null; nextSeasonEligible: boolean | null } | null;
}

export interface OfferFacts {
  id: string;
  sector: string;
  posts: number;
  /** posts held by workers still in the running (this cycle's own seat not included) */
  filled: number;
  contractStart: string;
  contractEnd: string;
}

export interface EligibilityQuestion {
  /** yyyy-mm-dd */
  today: string;
  person: PersonFacts;
  offer?: OfferFacts;
  /** A re-hire by name: the last season closed with a verified return, and the authorisation is reused (it
   * must exist, be active, of the offer's sector, and cover the contract). */
  rehire?: boolean;
}

/** Every reason that applies, empty when the person may be contracted. */
export function eligibilityRefusals(q: EligibilityQuestion): Refusal[] {
  const out: Refusal[] = [];
  const { person, offer } = q;
  if (person.blockedUntil && person.blockedUntil >= q.today) {
    out.push({ rule: 'blocked', field: 'nationalId', reason: `blocked until ${person.blockedUntil}: ${person.blockedReason ?? 'non-return'}` });
  }
  if (q.rehire) {
    const last = person.lastSeason;
    if (!last) out.push({ rule: 'rehire', field: 'nationalId', reason: 'no previous season: a first season needs a selection' });
    else if (last.stage !== 'closed') out.push({ rule: 'rehire', field: 'nationalId', reason: `the previous season (${last.cycleId}) is still open at ${last.stage}` });
    else if (!last.nextSeasonEligible) out.push({ rule: 'rehire', field: 'nationalId', reason: `the previous season (${last.cycleId}) closed as ${last.outcome}: not eligible for re-hire by name` });
  }
  if (!offer) return out;
  const proposed: ContractPeriod = { start: offer.contractStart, end: offer.contractEnd };
  const length = contractLengthViolation(proposed);
  if (length) out.push({ rule: 'contract_length', field: 'offerId', reason: length });
  const nine = nineInTwelveViolation(person.otherContracts, proposed);
  if (nine) out.push({ rule: 'nine_in_twelve', field: 'offerId', reason: nine });
  const auth = person.authorisation;
  if (auth && auth.status === 'active' && auth.sector === offer.sector) {
    const v = authorisationViolation(auth, proposed);
    if (v) out.push({ rule: 'authorisation', field: 'offerId', reason: v });
  } else if (q.rehire) {
    const why = !auth
      ? 'no multi-year authorisation'
      : auth.sector !== offer.sector
        ? `the multi-year authorisation ${auth.number} is for ${auth.sector}, not ${offer.sector}`
        : `the multi-year authorisation ${auth.number} is ${auth.status}`;
    out.push({ rule: 'authorisation', field: 'nationalId', reason: `${why}: a re-hire by name needs an active authorisation covering the contract` });
  }
  const passport = passportRefusal(person.passportExpiry, offer.contractEnd);
  if (passport) out.push(passport);
  if (offer.filled >= offer.posts) {
    out.push({ rule: 'quota', field: 'offerId', reason: `offer ${offer.id} is full: ${offer.filled} of ${offer.posts} posts filled` });
  }
  return out;
}

/** A refusal for a full offer answers 409 (the state of the offer); the others 422 (the person and the contract). */
export const isQuotaOnly = (refusals: Refusal[]): boolean => refusals.length > 0 && refusals.every((r) => r.rule === 'quota');

/** The passport rule alone: checked again when a visa file goes into a batch (a passport may have been corrected). */
export function passportRefusal(passportExpiry: string | null | undefined, contractEnd: string | null | undefined): Refusal | undefined {
  if (!passportExpiry || !contractEnd || passportExpiry >= contractEnd) return undefined;
  return { rule: 'passport', field: 'passportExpiry', reason: `the passport expires ${passportExpiry}, before the contract ends (${contractEnd})` };
}
