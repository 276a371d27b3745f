// One consular visa batch: manifest -> lodgement (Update) -> decisions (one Signal per decisions file) -> end.
// Per-worker steps never go through this workflow: lodging and decisions are bulk operations applied to the
// worker cycles page by page; this workflow only learns that a decisions file was recorded and counts.
import { allHandlersFinished, condition, patched, proxyActivities, proxyLocalActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { whenText } from './contracts/explain';
import { createStepInbox } from './step-inbox';
import { msToNumber } from '@temporalio/common/lib/time';
import type { VisaBatchActivities } from '../activities/visa-batches';
import { bulkOperationDoneSignal } from './contracts/bulk';
import { membersChangedSignal } from './contracts/repair';
import { invalid, outOfOrder } from './step-refusals';
import { RETRY_PATIENT, RETRY_SHORT, heartbeating } from './activity-options';
import {
  batchStateQuery,
  decisionsRecordedSignal,
  lodgeBatchUpdate,
  type LodgeBatchRequest,
  type VisaBatchCounts,
  type VisaBatchInput,
  type VisaBatchOutcome,
  type VisaBatchState,
  type VisaBatchSummary,
} from './contracts/visa-batch';

// heartbeatTimeout: the worker heartbeats while they run (worker/activity-interceptors.ts), so a killed worker's
// lodging is retried within seconds
const { lodgeVisaBatch, finishVisaBatch } = proxyActivities<VisaBatchActivities>(heartbeating('5 minutes', '15 seconds'));
// The batch's rows are committed before its workflow starts (activities/start-workflow.ts).
const { generateVisaBatchManifest } = proxyActivities<VisaBatchActivities>({
  startToCloseTimeout: '5 minutes',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// The manifest's count and the lodgement are short database work an officer waits on: as local activities they run
// in the workflow task, not behind the season's activity tasks. Added later, hence the 'lodge-local' patch.
const local = proxyLocalActivities<VisaBatchActivities>({ startToCloseTimeout: '2 minutes', localRetryThreshold: '10 seconds', retry: RETRY_SHORT });
// Counting. Histories from before 'visa-batch-bulk-done-signal' count with afterOperationId (the activity
// polled the decisions operation); since then the workflow waits for the operation's own signal first.
const { countVisaBatchDecisions } = proxyActivities<VisaBatchActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '30 seconds' },
});
const { escalateVisaBatch } = proxyActivities<VisaBatchActivities>(heartbeating('2 minutes', '15 seconds', RETRY_PATIENT));

const nowIso = (): string => new Date(Date.now()).toISOString();
const isoDate = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));


