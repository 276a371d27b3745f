// A worker cycle's row mirrors part of its workflow's state (for lists and reports, and as the record of a closed
// cycle): which fields, and how each converts between the state and the row, are said here once.
import type { WorkerCycleState } from '../workflows/contracts/worker-cycle';
import type { workerCycles } from './schema';

/** Fields kept as they are: absent in the state, null in the row. */
const AS_IS = ['employerId', 'offerId', 'contractStart', 'contractEnd', 'authorisationNumber', 'visaFileReference', 'visaNumber', 'port', 'returnedOn', 'returnProof', 'nextSeasonEligible'] as const;
/** Instants: ISO strings in the state, timestamps in the row. */
const INSTANTS = ['departureAt', 'embarkedAt'] as const;

type Mirrored = (typeof AS_IS)[number] | (typeof INSTANTS)[number];
/** The state's fields the row mirrors. */
export type MirroredState = Pick<WorkerCycleState, Mirrored>;
type MirroredRow = Pick<typeof workerCycles.$inferSelect, Mirrored>;

/** The row's columns for a state. */
export function rowOfState(state: MirroredState): MirroredRow {
  const row: Record<string, unknown> = {};
  for (const k of AS_IS) row[k] = state[k] ?? null;
  for (const k of INSTANTS) row[k] = state[k] ? new Date(state[k]) : null;
  return row as MirroredRow;
}

/** The state's fields as the row recorded them. */
export function stateOfRow(row: MirroredRow): MirroredState {
  const state: Record<string, unknown> = {};
  for (const k of AS_IS) state[k] = row[k] ?? undefined;
  for (const k of INSTANTS) state[k] = row[k]?.toISOString();
  return state as MirroredState;
}
