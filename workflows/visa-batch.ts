// One consular visa batch: manifest -> lodgement (Update) -> decisions (one Signal per decisions file) -> end.
// Per-worker steps never go through this workflow: lodging and decisions are bulk operations applied to the
// worker cycles page by page; this workflow only learns that a decisions file was recorded and counts.
import { ApplicationFailure, allHandlersFinished, condition, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { VisaBatchActivities } from '../activities/visa-batches';
import { bulkOperationDoneSignal } from './contracts/bulk';
import { ERROR_INVALID_STEP, ERROR_OUT_OF_ORDER } from './contracts/errors';
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
const { lodgeVisaBatch, finishVisaBatch } = proxyActivities<VisaBatchActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// The batch's rows are committed before its workflow starts (activities/start-workflow.ts).
const { generateVisaBatchManifest } = proxyActivities<VisaBatchActivities>({
  startToCloseTimeout: '5 minutes',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// Counting. Histories from before 'visa-batch-bulk-done-signal' count with afterOperationId (the activity
// polled the decisions operation); since then the workflow waits for the operation's own signal first.
const { countVisaBatchDecisions } = proxyActivities<VisaBatchActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '30 seconds' },
});
const { escalateVisaBatch } = proxyActivities<VisaBatchActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const nowIso = (): string => new Date(Date.now()).toISOString();
const isoDate = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));

function outOfOrder(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ERROR_OUT_OF_ORDER, message, nonRetryable: true });
}
function invalid(message: string, field: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ERROR_INVALID_STEP, message, details: [{ field }], nonRetryable: true });
}

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

  // --- message plumbing -------------------------------------------------------------------------------
  let lodgeRequest: LodgeBatchRequest | undefined; // accepted by the validator, applied by the main flow
  let lodgeRefusal: string | null | undefined; // undefined: not answered yet; null: applied; string: dropped
  const pendingOperations: string[] = [];

  setHandler(batchStateQuery, () => state);
  setHandler(
    lodgeBatchUpdate,
    async (req) => {
      lodgeRequest = req;
      await condition(() => lodgeRefusal !== undefined);
      if (lodgeRefusal) throw outOfOrder(lodgeRefusal);
      return state;
    },
    {
      validator: (req) => {
        if (state.stage !== 'assembled') {
          throw outOfOrder(`visa batch ${batchId} is ${state.stage === 'closed' ? `closed (${state.outcome ?? 'no outcome'})` : state.stage}; only an assembled batch can be lodged`);
        }
        if (lodgeRequest) throw outOfOrder(`visa batch ${batchId} is being lodged`);
        if (!isoDate(req.lodgedOn)) throw invalid('lodgedOn must be a date, yyyy-mm-dd', 'lodgedOn');
        if (!req.lodgedBy) throw invalid('who lodged the batch is required', 'lodgedBy');
      },
    },
  );
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

  async function escalate(phase: 'lodgement' | 'decision'): Promise<void> {
    state.escalations.push({ phase, at: nowIso() });
    await escalateVisaBatch({ batchId, phase });
  }

  async function finish(outcome: VisaBatchOutcome): Promise<VisaBatchSummary> {
    state.outcome = outcome;
    state.stage = outcome === 'decided' ? 'decided' : 'closed';
    state.waitingFor = undefined;
    state.deadlineAt = undefined;
    // A lodgement accepted but never applied (it raced the last deadline) is answered, not left hanging.
    if (lodgeRefusal === undefined && lodgeRequest) lodgeRefusal = `visa batch ${batchId} closed (${outcome}) before it was lodged`;
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

  function wait(waitingFor: string, timeoutMs: number): void {
    state.waitingFor = waitingFor;
    state.deadlineAt = new Date(Date.now() + timeoutMs).toISOString();
  }

  // --- 1. the dossier: its manifest lists the members and the documents each file carries ---------------
  const manifest = await generateVisaBatchManifest({ batchId });
  state.members = manifest.members;
  state.manifestSha256 = manifest.sha256;

  // --- 2. lodgement with the consulate; late: escalate once, then give a last grace period ----------------
  wait('lodgement with the consulate', msToNumber(input.lodgeDeadline));
  let lodged = await condition(() => lodgeRequest !== undefined, input.lodgeDeadline);
  if (!lodged && !lodgeRequest) {
    await escalate('lodgement');
    wait('lodgement with the consulate (escalated)', msToNumber(input.escalationGrace));
    lodged = await condition(() => lodgeRequest !== undefined, input.escalationGrace);
  }
  if (!lodged && !lodgeRequest) {
    await finishVisaBatch({ batchId, status: 'escalated' });
    return finish('not_lodged');
  }
  const req = lodgeRequest!;
  const decisionMs = msToNumber(input.decisionDeadline);
  const decisionDeadlineAt = new Date(Date.now() + decisionMs).toISOString();
  const lodgement = await lodgeVisaBatch({ batchId, lodgedOn: req.lodgedOn, lodgedBy: req.lodgedBy, decisionDeadlineAt });
  state.stage = 'lodged';
  state.lodgedOn = req.lodgedOn;
  state.lodgedBy = req.lodgedBy;
  state.lodgeOperationId = lodgement.operationId;
  state.decisionDeadlineAt = decisionDeadlineAt;
  lodgeRefusal = null;

  // --- 3. decisions: each decisions file is one signal; count once its bulk operation has finished ---------
  // Each decisions operation signals this batch when it is applied (bulkOperationDoneSignal): count then.
  const waitsForBulkSignal = patched('visa-batch-bulk-done-signal');
  const applied = (): boolean => pendingOperations.some((op) => finishedOperations.has(op));
  let until = Date.now() + decisionMs;
  let escalated = false;
  for (;;) {
    const remaining = until - Date.now();
    wait(escalated ? "the consulate's decisions (escalated)" : "the consulate's decisions", Math.max(0, remaining));
    if (waitsForBulkSignal) {
      if ((remaining > 0 && (await condition(applied, remaining))) || applied()) {
        pendingOperations.splice(0, pendingOperations.length, ...pendingOperations.filter((op) => !finishedOperations.has(op)));
        const counts = await countVisaBatchDecisions({ batchId });
        state.counts = counts;
        if (counts.awaiting === 0) break;
        continue;
      }
    } else {
      const signalled = remaining > 0 && (await condition(() => pendingOperations.length > 0, remaining));
      if (signalled || pendingOperations.length > 0) {
        const operationId = pendingOperations.shift()!;
        const counts: VisaBatchCounts = await countVisaBatchDecisions({ batchId, afterOperationId: operationId });
        state.counts = counts;
        if (counts.awaiting === 0) break;
        continue;
      }
    }
    // Deadline: nothing left to wait for means decided; otherwise escalate once, then a last grace period.
    const counts = await countVisaBatchDecisions({ batchId });
    state.counts = counts;
    if (counts.awaiting === 0) break;
    if (escalated) return finish('undecided');
    escalated = true;
    await escalate('decision');
    until = Date.now() + msToNumber(input.escalationGrace);
  }
  await finishVisaBatch({ batchId, status: 'decided' });
  return finish('decided');
}
