// In-season cases as the API answers them: one case, the report body, and the season's report by employer (cases by
// kind, complaints per 100 workers beside the sources' figures).
import { z } from 'zod';
import { COMPLAINT_KINDS, type InSeasonCaseKind } from '../../workflows/contracts/in-season-case';
import type { CaseRow, seasonCasesByEmployer } from '../queries/in-season-cases';
import { caseKind, caseView, duration } from '../schemas';

export { caseView };


export const reportCaseBody = z.object({
  kind: caseKind,
  details: z.string().trim().min(1).max(4000).describe('what happened, in the reporter\'s words (kept in PostgreSQL, never logged)'),
  newOfferId: z.string().min(1).max(200).optional().describe("employer_change only: the new employer's offer in the same campaign (the eligibility gate decides)"),
  timings: z.object({ responseDeadline: duration, escalationGrace: duration }).partial().strict().optional().describe('overrides of the default deadlines for this kind (simulations, tests)'),
});

export const resolveCaseBody = z.object({
  resolution: z.string().trim().min(1).max(4000).describe('what was done'),
});


export function toCaseView(c: CaseRow): z.infer<typeof caseView> {
  return {
    caseId: c.id,
    cycleId: c.cycleId,
    campaignId: c.campaignId,
    employerId: c.employerId,
    kind: c.kind,
    details: c.details,
    newOfferId: c.newOfferId,
    newEmployerId: c.newEmployerId,
    reportedBy: c.reportedBy,
    reportedAt: c.reportedAt.toISOString(),
    deadline: c.deadline.toISOString(),
    status: c.status,
    escalatedAt: c.escalatedAt?.toISOString() ?? null,
    resolution: c.resolution,
    resolvedBy: c.resolvedBy,
    resolvedAt: c.resolvedAt?.toISOString() ?? null,
  };
}

// --- the season's report by employer ---------------------------------------------------------------------------

/** The sources' figures per 100 workers: 1 worker in 10 changes employer, 16 % have wage-payment problems, 40 % had no weekly rest day. */
export const SOURCE_RATES_PER_100: Partial<Record<InSeasonCaseKind, number>> = { employer_change: 10, wage_complaint: 16, rest_day_complaint: 40 };

const kindCounts = z.partialRecord(caseKind, z.number());
const employerFigures = z.object({
  workers: z.number().describe('cycles of the season that reached the season (embarked) with this employer'),
  cases: z.number(),
  open: z.number(),
  escalated: z.number(),
  resolved: z.number(),
  byKind: kindCounts,
  complaints: z.number().describe('housing, wage and rest-day complaints'),
  complaintsPer100: z.number().nullable().describe('complaints per 100 workers (null without workers)'),
  per100: kindCounts.describe('cases of each kind per 100 workers (empty without workers)'),
});
export const caseReportView = z.object({
  season: z.number(),
  employers: z.array(employerFigures.extend({ employerId: z.string(), name: z.string() })),
  total: employerFigures,
  sourcesPer100: kindCounts.describe("the sources' figures per 100 workers, to compare: 10 employer changes, 16 wage-payment problems, 40 without a weekly rest day"),
}).meta({ id: 'InSeasonCaseReport' });

const per100 = (n: number, workers: number) => Math.round((n / workers) * 1000) / 10;

function figures(workers: number, rows: { kind: InSeasonCaseKind; status: 'open' | 'escalated' | 'resolved'; n: number }[]): z.infer<typeof employerFigures> {
  const byKind: Partial<Record<InSeasonCaseKind, number>> = {};
  const status = { open: 0, escalated: 0, resolved: 0 };
  for (const r of rows) {
    byKind[r.kind] = (byKind[r.kind] ?? 0) + r.n;
    status[r.status] += r.n;
  }
  const cases = rows.reduce((a, r) => a + r.n, 0);
  const complaints = COMPLAINT_KINDS.reduce((a, k) => a + (byKind[k] ?? 0), 0);
  return {
    workers,
    cases,
    ...status,
    byKind,
    complaints,
    complaintsPer100: workers ? per100(complaints, workers) : null,
    per100: workers ? Object.fromEntries(Object.entries(byKind).map(([k, n]) => [k, per100(n, workers)])) : {},
  };
}

export function toCaseReport(season: number, q: Awaited<ReturnType<typeof seasonCasesByEmployer>>): z.infer<typeof caseReportView> {
  const workersOf = new Map(q.workers.map((w) => [w.employerId!, w.n]));
  const employers = q.names.map((e) => ({ employerId: e.id, name: e.name, ...figures(workersOf.get(e.id) ?? 0, q.cases.filter((c) => c.employerId === e.id)) }));
  return { season, employers, total: figures(q.workers.reduce((a, w) => a + w.n, 0), q.cases), sourcesPer100: SOURCE_RATES_PER_100 };
}
