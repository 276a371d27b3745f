// Eligibility under the multi-year framework, checked before a contract is offered to a worker.
import { and, desc, eq, isNull, ne, or, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { candidates, workAuthorisations, workerCycles } from '../db/schema';
import { authorisationViolation, nineInTwelveViolation, type ContractPeriod } from '../workflows/contracts/circular';

export interface Ineligibility {
  field: string;
  reason: string;
}

/** Contracts the worker has worked or is bound to (other cycles): what the 9-in-12 rule counts. */
export async function otherContracts(db: Db, candidateId: number, excludeCycleId?: string): Promise<ContractPeriod[]> {
  const rows = await db
    .select({ id: workerCycles.id, start: workerCycles.contractStart, end: workerCycles.contractEnd })
    .from(workerCycles)
    .where(
      and(
        eq(workerCycles.candidateId, candidateId),
        isNotNull(workerCycles.contractStart),
        or(isNotNull(workerCycles.embarkedAt), isNull(workerCycles.outcome)),
        excludeCycleId ? ne(workerCycles.id, excludeCycleId) : undefined,
      ),
    );
  return rows.map((r) => ({ start: r.start!, end: r.end!, label: r.id }));
}

export async function activeAuthorisation(db: Db, candidateId: number) {
  const [a] = await db
    .select()
    .from(workAuthorisations)
    .where(eq(workAuthorisations.candidateId, candidateId))
    .orderBy(desc(workAuthorisations.createdAt))
    .limit(1);
  return a;
}

/** Reasons the worker may not take this contract (blocked, 9-in-12, authorisation), empty when eligible. */
export async function contractIneligibility(
  db: Db,
  candidateId: number,
  proposed: ContractPeriod,
  opts: { excludeCycleId?: string; field?: string; today?: string } = {},
): Promise<Ineligibility[]> {
  const field = opts.field ?? 'offerId';
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const issues: Ineligibility[] = [];
  const [person] = await db.select({ blockedUntil: candidates.blockedUntil, blockedReason: candidates.blockedReason }).from(candidates).where(eq(candidates.id, candidateId));
  if (person?.blockedUntil && person.blockedUntil >= today) {
    issues.push({ field: 'nationalId', reason: `blocked until ${person.blockedUntil}: ${person.blockedReason ?? 'non-return'}` });
  }
  const rule = nineInTwelveViolation(await otherContracts(db, candidateId, opts.excludeCycleId), proposed);
  if (rule) issues.push({ field, reason: rule });
  const auth = await activeAuthorisation(db, candidateId);
  if (auth && auth.status === 'active') {
    const v = authorisationViolation(auth, proposed);
    if (v) issues.push({ field, reason: v });
  }
  return issues;
}
