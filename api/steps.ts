// The table of worker steps, API half (the workflow half is workflows/contracts/steps.ts, keyed by the same
// steps): the body a route takes, its path and summary, and for the steps coordinators load as files, the row a
// file carries. Routes (api/routes/cycles.ts) and step files (api/routes/intake.ts) are generated from it.
import { z } from 'zod';
import type { Scope } from './auth/roles';
import type { CycleStep, StepPayloads } from '../workflows/contracts/worker-cycle';
import {
  authorisationBody,
  consularDecisionBody,
  convocationBody,
  embarkationBody,
  predepartureBody,
  returnBody,
  seasonOutcomeBody,
  selectionBody,
  trialPeriodBody,
  visaFileBody,
} from './schemas';
import { csvBoolean, fileDate, nationalIdCell } from './files';

export interface StepFile<S extends CycleStep> {
  /** POST /campaigns/:campaignId/intake/<path>; the register and the bulk operation use the step's bulk kind */
  path: string;
  summary: string;
  /** each row names a worker by national ID */
  row: z.ZodObject<{ nationalId: typeof nationalIdCell } & z.ZodRawShape>;
  /** the Update's payload for a row (the selection goes through the eligibility gate instead) */
  toPayload?: (row: Record<string, unknown>, loadedBy: string) => StepPayloads[S];
}

export interface StepRoute<S extends CycleStep> {
  /** POST /cycles/:cycleId/<path>; null for a step only another workflow sends */
  path: string | null;
  summary: string;
  /** who may take the step, on a cycle within their reach (api/auth/roles.ts); the step's file needs the same */
  scope: Scope;
  /** the payload field the authenticated caller is written to (never taken from the body) */
  actorField: ActorField<S> | null;
  body: z.ZodType;
  file?: StepFile<S>;
}

/** The string fields of a step's payload that name who took it. */
type ActorField<S extends CycleStep> = { [K in keyof StepPayloads[S]]: K extends `${string}By` ? K : never }[keyof StepPayloads[S]];

export const STEP_ROUTES: { [S in CycleStep]: StepRoute<S> } = {
  recordSelection: {
    path: 'selection',
    scope: 'step:selection',
    actorField: 'decidedBy',
    summary: "Record the employer's selection decision (the eligibility gate and the offer's posts are checked)",
    body: selectionBody,
    file: {
      path: 'selection',
      summary: "Load employers' selection results. Columns: nationalId, decision (selected|rejected), offerId (when selected), reason. The loader is recorded as the decision's actor.",
      row: z.object({
        nationalId: nationalIdCell,
        decision: z.enum(['selected', 'rejected']),
        offerId: z.string().min(1).optional(),
        reason: z.string().max(500).optional(),
      }),
    },
  },
  recordAuthorisation: {
    path: 'authorisation',
    scope: 'step:authorisation',
    actorField: 'recordedBy',
    summary: 'Record the work authorisation',
    body: authorisationBody,
    file: {
      path: 'authorisations',
      summary: 'Load work authorisations entered in SI GECCO. Columns: nationalId, authorisationNumber, issuedOn.',
      row: z.object({ nationalId: nationalIdCell, authorisationNumber: z.string().min(3).max(40), issuedOn: fileDate }),
      toPayload: (row, loadedBy) => ({ authorisationNumber: String(row.authorisationNumber), issuedOn: String(row.issuedOn), recordedBy: loadedBy }),
    },
  },
  submitVisaFile: { path: 'visa-file', scope: 'step:visa_file', actorField: 'submittedBy', summary: 'Record that the visa file was lodged with the consulate', body: visaFileBody },
  recordConsularDecision: { path: 'consular-decision', scope: 'step:consular_decision', actorField: 'recordedBy', summary: "Record the consulate's decision (issued, refused, incomplete)", body: consularDecisionBody },
  recordPredeparture: {
    path: 'predeparture',
    scope: 'step:predeparture',
    actorField: 'recordedBy',
    summary: 'Record the pre-departure session and the signed contract and return commitment',
    body: predepartureBody,
    file: {
      path: 'predeparture',
      summary: 'Load pre-departure session attendance and signatures. Columns: nationalId, sessionAttendedOn, contractSigned, returnCommitmentSigned.',
      row: z.object({ nationalId: nationalIdCell, sessionAttendedOn: fileDate, contractSigned: csvBoolean, returnCommitmentSigned: csvBoolean }),
      toPayload: (row, loadedBy) => ({
        sessionAttendedOn: String(row.sessionAttendedOn),
        contractSigned: row.contractSigned === true,
        returnCommitmentSigned: row.returnCommitmentSigned === true,
        recordedBy: loadedBy,
      }),
    },
  },
  convoke: { path: 'convocation', scope: 'step:convocation', actorField: 'recordedBy', summary: 'Convoke the worker to a departure', body: convocationBody },
  recordEmbarkation: { path: 'embarkation', scope: 'step:embarkation', actorField: 'recordedBy', summary: 'Record embarkation at the port', body: embarkationBody },
  recordNoShow: { path: null, scope: 'departure:manage', actorField: null, summary: 'Sent by a departure whose boarding closed, to each passenger not aboard', body: z.object({}) },
  recordReturn: { path: 'return', scope: 'step:return', actorField: 'recordedBy', summary: 'Record the verified return to Morocco', body: returnBody },
  recordSeasonOutcome: {
    path: 'season-outcome',
    scope: 'step:return',
    actorField: 'recordedBy',
    summary: 'Record how the season ended other than by the return at the contract end: a stable hire in Spain (closes without a non-return or a block) or an early return with its reason',
    body: seasonOutcomeBody,
  },
  recordTrialPeriod: {
    path: 'trial-period',
    scope: 'step:trial_period',
    actorField: 'recordedBy',
    summary: "Record the trial period's outcome: passed, or ended by the worker or the employer (the cycle then waits for the proof of her early return)",
    body: trialPeriodBody,
    file: {
      path: 'trial-periods',
      summary: 'Load trial period outcomes. Columns: nationalId, outcome (passed|ended), decidedOn, endedBy (worker|employer, when ended).',
      row: z.object({ nationalId: nationalIdCell, outcome: z.enum(['passed', 'ended']), decidedOn: fileDate, endedBy: z.enum(['worker', 'employer']).optional() }),
      toPayload: (row, loadedBy) => ({
        outcome: row.outcome === 'ended' ? 'ended' : 'passed',
        decidedOn: String(row.decidedOn),
        ...(row.endedBy ? { endedBy: row.endedBy as 'worker' | 'employer' } : {}),
        recordedBy: loadedBy,
      }),
    },
  },
};