export async function visaBatchWorkflow(input: VisaBatchInput): Promise<VisaBatchSummary> {
  const { batchId } = input;
  const state: VisaBatchState = {
    batchId,
    campaignId: input.campaignId,
    stage: 'assembled',
    members: 0,
    escalations: [],
    decisionOperations: [],
  };

  // --- message plumbing: the lodgement is a human step, through the same step inbox as the worker cycle ----
  const inbox = createStepInbox<{ lodge: LodgeBatchRequest }, VisaBatchState>(outOfOrder);
  const pendingOperations: string[] = [];

  setHandler(batchStateQuery, () => state);
  inbox.register('lodge', lodgeBatchUpdate, (req) => {
    if (state.stage !== 'assembled') {
      throw outOfOrder(`visa batch ${batchId} is ${state.stage === 'closed' ? `closed (${state.outcome ?? 'no outcome'})` : state.stage}; only an assembled batch can be lodged`);
    }
    if (inbox.busy) throw outOfOrder(`visa batch ${batchId} is being lodged`);
    if (!isoDate(req.lodgedOn)) throw invalid('lodgedOn must be a date, yyyy-mm-dd', 'lodgedOn');
    if (!req.lodgedBy) throw invalid('who lodged the batch is required', 'lodgedBy');
  });
  setHandler(decisionsRecordedSignal, ({ operationId }) => {
    // A reloaded file may signal its operation again: each operation is counted once.
    if (state.decisionOperations.includes(operationId)) return;
    state.decisionOperations.push(operationId);
    pendingOperations.push(operationId);
  });
  const finishedOperations = new Set<string>();
  setHandler(bulkOperationDoneSignal, ({ operationId }) => {
    finishedOperations.add(operationId);
  });
  // An operator released a member (api/routes/repairs.ts): the members are rows, so the batch counts again, and may be
  // decided now if the released file was the last one awaited. Behind a patch: a history in which this signal reached
  // code without the handler (it was ignored there) replays without acting on it.
  let membersChanged = false;
  setHandler(membersChangedSignal, ({ members }) => {
    if (!patched('visa-batch-members-changed')) return;
    state.members = members;
    membersChanged = true;
  });

  async function escalate(phase: 'lodgement' | 'decision'): Promise<void> {
    state.escalations.push({ phase, at: nowIso() });
    await escalateVisaBatch.executeWithOptions({ summary: `${phase} late: escalated to the consular liaison team` }, [{ batchId, phase }]);
  }

  /** Where the batch stands, for the Temporal UI's current details (counts only, no personal data). */
  function standing(): string {
    const c = state.counts;
    const counts = c ? ` · issued ${c.issued}, refused ${c.refused}, incomplete ${c.incomplete}, awaiting ${c.awaiting}` : '';
    return `Visa batch ${batchId} · campaign ${input.campaignId} · ${state.stage} · ${state.members} members${state.lodgedOn ? ` · lodged on ${state.lodgedOn}` : ''}${counts}`;
  }

  async function finish(outcome: VisaBatchOutcome): Promise<VisaBatchSummary> {
    state.outcome = outcome;
    state.stage = outcome === 'decided' ? 'decided' : 'closed';
    state.waitingFor = undefined;
    state.deadlineAt = undefined;
    setCurrentDetails(`**Closed: ${outcome}.**\n\n${standing()}`);
    // A lodgement accepted but never applied (it raced the last deadline) is answered, not left hanging.
    inbox.dropPending(`visa batch ${batchId} closed (${outcome}) before it was lodged`);
    await condition(allHandlersFinished);
    return {
      batchId,
      campaignId: input.campaignId,
      outcome,
      members: state.members,
      lodgedOn: state.lodgedOn,
      lodgeOperationId: state.lodgeOperationId,
      escalated: state.escalations.length > 0,
      decisionOperations: state.decisionOperations,
      counts: state.counts,
    };
  }

  function wait(waitingFor: string, timeoutMs: number, then: string): void {
    state.waitingFor = waitingFor;
    state.deadlineAt = new Date(Date.now() + timeoutMs).toISOString();
    setCurrentDetails(`**Waiting for ${waitingFor}** until ${whenText(state.deadlineAt)}, then ${then}.\n\n${standing()}`);
  }

  // --- 1. the dossier: its manifest lists the members and the documents each file carries ---------------
  setCurrentDetails(`Generating the dossier's manifest.\n\n${standing()}`);
  const inTask = patched('lodge-local');
  const manifest = await (inTask ? local.generateVisaBatchManifest : generateVisaBatchManifest).executeWithOptions({ summary: 'manifest of the dossier generated' }, [{ batchId }]);
  state.members = manifest.members;
  state.manifestSha256 = manifest.sha256;

  // --- 2. lodgement with the consulate; late: escalate once, then give a last grace period ----------------
  const never = () => false;
  wait('lodgement with the consulate', msToNumber(input.lodgeDeadline), 'escalated to the consular liaison team');
  let lodged = await inbox.take(['lodge'], input.lodgeDeadline, never, 'deadline: lodgement with the consulate');
  if (!lodged) {
    await escalate('lodgement');
    wait('lodgement with the consulate (escalated)', msToNumber(input.escalationGrace), 'the batch ends not lodged');
    lodged = await inbox.take(['lodge'], input.escalationGrace, never, 'deadline: lodgement with the consulate (escalated)');
  }
  if (!lodged) {
    await finishVisaBatch.executeWithOptions({ summary: 'batch closed: not lodged' }, [{ batchId, status: 'escalated' }]);
    return finish('not_lodged');
  }
  const req = lodged.payload;
  const decisionMs = msToNumber(input.decisionDeadline);
  const decisionDeadlineAt = new Date(Date.now() + decisionMs).toISOString();
  const lodgement = await (inTask ? local.lodgeVisaBatch : lodgeVisaBatch).executeWithOptions({ summary: "members' visa files lodged (bulk operation)" }, [{ batchId, lodgedOn: req.lodgedOn, lodgedBy: req.lodgedBy, decisionDeadlineAt }]);
  state.stage = 'lodged';
  state.lodgedOn = req.lodgedOn;
  state.lodgedBy = req.lodgedBy;
  state.lodgeOperationId = lodgement.operationId;
  state.decisionDeadlineAt = decisionDeadlineAt;
  inbox.acknowledge(state);

  // --- 3. decisions: each decisions file is one signal; count once its bulk operation has finished ---------
  // Each decisions operation signals this batch when it is applied (bulkOperationDoneSignal): count then.
  const waitsForBulkSignal = patched('visa-batch-bulk-done-signal');
  const applied = (): boolean => membersChanged || pendingOperations.some((op) => finishedOperations.has(op));
  let until = Date.now() + decisionMs;
  let escalated = false;
  for (;;) {
    const remaining = until - Date.now();
    const waitingFor = escalated ? "the consulate's decisions (escalated)" : "the consulate's decisions";
    wait(waitingFor, Math.max(0, remaining), escalated ? 'the batch ends undecided' : 'escalated to the consular liaison team');
    const timer = { summary: `deadline: ${waitingFor}` };
    if (waitsForBulkSignal) {
      if ((remaining > 0 && (await condition(applied, remaining, timer))) || applied()) {
        pendingOperations.splice(0, pendingOperations.length, ...pendingOperations.filter((op) => !finishedOperations.has(op)));
        membersChanged = false;
        const counts = await countVisaBatchDecisions.executeWithOptions({ summary: 'decisions counted' }, [{ batchId }]);
        state.counts = counts;
        if (counts.awaiting === 0) break;
        continue;
      }
    } else {
      const signalled = remaining > 0 && (await condition(() => pendingOperations.length > 0, remaining, timer));
      if (signalled || pendingOperations.length > 0) {
        const operationId = pendingOperations.shift()!;
        const counts: VisaBatchCounts = await countVisaBatchDecisions({ batchId, afterOperationId: operationId });
        state.counts = counts;
        if (counts.awaiting === 0) break;
        continue;
      }
    }
    // Deadline: nothing left to wait for means decided; otherwise escalate once, then a last grace period.
    const counts = await countVisaBatchDecisions.executeWithOptions({ summary: 'decisions counted at the deadline' }, [{ batchId }]);
    state.counts = counts;
    if (counts.awaiting === 0) break;
    if (escalated) return finish('undecided');
    escalated = true;
    await escalate('decision');
    until = Date.now() + msToNumber(input.escalationGrace);
  }
  await finishVisaBatch.executeWithOptions({ summary: 'batch closed: decided' }, [{ batchId, status: 'decided' }]);
  return finish('decided');
}
