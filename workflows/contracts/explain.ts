// What a workflow says about itself in the Temporal Web UI and CLI: the static summary and details given at its start
// (shown in the workflow list and at the top of its page) and the wording of its current details (what it waits
// for, until when, and what happens then). Pure functions: imported by the start helpers and by workflow code.
// Never personal data here (no names, national IDs, passports, phones): campaign, season, province, employer (CIF),
// offer, sailing, batch and the candidate's row id only. The texts are Temporal markdown.
import type { Duration } from '@temporalio/common';
import type { BulkKind } from './bulk';
import type { CycleTimings, RehireTerms } from './worker-cycle';

/** `2026-12-22 10:00 UTC`: a deadline as an operator reads it. */
export function whenText(at: number | string): string {
  const d = new Date(typeof at === 'number' ? at : Date.parse(at));
  return Number.isNaN(d.getTime()) ? String(at) : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const durationText = (d: Duration | undefined): string => (d === undefined ? 'the contract dates' : typeof d === 'number' ? `${d} ms` : d);

// --- worker cycle ---------------------------------------------------------------------------------------------

export interface CycleStartFacts {
  campaignId: string;
  season: number;
  candidateId: number;
  province: string;
  timings: CycleTimings;
  rehire?: Pick<RehireTerms, 'employerId' | 'offerId' | 'contractStart' | 'contractEnd'>;
}

export function cycleSummary(c: CycleStartFacts): string {
  const how = c.rehire ? `re-hire by employer ${c.rehire.employerId}` : 'preselected';
  return `Worker cycle · campaign ${c.campaignId} (season ${c.season}) · candidate #${c.candidateId}, ${c.province} · ${how}`;
}

export function cycleDetails(c: CycleStartFacts): string {
  const t = c.timings;
  return [
    `**Campaign** ${c.campaignId}, season ${c.season} · **province of origin** ${c.province} · **candidate** #${c.candidateId} (row id; personal data stays in the API)`,
    c.rehire
      ? `**Re-hire by name**: employer ${c.rehire.employerId}, offer ${c.rehire.offerId}, contract ${c.rehire.contractStart} to ${c.rehire.contractEnd}; the multi-year authorisation is reused.`
      : 'Path: employer selection → work authorisation → visa file → consular decision → pre-departure session → convocation → embarkation → season → return.',
    `**Deadlines**: selection ${durationText(t.selectionDeadline)}, authorisation ${durationText(t.authorisationDeadline)}, visa file ${durationText(t.visaFileDeadline)}, ` +
      `consular decision ${durationText(t.consularDecisionDeadline)} (+ ${durationText(t.consularEscalationGrace)} after escalation to the liaison team), ` +
      `pre-departure ${durationText(t.predepartureDeadline)}, convocation ${durationText(t.convocationDeadline)}, embarkation departure + ${durationText(t.embarkationGrace)}, ` +
      `season ${durationText(t.seasonLength)}, proof of return ${durationText(t.returnGrace)} (late proof within ${durationText(t.lateReturnWindow)}).`,
    'Current wait: see *Current details*; every stage move is in the audit trail (GET /cycles/{cycleId}).',
  ].join('\n\n');
}

// --- campaign -------------------------------------------------------------------------------------------------

export function campaignSummary(c: { campaignId: string; season: number }): string {
  return `Campaign ${c.campaignId} · season ${c.season} · stage moves and reserve-list refills`;
}

export function campaignDetails(c: { campaignId: string; season: number; reserveCheckInterval: string }): string {
  return [
    `**Campaign** ${c.campaignId}, season ${c.season}.`,
    'Moved stage by stage by the coordinators (draft → registration → preselection → selection → authorisation → visa processing → departures → in season → returns → closed); a move is refused while its preconditions fail.',
    `From selection to in season the reserve list is checked every ${c.reserveCheckInterval}: each post left by a drop-out is offered to the next reserve candidate.`,
  ].join('\n\n');
}

// --- visa batch -----------------------------------------------------------------------------------------------

export function visaBatchSummary(b: { batchId: string; campaignId: string; season?: number }): string {
  return `Visa batch ${b.batchId} · campaign ${b.campaignId}${b.season ? ` (season ${b.season})` : ''} · lodgement and consular decisions`;
}

export function visaBatchDetails(b: { batchId: string; campaignId: string; lodgeDeadline: Duration; decisionDeadline: Duration; escalationGrace: Duration }): string {
  return [
    `**Visa batch** ${b.batchId} of campaign ${b.campaignId}: the visa files lodged together with the consulate.`,
    `Lodgement within ${durationText(b.lodgeDeadline)}, decisions within ${durationText(b.decisionDeadline)} of the lodgement; a late step is escalated to the consular liaison team once, then ${durationText(b.escalationGrace)} of grace.`,
    "Members' own steps are bulk operations on their worker cycles; this workflow counts the decisions.",
  ].join('\n\n');
}

// --- sailing --------------------------------------------------------------------------------------------------

export function departureSummary(d: { departureId: string; campaignId: string; port: string; destination: string; departureAt: string }): string {
  return `Sailing ${d.port} → ${d.destination}, ${whenText(d.departureAt)} · ${d.departureId} · campaign ${d.campaignId}`;
}

export function departureDetails(d: { departureId: string; campaignId: string; port: string; destination: string; departureAt: string; embarkationGrace: Duration }): string {
  return [
    `**Sailing** ${d.departureId} (campaign ${d.campaignId}): ${d.port} → ${d.destination}, departure ${whenText(d.departureAt)}.`,
    `Convokes its passengers (one bulk operation), follows the embarkation files; when the port closes boarding, or at the latest at departure + ${durationText(d.embarkationGrace)}, whoever is not aboard is a no-show and the post is refilled.`,
  ].join('\n\n');
}

// --- bulk operation -------------------------------------------------------------------------------------------

const BULK_KIND_WORDS: Record<BulkKind, string> = {
  start_cycles: 'start worker cycles',
  selection: 'employer selections',
  authorisation: 'work authorisations',
  visa_lodge: 'visa files lodged',
  visa_decision: 'consular decisions',
  predeparture: 'pre-departure sessions',
  convocation: 'convocations',
  embarkation: 'embarkations',
  season_outcome: 'stable hires and early returns',
  trial_period: 'trial period outcomes',
  no_show: 'no-shows',
  return: 'returns',
};

/** What a bulk operation's ID says (bulkOperationId: campaign, kind, the source's own key). */
export function bulkOperationParts(operationId: string): { campaignId: string; kind: BulkKind; sourceKey: string } | undefined {
  for (const kind of Object.keys(BULK_KIND_WORDS) as BulkKind[]) {
    const at = operationId.lastIndexOf(`-${kind}-`);
    if (operationId.startsWith('bulk-') && at > 5) return { campaignId: operationId.slice(5, at), kind, sourceKey: operationId.slice(at + kind.length + 2) };
  }
  return undefined;
}

export function bulkSummary(operationId: string, notify?: string): string {
  const p = bulkOperationParts(operationId);
  const what = p ? `${BULK_KIND_WORDS[p.kind]} · campaign ${p.campaignId} · source ${p.sourceKey}` : operationId;
  return `Bulk operation: ${what}${notify ? ` · then tells ${notify}` : ''}`;
}

export function bulkDetails(operationId: string, pageSize: number, notify?: string): string {
  return [
    `**Bulk operation** ${operationId}: its rows (in PostgreSQL) are applied ${pageSize} a page, each row one step on one worker cycle; refused rows are kept with their reason (GET /bulk-operations/${operationId}).`,
    notify ? `When every row is applied, ${notify} is told (signal bulkOperationDone).` : '',
  ].filter(Boolean).join('\n\n');
}

// --- retention ------------------------------------------------------------------------------------------------

export const RETENTION_SUMMARY = 'Retention rule: anonymise the candidates never selected, 500 a batch';

// --- in-season cases ------------------------------------------------------------------------------------------

export function inSeasonCaseSummary(c: { caseId: number; kind: string; cycleId: string; campaignId: string }): string {
  return `In-season case ${c.caseId} · ${c.kind.replace(/_/g, ' ')} · ${c.cycleId} · campaign ${c.campaignId}`;
}

export function inSeasonCaseDetails(c: { caseId: number; deadlineAt: string; escalationGrace: Duration }): string {
  return `**In-season case** ${c.caseId}: resolved by ${whenText(c.deadlineAt)}, else escalated to the worker's agency and the consulate's labour office, who then have ${durationText(c.escalationGrace)} (POST /cases/${c.caseId}/resolution). The report's text stays in PostgreSQL.`;
}
