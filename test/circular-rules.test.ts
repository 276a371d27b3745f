// Unit tests of the framework's pure rules (no servers).
import { describe, expect, it } from 'vitest';
import { addMonths, addYears, authorisationViolation, busiestTwelveMonths, nineInTwelveViolation } from '../workflows/contracts/circular';

describe('9 months in any 12-month window', () => {
  it('accepts one 6-month season a year for four years', () => {
    const seasons = [2027, 2028, 2029, 2030].map((y) => ({ start: `${y}-02-01`, end: `${y}-07-31` }));
    expect(nineInTwelveViolation(seasons.slice(0, 3), seasons[3]!)).toBeUndefined();
    expect(busiestTwelveMonths(seasons).months).toBe(6);
  });
  it('accepts exactly 9 calendar months, whatever their length in days', () => {
    expect(nineInTwelveViolation([], { start: '2027-03-01', end: '2027-11-30' })).toBeUndefined(); // 275 days
    expect(nineInTwelveViolation([], { start: '2027-05-01', end: '2028-01-31' })).toBeUndefined(); // 276 days
    expect(nineInTwelveViolation([], { start: '2027-03-01', end: '2027-12-01' })).toMatch(/at most 9 months of work in any 12-month period/);
  });
  it('refuses a second contract that brings a window over 9 months', () => {
    const msg = nineInTwelveViolation([{ start: '2027-03-01', end: '2027-11-30' }], { start: '2028-01-01', end: '2028-06-30' });
    expect(msg).toMatch(/at most 9 months of work in any 12-month period/);
  });
});

describe('dates and the authorisation', () => {
  it('adds months and years with month-end clamping', () => {
    expect(addMonths('2027-01-31', 1)).toBe('2027-02-28');
    expect(addYears('2028-02-29', 1)).toBe('2029-02-28');
    expect(addYears('2026-12-01', 4)).toBe('2030-12-01');
  });
  it('requires the contract to lie within an active authorisation', () => {
    const a = { number: 'A-1', startsOn: '2026-12-01', endsOn: '2030-12-01', status: 'active' as const };
    expect(authorisationViolation(a, { start: '2030-02-01', end: '2030-07-31' })).toBeUndefined();
    expect(authorisationViolation(a, { start: '2031-02-01', end: '2031-07-31' })).toMatch(/expires \(2030-12-01\)/);
    expect(authorisationViolation({ ...a, status: 'revoked' }, { start: '2028-02-01', end: '2028-07-31' })).toMatch(/revoked/);
  });
});
