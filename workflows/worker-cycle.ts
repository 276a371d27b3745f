// One worker's season: preselection -> selection -> authorisation -> visa -> pre-departure -> convocation
// -> embarkation -> season -> return -> closed. Every wait on a person has a deadline with an explicit outcome.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { CircularActivities, CycleActivities } from '../activities';
import {
  DROP_OUT_OUTCOMES,
  cycleStateQuery,
  withdrawSignal,
  type CycleOutcome,
  type CycleStage,
  type CycleStep,
  type StepAck,
  type StepPayloads,
  type Withdrawal,
  type WorkerCycleInput,
  type WorkerCycleState,
} from './contracts/worker-cycle';
import { CYCLE_STEPS, CYCLE_STEP_NAMES } from './contracts/steps';
import { createStepInbox, type Taken } from './step-inbox';
import { EmployerIdKey, StageKey } from './contracts/search-attributes';
import { ERROR_INVALID_STEP, ERROR_OUT_OF_ORDER } from './contracts/errors';

// A heartbeat timeout on every activity: a killed worker's activity is retried within seconds, not at its timeout.
const { recordTransition, issueContractDocuments, issueConvocation } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { registerWorkAuthorisation, blockAfterNonReturn } = proxyActivities<CircularActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// Transitions and the authorisation register are short database writes: as local activities they run inside the
// workflow task that took the step (one marker event, no activity task round trip through the server), which
// halves the server's work per step at season scale. Added later, hence the 'local-transitions' patch.
const local = proxyLocalActivities<CycleActivities & CircularActivities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { sendNotification } = proxyActivities<CycleActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const nowIso = (): string => new Date(Date.now()).toISOString();
const RETURN_REMINDER_LEAD_MS = 7 * 24 * 3600 * 1000;

function outOfOrder(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ERROR_OUT_OF_ORDER, message, nonRetryable: true });
}
function invalid(message: string, field: string): ApplicationFailure {
  return ApplicationFailure.create({ type: ERROR_INVALID_STEP, message, details: [{ field }], nonRetryable: true });
}

