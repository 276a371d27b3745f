// Rules of the multi-year circular framework (RD 629/2022). Pure functions: used by the API and activities.

/** At most 9 months of work in any 12-month window. */
export const MAX_WORK_MONTHS_IN_12 = 9;
export const AUTHORISATION_YEARS = 4;

export interface ContractPeriod {
  start: string; // yyyy-mm-dd, inclusive
  end: string; // yyyy-mm-dd, inclusive
  label?: string;
}

const DAY = 86_400_000;
const toDay = (iso: string) => Math.floor(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / DAY);
const fromDay = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);

/** The same day of the month `months` later, clamped to the month's end (31 Jan + 1 -> 28/29 Feb). */
export function addMonths(iso: string, months: number): string {
  const [y, m, day] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total % 12;
  const last = new Date(Date.UTC(ny, nm + 1, 0)).getUTCDate();
  return new Date(Date.UTC(ny, nm, Math.min(day, last))).toISOString().slice(0, 10);
}

/** The same calendar date `years` later (29 Feb -> 28 Feb). */
export function addYears(iso: string, years: number): string {
  return addMonths(iso, years * 12);
}

/** Length of a contract in months, each day counting 1/(days in its month): 1 Mar - 30 Nov is exactly 9. */
export function contractMonths(p: ContractPeriod): number {
  return Math.round(monthsWorked(p, toDay(p.start), toDay(p.end)) * 100) / 100;
}

export const MIN_CONTRACT_MONTHS = 3;

/** Why the contract's length is outside 3 to 9 months, or undefined. No tolerance: 2.9 months is refused. */
export function contractLengthViolation(p: ContractPeriod): string | undefined {
  if (p.end <= p.start) return `the contract must end after it starts (${p.start}–${p.end})`;
  const months = contractMonths(p);
  if (months < MIN_CONTRACT_MONTHS - 1e-9) return `the contract ${p.start}–${p.end} lasts ${months} months: a seasonal contract lasts at least ${MIN_CONTRACT_MONTHS} months`;
  if (months > MAX_WORK_MONTHS_IN_12 + 1e-9) return `the contract ${p.start}–${p.end} lasts ${months} months: at most ${MAX_WORK_MONTHS_IN_12} months of work`;
  return undefined;
}

/** Months of work in [from, to]: each day counts 1/(days in its month), so Mar 1 - Nov 30 is exactly 9. */
// A month at a time, not a day at a time: the gate runs for every row of a 5,000-row selection file.
function monthsWorked(p: ContractPeriod, from: number, to: number): number {
  const a = Math.max(toDay(p.start), from);
  const b = Math.min(toDay(p.end), to);
  let months = 0;
  for (let d = a; d <= b; ) {
    const date = new Date(d * DAY);
    const nextMonth = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / DAY;
    const daysInMonth = new Date((nextMonth - 1) * DAY).getUTCDate();
    const last = Math.min(b, nextMonth - 1);
    months += (last - d + 1) / daysInMonth;
    d = last + 1;
  }
  return months;
}

/** The busiest 12-month window over these contracts and the months of work in it. */
export function busiestTwelveMonths(periods: ContractPeriod[]): { from: string; to: string; months: number } {
  let best = { from: '', to: '', months: 0 };
  // The maximum is reached by a window that starts on a contract start or ends on a contract end.
  const windows: [number, number][] = [];
  for (const p of periods) {
    windows.push([toDay(p.start), toDay(addYears(p.start, 1)) - 1]);
    const e = toDay(p.end);
    windows.push([toDay(addYears(fromDay(e + 1), -1)), e]);
  }
  for (const [from, to] of windows) {
    const months = periods.reduce((n, p) => n + monthsWorked(p, from, to), 0);
    if (months > best.months) best = { from: fromDay(from), to: fromDay(to), months: Math.round(months * 100) / 100 };
  }
  return best;
}

/** Why the proposed contract breaks the 9-in-12 rule given the worker's other contracts, or undefined. */
export function nineInTwelveViolation(existing: ContractPeriod[], proposed: ContractPeriod): string | undefined {
  const w = busiestTwelveMonths([...existing, proposed]);
  if (w.months <= MAX_WORK_MONTHS_IN_12 + 1e-9) return undefined;
  return `the contract ${proposed.start}–${proposed.end} would make ${w.months} months of work between ${w.from} and ${w.to}: at most 9 months of work in any 12-month period`;
}

export interface AuthorisationPeriod {
  number: string;
  startsOn: string;
  endsOn: string;
  status: 'active' | 'revoked' | 'expired';
}

/** Why the authorisation does not cover the contract, or undefined. */
export function authorisationViolation(a: AuthorisationPeriod, proposed: ContractPeriod): string | undefined {
  if (a.status !== 'active') return `the multi-year authorisation ${a.number} is ${a.status}`;
  if (proposed.end > a.endsOn) return `the contract ends ${proposed.end}, after the authorisation ${a.number} expires (${a.endsOn})`;
  if (proposed.start < a.startsOn) return `the contract starts before the authorisation ${a.number} (${a.startsOn})`;
  return undefined;
}
