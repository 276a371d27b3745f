// People's ids are not in registration order (migration 0008): lists and first-come batches that used to sort cycles
// by their person's id sort by when the person was registered.
import { sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { candidates, workerCycles } from '../schema';

/** A cycle's place in registration order, for `orderBy`. */
export const byRegistration = sql`(select ${candidates.registrationSeq} from ${candidates} where ${candidates.id} = ${workerCycles.candidateId})`;

/** The same, for a table that names the cycle by its id (batch members, passengers). */
export const registrationOfCycle = (cycleId: AnyPgColumn) =>
  sql`(select ${candidates.registrationSeq} from ${candidates} join ${workerCycles} on ${workerCycles.candidateId} = ${candidates.id} where ${workerCycles.id} = ${cycleId})`;
