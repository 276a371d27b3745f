// What a worker's history answers (zod: serialisation and the OpenAPI document).
import { documentRef, documentUrl } from '../public-ids';
import { z } from 'zod';
import type { CandidateRow, History } from '../queries/workers';

const DAY = 86_400_000;

export const historyView = z.object({
  candidate: z.object({ id: z.number(), nationalId: z.string(), firstName: z.string(), lastName: z.string(), sex: z.string(), province: z.string(), commune: z.string(), blockedUntil: z.string().nullable(), blockedReason: z.string().nullable() }),
  authorisations: z.array(z.object({ number: z.string(), sector: z.string(), startsOn: z.string(), endsOn: z.string(), status: z.string(), statusReason: z.string().nullable() })),
  seasons: z.array(
    z.object({
      cycleId: z.string(),
      campaignId: z.string(),
      season: z.number(),
      rehire: z.boolean(),
      stage: z.string(),
      outcome: z.string().nullable(),
      employer: z.object({ id: z.string(), name: z.string() }).nullable(),
      offerId: z.string().nullable(),
      contractStart: z.string().nullable(),
      contractEnd: z.string().nullable(),
      embarkedAt: z.string().nullable(),
      returnedOn: z.string().nullable(),
      returnProof: z.string().nullable(),
      nextSeasonEligible: z.boolean().nullable(),
      documents: z.array(z.object({ id: z.string(), kind: z.string(), url: z.string() })),
    }),
  ),
  monthsWorked: z.number().describe('months of contract actually served (embarked seasons)'),
  reintegration: z.array(z.object({ programme: z.string(), status: z.string(), outcome: z.string().nullable(), businessName: z.string().nullable(), steps: z.array(z.object({ step: z.string(), completedOn: z.string() })) })),
});

/** The history view; months worked count the contracts of embarked seasons. */
export function toHistory(person: CandidateRow, { auths, cycles, docs, enrolments, steps }: History): z.infer<typeof historyView> {
  const monthsWorked = cycles
    .filter((c) => c.cycle.embarkedAt && c.cycle.contractStart && c.cycle.contractEnd)
    .reduce((m, c) => m + (Date.parse(c.cycle.contractEnd!) - Date.parse(c.cycle.contractStart!) + DAY) / DAY / 30.4375, 0);
  return {
    candidate: person,
    authorisations: auths,
    seasons: cycles.map(({ cycle: c, season, employerName }) => ({
      cycleId: c.id,
      campaignId: c.campaignId,
      season,
      rehire: c.rehire,
      stage: c.stage,
      outcome: c.outcome,
      employer: c.employerId ? { id: c.employerId, name: employerName ?? '' } : null,
      offerId: c.offerId,
      contractStart: c.contractStart,
      contractEnd: c.contractEnd,
      embarkedAt: c.embarkedAt?.toISOString() ?? null,
      returnedOn: c.returnedOn,
      returnProof: c.returnProof,
      nextSeasonEligible: c.nextSeasonEligible,
      documents: docs.filter((d) => d.cycleId === c.id).map((d) => ({ id: documentRef(d.id), kind: d.kind, url: documentUrl(d.id) })),
    })),
    monthsWorked: Math.round(monthsWorked * 10) / 10,
    reintegration: enrolments.map((e) => ({
      programme: e.programme,
      status: e.status,
      outcome: e.outcome,
      businessName: e.businessName,
      steps: steps.filter((s) => s.enrolmentId === e.id).map((s) => ({ step: s.step, completedOn: s.completedOn })),
    })),
  };
}
