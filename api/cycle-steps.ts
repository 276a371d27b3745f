// Taking a worker step from the API: the cycle must exist and be open, its campaign's stage must allow the step,
// the content passes the same pure check as the workflow's validator, a selection passes the eligibility gate
// (which holds the offer's seat), then the step is sent as an Update. An Idempotency-Key becomes the Update's ID,
// so a retried request gets the first answer instead of a 409.
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Db } from '../db/client';
import { admitOne, releaseSeat } from '../db/queries/contracting';
import { isQuotaOnly } from '../workflows/contracts/eligibility';
import { CYCLE_STEPS } from '../workflows/contracts/steps';
import { cycleStateQuery, type CycleStep, type SelectionDecision, type StepPayloads, type VisaFileSubmission, type WorkerCycleState } from '../workflows/contracts/worker-cycle';
import { isoWeekMonday } from '../workflows/contracts/visa-batch';
import { campaignOr404 } from './queries/campaigns';
import { reserveSingleLodging } from './queries/consular-weeks';
import type { workerCycleWorkflow } from '../workflows/worker-cycle';
import { HttpError, conflict, notFound, unprocessable, workflowClosed } from './errors';
import { findCycle, offerEmployer } from './queries/cycles';
import { reachOf, reaches } from './auth/jurisdiction';
import type { Actor } from './auth/roles';

export interface StepDeps {
  db: Db;
  temporal: Client;
}

type CycleRow = NonNullable<Awaited<ReturnType<typeof findCycle>>>;

/**
 * The open cycle a step addresses (404 unknown or outside the caller's reach, 409 closed or its campaign not at a
 * stage that allows the step). An employer reaches its own workers, and a candidate not yet selected by anyone
 * only to record its own selection decision (on one of its offers: applySelection checks the offer).
 */
export async function openCycle(db: Db, cycleId: string, actor: Actor, step?: CycleStep): Promise<CycleRow> {
  const row = await findCycle(db, cycleId);
  const choosing = step === 'recordSelection' && row?.employerId === null && actor.jurisdiction.kind === 'employer';
  if (!row || !(choosing || reaches(actor, row))) throw notFound(`worker cycle ${cycleId}`);
  if (row.stage === 'closed') throw conflict(`worker cycle ${cycleId} is closed (${row.outcome ?? 'no outcome'})`);
  if (step) {
    const stages: readonly string[] = CYCLE_STEPS[step].campaignStages;
    if (!stages.includes(row.campaignStage)) {
      throw conflict(`campaign ${row.campaignId} is at ${row.campaignStage}: the ${CYCLE_STEPS[step].label} is taken at ${stages.join(', ')}`, [
        { field: 'campaign.stage', reason: `${row.campaignStage} does not allow this step` },
      ]);
    }
  }
  return row;
}

/** Sends the step and answers the cycle's full state. */
export async function applyStep<S extends CycleStep>(deps: StepDeps, cycleId: string, step: S, payload: StepPayloads[S], idempotencyKey?: string): Promise<WorkerCycleState> {
  const def = CYCLE_STEPS[step];
  const problem = (def.check as ((p: unknown, now: number) => { field: string; reason: string } | undefined) | undefined)?.(payload, Date.now());
  if (problem) throw unprocessable(problem.reason, [{ field: `body.${problem.field}`, reason: problem.reason }]);
  const handle: WorkflowHandle<typeof workerCycleWorkflow> = deps.temporal.workflow.getHandle(cycleId);
  try {
    // The Update answers a small acknowledgement (it is stored in the history); the caller gets the full state.
    await handle.executeUpdate(def.update as never, { args: [payload as never], ...(idempotencyKey ? { updateId: `api:${step}:${idempotencyKey}` } : {}) });
    return await handle.query(cycleStateQuery);
  } catch (err) {
    // The workflow may have closed (a deadline) between our read and the update.
    if (workflowClosed(err)) throw conflict(`worker cycle ${cycleId} is closed`);
    throw err;
  }
}

/** The employer's selection: a rejection goes straight to the cycle; a selection passes the eligibility gate first. */
export async function applySelection(
  deps: StepDeps,
  cycle: CycleRow,
  body: { decision: 'selected' | 'rejected'; offerId?: string; reason?: string; decidedBy: string },
  idempotencyKey: string | undefined,
  actor: Actor,
): Promise<WorkerCycleState> {
  const employerId = reachOf(actor).employerId;
  if (employerId !== undefined) {
    // an employer decides on its own offers only, a rejection included (it names the offer it rejects for)
    if (!body.offerId) throw unprocessable('an employer names the offer it decides for', [{ field: 'body.offerId', reason: 'required for an employer' }]);
    if ((await offerEmployer(deps.db, body.offerId)) !== employerId) throw notFound(`offer ${body.offerId}`);
  }
  if (body.decision === 'rejected') return applyStep(deps, cycle.id, 'recordSelection', { decision: 'rejected', reason: body.reason, decidedBy: body.decidedBy }, idempotencyKey);
  if (!body.offerId) throw unprocessable('a selection needs the offer', [{ field: 'body.offerId', reason: 'required when selected' }]);
  const admission = await admitOne(deps.db, { candidateId: cycle.candidateId, cycleId: cycle.id, offerId: body.offerId }, { hold: 'selection', campaignId: cycle.campaignId });
  const issues = admission.refusals.map((r) => ({ field: `body.${r.field}`, reason: r.reason }));
  const message = admission.refusals.map((r) => r.reason).join('; ');
  if (isQuotaOnly(admission.refusals)) throw conflict(message, issues);
  if (admission.refusals.length) throw unprocessable(message, issues);
  const offer = admission.offer!;
  const decision: SelectionDecision = { decision: 'selected', employerId: offer.employerId, offerId: offer.id, contractStart: offer.contractStart, contractEnd: offer.contractEnd, decidedBy: body.decidedBy };
  try {
    return await applyStep(deps, cycle.id, 'recordSelection', decision, idempotencyKey);
  } catch (err) {
    // refused by the cycle (out of order, closed): the seat goes back to the offer. After any other failure the
    // step may have been applied, so the seat stays (a retry with the same Idempotency-Key finds it).
    if (err instanceof HttpError || err instanceof WorkflowUpdateFailedError) await releaseSeat(deps.db, cycle.id);
    throw err;
  }
}

/**
 * A visa file lodged on its own takes a place in the consulate's week of `submittedOn` (409 naming the week when it
 * is full), as batch members do. Refused by the cycle, the place goes back; after any other failure the step may
 * have been applied, so the place stays (a retry with the same Idempotency-Key finds it).
 */
export async function applySingleLodging(deps: StepDeps, cycle: CycleRow, payload: VisaFileSubmission, idempotencyKey: string | undefined): Promise<WorkerCycleState> {
  const campaign = await campaignOr404(deps.db, cycle.campaignId);
  const release = await reserveSingleLodging(deps.db, campaign, cycle.id, payload.fileReference, isoWeekMonday(payload.submittedOn));
  try {
    return await applyStep(deps, cycle.id, 'submitVisaFile', payload, idempotencyKey);
  } catch (err) {
    if (err instanceof HttpError || err instanceof WorkflowUpdateFailedError) await release();
    throw err;
  }
}
