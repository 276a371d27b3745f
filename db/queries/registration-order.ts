// People's ids are not in registration order (migration 0008): lists and first-come batches that used to sort cycles
// by their person's id sort by when the person was registered.
import { asc, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { workerCycles } from '../schema';

/** A cycle's place in registration order, for `orderBy`: its person's, copied onto the row (migration 0016), so a
 * campaign's cycles are read in that order from an index, a page at a time. */
export const byRegistration = asc(workerCycles.registrationSeq);

/** The same, for a table that names the cycle by its id (batch members, passengers). */
export const registrationOfCycle = (cycleId: AnyPgColumn) => sql`(select ${workerCycles.registrationSeq} from ${workerCycles} where ${workerCycles.id} = ${cycleId})`;
