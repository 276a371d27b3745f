// The selection's plan, shared by the selection file and a selection session's results: rejections go straight to the
// cycles; selections pass the eligibility gate together (db/queries/contracting.ts, the rules of
// workflows/contracts/eligibility.ts), in line order, each holding its offer's seat, and become the rows of one bulk
// operation of kind 'selection'. There is no other way to record a selection from a list.
import type { Tx } from '../../db/client';
import { admit, type AdmissionRequest } from '../../db/queries/contracting';
import type { BulkItemPayload } from '../../activities/coordination';
import type { RowError } from '../files';

/** The selection file's rows: rejections go straight to the cycles; selections pass the eligibility gate together,
 * in line order, each holding its offer's seat (the first rows of a file get the last posts). */
export async function planSelection(
  tx: Tx,
  campaignId: string,
  rows: { line: number; cycleId: string; row: Record<string, unknown> }[],
  errors: RowError[],
  decidedBy: string,
): Promise<{ line: number; cycleId: string; payload: BulkItemPayload }[]> {
  const out: { line: number; cycleId: string; payload: BulkItemPayload }[] = [];
  const requests: (AdmissionRequest & { line: number })[] = [];
  for (const { line, cycleId, row } of rows) {
    if (row.decision === 'rejected') out.push({ line, cycleId, payload: { args: { decision: 'rejected', reason: row.reason, decidedBy } } });
    else if (!row.offerId) errors.push({ line, field: 'offerId', reason: 'required when selected' });
    else requests.push({ line, cycleId, offerId: String(row.offerId), candidateId: Number(cycleId.slice(cycleId.lastIndexOf('-') + 1)) });
  }
  const admissions = await admit(tx, requests, { hold: 'selection_file', campaignId });
  admissions.forEach(({ refusals, offer }, i) => {
    const r = requests[i]!;
    if (refusals.length) for (const x of refusals) errors.push({ line: r.line, field: x.field, reason: x.reason });
    else out.push({ line: r.line, cycleId: r.cycleId, payload: { args: { decision: 'selected', employerId: offer!.employerId, offerId: offer!.id, contractStart: offer!.contractStart, contractEnd: offer!.contractEnd, decidedBy } } });
  });
  return out.sort((a, b) => a.line - b.line);
}
