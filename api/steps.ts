// The table of worker steps, API half (the workflow half is workflows/contracts/steps.ts, keyed by the same
// steps): the body a route takes, its path and summary, and for the steps coordinators load as files, the row a
// file carries. Routes (api/routes/cycles.ts) and step files (api/routes/intake.ts) are generated from it.
import { z } from 'zod';
import type { CycleStep, StepPayloads } from '../workflows/contracts/worker-cycle';
import {
  authorisationBody,
  consularDecisionBody,
  convocationBody,
  embarkationBody,
  predepartureBody,
  returnBody,
  selectionBody,
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
  body: z.ZodType;
  file?: StepFile<S>;
}

export const STEP_ROUTES: { [S in CycleStep]: StepRoute<S> } = {
  recordSelection: {
    path: 'selection',
    summary: "Record the employer's selection decision (the eligibility gate and the offer's posts are checked)",
    body: selectionBody,
    file: {
      path: 'selection',
      summary: "Load employers' selection results. Columns: nationalId, decision (selected|rejected), offerId (when selected), reason, decidedBy.",
      row: z.object({
        nationalId: nationalIdCell,
        decision: z.enum(['selected', 'rejected']),
        offerId: z.string().min(1).optional(),
        reason: z.string().max(500).optional(),
        decidedBy: z.string().min(1).max(120),
      }),
    },
  },
  recordAuthorisation: {
    path: 'authorisation',
    summary: 'Record the work authorisation',
    body: authorisationBody,
    file: {
      path: 'authorisations',
      summary: 'Load work authorisations entered in SI GECCO. Columns: nationalId, authorisationNumber, issuedOn.',
      row: z.object({ nationalId: nationalIdCell, authorisationNumber: z.string().min(3).max(40), issuedOn: fileDate }),
      toPayload: (row, loadedBy) => ({ authorisationNumber: String(row.authorisationNumber), issuedOn: String(row.issuedOn), recordedBy: loadedBy }),
    },
  },
  submitVisaFile: { path: 'visa-file', summary: 'Record that the visa file was lodged with the consulate', body: visaFileBody },
  recordConsularDecision: { path: 'consular-decision', summary: "Record the consulate's decision (issued, refused, incomplete)", body: consularDecisionBody },
  recordPredeparture: {
    path: 'predeparture',
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
  convoke: { path: 'convocation', summary: 'Convoke the worker to a departure', body: convocationBody },
  recordEmbarkation: { path: 'embarkation', summary: 'Record embarkation at the port', body: embarkationBody },
  recordNoShow: { path: null, summary: 'Sent by a departure whose boarding closed, to each passenger not aboard', body: z.object({}) },
  recordReturn: { path: 'return', summary: 'Record the verified return to Morocco', body: returnBody },
};
