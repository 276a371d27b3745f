// A season's report as the API answers it (GET /reports/seasons/:season) and as its chart and PDF show it.
import { z } from 'zod';
import type { Db } from '../../db/client';
import { seasonReport } from '../queries/workers';

export const seasonReportView = z.object({
  season: z.number(),
  rows: z.array(z.object({
    province: z.string(), sex: z.string(), placed: z.number(), returned: z.number(), returnedLate: z.number(), nonReturn: z.number(),
    stableHire: z.number().describe('legally hired in Spain on a stable contract: neither a return nor a non-return'),
    earlyReturn: z.number().describe('came back before the contract end, with the proof'),
    rehired: z.number(),
    returnRate: z.number().nullable().describe('(returned + returned late + early returns) / (the same + non-returns); stable hires are left out'),
  })),
  earlyReturnReasons: z.record(z.string(), z.number()).describe('early returns of the season by reason (sickness, family, trial_ended, employer_ended, other)'),
  blockedWorkers: z.number().describe('workers currently blocked after a non-return'),
});
export type SeasonReport = z.infer<typeof seasonReportView>;

export async function loadSeasonReport(db: Db, season: number): Promise<SeasonReport> {
  const { rows, blocked, earlyReturnReasons } = await seasonReport(db, season);
  return {
    season,
    rows: rows.map((r) => {
      const back = r.returned + r.returned_late + r.early_return;
      return {
        province: r.province, sex: r.sex, placed: r.placed, returned: r.returned, returnedLate: r.returned_late, nonReturn: r.non_return,
        stableHire: r.stable_hire, earlyReturn: r.early_return, rehired: r.rehired,
        returnRate: back + r.non_return ? Math.round((back / (back + r.non_return)) * 1000) / 1000 : null,
      };
    }),
    earlyReturnReasons,
    blockedWorkers: blocked,
  };
}

export const seasonParams = z.object({ season: z.coerce.number().int().min(2000).max(2100) });