export async function workerCycleWorkflow(input: WorkerCycleInput): Promise<WorkerCycleState> {
  const t = input.timings;
  const cycleId = `worker-${input.campaignId}-${input.candidateId}`;
  // Decided once: cycles started before the patch keep their regular activities when replayed.
  const localTransitions = patched('local-transitions');
  const persistTransition = localTransitions ? local.recordTransition : recordTransition;
  const registerAuthorisation = localTransitions ? local.registerWorkAuthorisation : registerWorkAuthorisation;
  // Search attributes are upserted only when they change, Stage and EmployerId together (the start set
  // Stage=preselected): each upsert is a history event and a visibility write. Added later, hence the patch.
  const upsertOnChange = patched('search-attributes-on-change');
  let indexedStage: CycleStage = 'preselected';
  let unindexedEmployer: string | undefined;
  function indexEmployer(employerId: string): void {
    if (upsertOnChange) unindexedEmployer = employerId;
    else upsertSearchAttributes([{ key: EmployerIdKey, value: employerId }]);
  }
  function indexStage(stage: CycleStage): void {
    if (!upsertOnChange) {
      upsertSearchAttributes([{ key: StageKey, value: stage }]);
      return;
    }
    if (stage === indexedStage && !unindexedEmployer) return;
    upsertSearchAttributes([
      { key: StageKey, value: stage },
      ...(unindexedEmployer ? [{ key: EmployerIdKey, value: unindexedEmployer }] : []),
    ]);
    indexedStage = stage;
    unindexedEmployer = undefined;
  }
  const state: WorkerCycleState = {
    cycleId,
    campaignId: input.campaignId,
    candidateId: input.candidateId,
    stage: 'preselected',
    visaSubmissions: 0,
    consularEscalated: false,
    steps: [],
  };

  // --- message plumbing -------------------------------------------------------------------------------
  let seq = 0;
  const inbox = createStepInbox<StepPayloads, StepAck>(outOfOrder);
  let withdrawal: Withdrawal | undefined;

  setHandler(cycleStateQuery, () => state);
  setHandler(withdrawSignal, (w) => {
    if (state.stage === 'closed' || state.stage === 'in_season' || state.stage === 'awaiting_return') {
      log.warn('withdrawal ignored: worker already embarked or cycle closed', { stage: state.stage });
      return;
    }
    withdrawal ??= w;
  });

  // Every step of the table gets its handler; the validator refuses out-of-order steps and refused content.
  for (const step of CYCLE_STEP_NAMES) {
    const def = CYCLE_STEPS[step];
    inbox.register(step, def.update as never, (payload: unknown) => {
      if (state.stage === 'closed') throw outOfOrder(`the cycle is closed (${state.outcome ?? 'no outcome'})`);
      const allowed: readonly CycleStage[] = def.allowedFrom;
      if (!allowed.includes(state.stage)) {
        throw outOfOrder(`${step} is not allowed at stage ${state.stage}; it needs stage ${allowed.join(' or ')}`);
      }
      if (inbox.busy) throw outOfOrder('another step is being applied to this cycle; retry shortly');
      if (withdrawal) throw outOfOrder('the candidate has withdrawn');
      const problem = (def.check as ((p: unknown, now: number) => { field: string; reason: string } | undefined) | undefined)?.(payload, Date.now());
      if (problem) throw invalid(problem.reason, problem.field);
    });
  }

  type Waited<S extends CycleStep> = Taken<StepPayloads, S> | { kind: 'timeout' } | { kind: 'withdrawn' };

  /** Waits for one human step (or one of several) until its deadline; the timeout and a withdrawal are explicit outcomes. */
  async function awaitStep<S extends CycleStep>(steps: S | readonly S[], waitingFor: string, timeout: Duration): Promise<Waited<S>> {
    const awaited: readonly S[] = typeof steps === 'string' ? [steps] : steps;
    state.waitingFor = waitingFor;
    state.deadlineAt = new Date(Date.now() + msToNumber(timeout)).toISOString();
    const taken = await inbox.take(awaited, timeout, () => withdrawal !== undefined);
    state.waitingFor = undefined;
    state.deadlineAt = undefined;
    if (taken) return taken;
    return withdrawal ? { kind: 'withdrawn' } : { kind: 'timeout' };
  }

  /** Persists a transition (idempotent on cycle + seq), then acknowledges the update that caused it. */
  async function transition(
    step: string,
    stage: CycleStage,
    actor: string,
    details: Record<string, unknown> = {},
    outcome?: CycleOutcome,
  ): Promise<void> {
    seq += 1;
    const at = nowIso();
    state.stage = stage;
    if (outcome) {
      state.outcome = outcome;
      state.nextSeasonEligible = outcome === 'returned';
    }
    state.steps.push({ seq, step, stage, at, actor });
    indexStage(stage);
    await persistTransition({
      cycleId,
      campaignId: input.campaignId,
      candidateId: input.candidateId,
      province: input.province,
      seq,
      step,
      stage,
      outcome,
      actor,
      occurredAt: at,
      details,
      cycle: {
        employerId: state.employerId,
        offerId: state.offerId,
        contractStart: state.contractStart,
        contractEnd: state.contractEnd,
        authorisationNumber: state.authorisationNumber,
        visaFileReference: state.visaFileReference,
        visaNumber: state.visaNumber,
        departureAt: state.departureAt,
        port: state.port,
        embarkedAt: state.embarkedAt,
        returnedOn: state.returnedOn,
        returnProof: state.returnProof,
        nextSeasonEligible: state.nextSeasonEligible,
      },
    });
    inbox.acknowledge({ cycleId, stage, ...(outcome ? { outcome } : {}), seq });
  }

  function notify(step: string, audience: ('worker' | 'employer' | 'agency' | 'consular_liaison')[], template: string, documentIds: number[] = []) {
    return sendNotification({ key: `${cycleId}:${step}`, cycleId, audience, template, documentIds });
  }

  async function close(outcome: CycleOutcome, actor: string, details: Record<string, unknown> = {}): Promise<WorkerCycleState> {
    await transition(outcome, 'closed', actor, details, outcome);
    // A worker who drops out after selection leaves a post open: the agency replaces them from the reserve list.
    // One drop-out list since the patch; before it, expired authorisations and visa files sent no notice.
    const vacating: readonly string[] = patched('one-drop-out-list')
      ? DROP_OUT_OUTCOMES
      : ['withdrawn', 'visa_refused', 'no_show', 'consular_silence', 'predeparture_expired', 'convocation_expired'];
    if (state.employerId && vacating.includes(outcome)) {
      await notify(outcome, ['agency', 'employer'], 'post_vacated');
    }
    if (outcome === 'non_return') {
      await notify(outcome, ['agency', 'employer'], 'non_return');
      // Added with the multi-year framework; cycles started before it replay without the block.
      if (patched('non-return-block')) await blockAfterNonReturn({ cycleId });
    }
    return finish();
  }

  async function finish(): Promise<WorkerCycleState> {
    // Any update accepted but never taken (e.g. it raced a deadline) is answered, not left hanging.
    inbox.dropPending(`the cycle closed (${state.outcome ?? state.stage}) before this step was applied`);
    await condition(allHandlersFinished);
    return state;
  }

  const closeUnless = async (w: { kind: 'timeout' } | { kind: 'withdrawn' }, timeoutOutcome: CycleOutcome) =>
    w.kind === 'withdrawn'
      ? close('withdrawn', withdrawal?.recordedBy ?? 'unknown', { reason: withdrawal?.reason })
      : close(timeoutOutcome, 'system', { reason: 'deadline passed' });

  // --- the cycle ----------------------------------------------------------------------------------------
  await transition('preselection', 'preselected', input.startedBy, { season: input.season });

  if (input.rehire) {
    // Re-hire by name within the multi-year framework: the employer's request replaces the selection and
    // the 4-year authorisation is reused; the API checked eligibility, the 9-in-12 rule and the authorisation.
    const r = input.rehire;
    state.employerId = r.employerId;
    state.offerId = r.offerId;
    state.contractStart = r.contractStart;
    state.contractEnd = r.contractEnd;
    state.authorisationNumber = r.authorisationNumber;
    // the start already indexed the re-hire's employer
    if (!upsertOnChange) upsertSearchAttributes([{ key: EmployerIdKey, value: r.employerId }]);
    await transition('rehire_by_name', 'selected', r.requestedBy, { offerId: r.offerId });
    await transition('authorisation_reused', 'authorised', 'system', { authorisationNumber: r.authorisationNumber });
  } else {
    // 1. Employer selection
    const sel = await awaitStep('recordSelection', 'employer selection', t.selectionDeadline);
    if (sel.kind !== 'step') return closeUnless(sel, 'selection_expired');
    if (sel.payload.decision === 'rejected') return close('not_selected', sel.payload.decidedBy, { reason: sel.payload.reason });
    state.employerId = sel.payload.employerId;
    state.offerId = sel.payload.offerId;
    state.contractStart = sel.payload.contractStart;
    state.contractEnd = sel.payload.contractEnd;
    if (state.employerId) indexEmployer(state.employerId);
    await transition('selection', 'selected', sel.payload.decidedBy, { offerId: state.offerId });
    // The selected worker hears it by SMS in her language and from her agency's call list; added later, hence the patch.
    if (patched('worker-selection-message')) await notify('selection', ['worker'], 'selection');

    // 2. Work authorisation (entered in SI GECCO by the Spanish side)
    const auth = await awaitStep('recordAuthorisation', 'work authorisation', t.authorisationDeadline);
    if (auth.kind !== 'step') return closeUnless(auth, 'authorisation_expired');
    state.authorisationNumber = auth.payload.authorisationNumber;
    await transition('authorisation', 'authorised', auth.payload.recordedBy, { issuedOn: auth.payload.issuedOn });
    // The first authorisation is the multi-year one (4 years); added later, hence the patch marker.
    if (patched('multi-year-authorisation')) {
      await registerAuthorisation({ cycleId, authorisationNumber: auth.payload.authorisationNumber, issuedOn: auth.payload.issuedOn });
    }
  }

  // 3. Visa file and consular decision; an incomplete file goes back for resubmission
  for (;;) {
    const file = await awaitStep('submitVisaFile', 'visa file submission', t.visaFileDeadline);
    if (file.kind !== 'step') return closeUnless(file, 'visa_file_expired');
    state.visaSubmissions += 1;
    state.visaFileReference = file.payload.fileReference;
    await transition(`visa_file_${state.visaSubmissions}`, 'visa_submitted', file.payload.submittedBy, {
      fileReference: file.payload.fileReference,
      submittedOn: file.payload.submittedOn,
    });

    let decision = await awaitStep('recordConsularDecision', 'consular decision', t.consularDecisionDeadline);
    if (decision.kind === 'timeout') {
      // Consular silence: escalate to the liaison team once, then give a last grace period.
      state.consularEscalated = true;
      await transition(`consular_silence_escalated_${state.visaSubmissions}`, 'visa_submitted', 'system', {
        fileReference: state.visaFileReference,
      });
      await notify(`consular_escalation_${state.visaSubmissions}`, ['consular_liaison'], 'consular_escalation');
      decision = await awaitStep('recordConsularDecision', 'consular decision (escalated)', t.consularEscalationGrace);
    }
    if (decision.kind !== 'step') return closeUnless(decision, 'consular_silence');
    const d = decision.payload;
    if (d.decision === 'refused') return close('visa_refused', d.recordedBy, { reason: d.reason });
    if (d.decision === 'incomplete') {
      await transition(`visa_incomplete_${state.visaSubmissions}`, 'visa_incomplete', d.recordedBy, { reason: d.reason });
      continue;
    }
    state.visaNumber = d.visaNumber;
    await transition('visa_issued', 'visa_issued', d.recordedBy, {});
    break;
  }

  // 4. Contract and return commitment are printed for signing at the pre-departure session
  const contractDocs = await issueContractDocuments({ cycleId });
  await notify('visa_issued', ['worker', 'employer'], 'visa_issued', contractDocs.documentIds);

  const pre = await awaitStep('recordPredeparture', 'pre-departure session and signatures', t.predepartureDeadline);
  if (pre.kind !== 'step') return closeUnless(pre, 'predeparture_expired');
  await transition('predeparture', 'ready_to_depart', pre.payload.recordedBy, {
    sessionAttendedOn: pre.payload.sessionAttendedOn,
    contractSigned: true,
    returnCommitmentSigned: true,
  });

  // 5. Convocation to a sailing
  const conv = await awaitStep('convoke', 'convocation to a departure', t.convocationDeadline);
  if (conv.kind !== 'step') return closeUnless(conv, 'convocation_expired');
  state.departureAt = conv.payload.departureAt;
  state.port = conv.payload.port;
  await transition('convocation', 'convoked', conv.payload.recordedBy, { sailing: conv.payload.sailing });
  const letter = await issueConvocation({
    cycleId,
    departureAt: conv.payload.departureAt,
    port: conv.payload.port,
    sailing: conv.payload.sailing,
  });
  await notify('convocation', ['worker'], 'convocation', [letter.documentId]);

  // 6. Embarkation at the port; not embarked by departure + grace is a no-show, and so is a passenger not aboard
  // when the port closes boarding (the departure sends recordNoShow: the post is refilled at once, not after the grace)
  const untilNoShow = Math.max(0, Date.parse(conv.payload.departureAt) - Date.now()) + msToNumber(t.embarkationGrace);
  const emb = await awaitStep(['recordEmbarkation', 'recordNoShow'], 'embarkation', untilNoShow);
  if (emb.kind !== 'step') return closeUnless(emb, 'no_show');
  if (emb.step === 'recordNoShow') return close('no_show', emb.payload.recordedBy, { reason: 'boarding closed', sailing: emb.payload.departureId });
  state.embarkedAt = emb.payload.embarkedAt;
  await transition('embarkation', 'in_season', emb.payload.recordedBy, {});

  // 7. The season: until the contract end date (or the injected length); an early return ends it
  const seasonMs = t.seasonLength !== undefined
    ? msToNumber(t.seasonLength)
    : Math.max(0, Date.parse(`${state.contractEnd ?? ''}T23:59:59Z`) - Date.now());
  // A reminder of the return goes to the worker's phone a week before the contract ends (half-way through a shorter
  // season); added later, hence the patch.
  const reminderLead = Math.min(RETURN_REMINDER_LEAD_MS, seasonMs / 2);
  let ret: Waited<'recordReturn'>;
  if (reminderLead > 0 && patched('return-reminder')) {
    ret = await awaitStep('recordReturn', 'end of contract', seasonMs - reminderLead);
    if (ret.kind === 'timeout') {
      await notify('return_reminder', ['worker'], 'return_reminder');
      ret = await awaitStep('recordReturn', 'end of contract', reminderLead);
    }
  } else {
    ret = await awaitStep('recordReturn', 'end of contract', seasonMs);
  }
  if (ret.kind !== 'step') {
    await transition('contract_ended', 'awaiting_return', 'system', { contractEnd: state.contractEnd });
    ret = await awaitStep('recordReturn', 'proof of return', t.returnGrace);
  }
  let late = false;
  if (ret.kind !== 'step') {
    // Flag the non-return now (reports, re-hire block), but keep a window for a late yet proven return.
    state.nextSeasonEligible = false;
    await transition('non_return_flagged', 'awaiting_return', 'system', {});
    await notify('non_return_flagged', ['agency', 'employer'], 'non_return');
    ret = await awaitStep('recordReturn', 'late proof of return', t.lateReturnWindow);
    if (ret.kind !== 'step') return close('non_return', 'system', { reason: 'no proof of return' });
    late = true;
  }
  state.returnedOn = ret.payload.returnedOn;
  state.returnProof = ret.payload.proof;
  await transition('return_verified', 'awaiting_return', ret.payload.recordedBy, { proof: ret.payload.proof, late });
  return close(late ? 'returned_late' : 'returned', ret.payload.recordedBy, { nextSeasonEligible: !late });
}
