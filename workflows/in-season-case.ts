// One in-season case (a report from a mediator, an agency or an employer): waits for its resolution until the
// deadline; past it, escalated once to the worker's agency and the consulate's labour office, then a second wait.
// The resolution is an Update with a validator, taken through the same step inbox as the other human steps.
import { allHandlersFinished, condition, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { InSeasonCaseActivities } from '../activities/in-season-cases';
import { RETRY_PATIENT, RETRY_SHORT } from './activity-options';
import { whenText } from './contracts/explain';
import {
  caseStateQuery,
  resolveCaseUpdate,
  type InSeasonCaseInput,
  type InSeasonCaseOutcome,
  type InSeasonCaseState,
  type InSeasonCaseSummary,
  type ResolveCaseRequest,
} from './contracts/in-season-case';
import { createStepInbox } from './step-inbox';
import { invalid, outOfOrder } from './step-refusals';

const { recordCaseResolution } = proxyActivities<InSeasonCaseActivities>({ startToCloseTimeout: '30 seconds', retry: RETRY_SHORT });
// an e-mail through the outbox, sent once under the case's key however often it is retried
const { escalateInSeasonCase } = proxyActivities<InSeasonCaseActivities>({ startToCloseTimeout: '2 minutes', retry: RETRY_PATIENT });

const nowIso = (): string => new Date(Date.now()).toISOString();

export async function inSeasonCaseWorkflow(input: InSeasonCaseInput): Promise<InSeasonCaseSummary> {
  const { caseId } = input;
  const state: InSeasonCaseState = { caseId, cycleId: input.cycleId, kind: input.kind, status: 'open', deadlineAt: input.deadlineAt };
  const inbox = createStepInbox<{ resolve: ResolveCaseRequest }, InSeasonCaseState>(outOfOrder);

  setHandler(caseStateQuery, () => state);
  inbox.register('resolve', resolveCaseUpdate, (req) => {
    if (state.status === 'resolved') throw outOfOrder(`case ${caseId} is already resolved`);
    if (inbox.busy) throw outOfOrder(`case ${caseId} is being resolved`);
    if (typeof req.resolution !== 'string' || !req.resolution.trim()) throw invalid('what was done is required', 'resolution');
    if (!req.resolvedBy) throw invalid('who resolved the case is required', 'resolvedBy');
  });

  /** Case, kind and campaign only: the UI never shows the report's text or the worker. */
  const standing = (): string => `Case ${caseId} · ${input.kind} · cycle ${input.cycleId} · campaign ${input.campaignId} · ${state.status}`;

  function wait(waitingFor: string, timeoutMs: number, then: string): void {
    state.waitingFor = waitingFor;
    state.waitingUntil = new Date(Date.now() + timeoutMs).toISOString();
    setCurrentDetails(`**Waiting for ${waitingFor}** until ${whenText(state.waitingUntil)}, then ${then}.\n\n${standing()}`);
  }

  async function finish(outcome: InSeasonCaseOutcome): Promise<InSeasonCaseSummary> {
    state.waitingFor = undefined;
    state.waitingUntil = undefined;
    setCurrentDetails(`**Closed: ${outcome}.**\n\n${standing()}`);
    inbox.dropPending(`case ${caseId} closed (${outcome}) before this resolution was recorded`);
    await condition(allHandlersFinished);
    return { caseId, outcome, escalated: state.escalatedAt !== undefined };
  }

  const never = () => false;
  const untilDeadline = Math.max(0, Date.parse(input.deadlineAt) - Date.now());
  wait('the resolution', untilDeadline, "escalated to the worker's agency and the consulate's labour office");
  let resolved = await inbox.take(['resolve'], untilDeadline, never, 'deadline: case resolution');
  if (!resolved) {
    await escalateInSeasonCase.executeWithOptions({ summary: "escalated: worker's agency and consulate's labour office" }, [{ caseId }]);
    state.status = 'escalated';
    state.escalatedAt = nowIso();
    const graceMs = msToNumber(input.escalationGrace);
    wait('the resolution (escalated)', graceMs, 'the case ends unresolved');
    resolved = await inbox.take(['resolve'], input.escalationGrace, never, 'deadline: case resolution (escalated)');
  }
  if (!resolved) return finish('unresolved');

  const req = resolved.payload;
  const at = nowIso();
  await recordCaseResolution.executeWithOptions({ summary: 'resolution recorded' }, [{ caseId, resolution: req.resolution, resolvedBy: req.resolvedBy, resolvedAt: at }]);
  state.status = 'resolved';
  state.resolvedAt = at;
  state.resolvedBy = req.resolvedBy;
  inbox.acknowledge(state);
  return finish('resolved');
}
