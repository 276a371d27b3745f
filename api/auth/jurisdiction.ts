// Which records a caller's role reaches: national roles every one; an agency officer the candidates and workers of
// the province of origin; an employer its own offers and the workers it selected. Query modules apply the filter in
// SQL (lists never fetch what they would have to drop); a single record outside it answers 404, as if absent.
import { notFound } from '../errors';
import type { Actor } from './roles';

/** The filter a query applies: at most one of province and employer. */
export interface Reach {
  province?: string;
  employerId?: string;
}

export function reachOf(actor: Actor): Reach {
  const j = actor.jurisdiction;
  if (j.kind === 'province') return { province: j.province };
  if (j.kind === 'employer') return { employerId: j.employerId };
  return {};
}

/** Whether a record with this province of origin and employer is within the caller's reach. */
export function reaches(actor: Actor, record: { province?: string | null; employerId?: string | null }): boolean {
  const r = reachOf(actor);
  if (r.province !== undefined && record.province !== r.province) return false;
  if (r.employerId !== undefined && record.employerId !== r.employerId) return false;
  return true;
}

/** The record, or 404 when it is outside the caller's reach (the same answer as an unknown id). */
export function withinReach<T extends { province?: string | null; employerId?: string | null }>(actor: Actor, record: T, what: string): T {
  if (!reaches(actor, record)) throw notFound(what);
  return record;
}

export const isNational = (actor: Actor) => actor.jurisdiction.kind === 'national';
