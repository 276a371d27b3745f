// One worker's season: preselection -> selection -> authorisation -> visa -> pre-departure -> convocation
// -> embarkation -> season -> return -> closed. Every wait on a person has a deadline with an explicit outcome.
import {
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { CircularActivities, CycleActivities } from '../activities';
import {
  DROP_OUT_OUTCOMES,
  cycleStateQuery,
  releaseFromSailingUpdate,
  withdrawSignal,
  type CycleOutcome,
  type CycleStage,
  type CycleStep,
  type SeasonOutcomeRecord,
  type StepAck,
  type SailingRelease,
  type StepPayloads,
  type Withdrawal,
  type WorkerCycleInput,
  type WorkerCycleState,
} from './contracts/worker-cycle';
import { CYCLE_STEPS, CYCLE_STEP_NAMES } from './contracts/steps';
import { createStepInbox, type Taken } from './step-inbox';
import { EmployerIdKey, StageKey } from './contracts/search-attributes';
import { invalid, outOfOrder } from './step-refusals';
import { RETRY_PATIENT, RETRY_SHORT, heartbeating } from './activity-options';
import { whenText } from './contracts/explain';

// A heartbeat timeout on every activity: a killed worker's activity is retried within seconds, not at its timeout.
const writes = heartbeating('1 minute', '10 seconds');
const { recordTransition, issueContractDocuments, issueConvocation } = proxyActivities<CycleActivities>(writes);
const { registerWorkAuthorisation, blockAfterNonReturn } = proxyActivities<CircularActivities>(writes);
// Transitions and the authorisation register are short database writes: as local activities they run inside the
// workflow task that took the step (one marker event, no activity task round trip through the server), which
// halves the server's work per step at season scale. Added later, hence the 'local-transitions' patch.
const local = proxyLocalActivities<CycleActivities & CircularActivities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: RETRY_SHORT,
});
const { sendNotification } = proxyActivities<CycleActivities>(heartbeating('2 minutes', '10 seconds', RETRY_PATIENT));

const nowIso = (): string => new Date(Date.now()).toISOString();
const RETURN_REMINDER_LEAD_MS = 7 * 24 * 3600 * 1000;


/** What the cycle's inbox takes: the steps of the table, and an operator's release from a sailing. */
type InboxPayloads = StepPayloads & { releaseFromSailing: SailingRelease };

export async function workerCycleWorkflow(input: WorkerCycleInput): Promise<WorkerCycleState> {
  const t = input.timings;
  const cycleId = `worker-${input.campaignId}-${input.candidateId}`;
  // Decided once: cycles started before the patch keep their regular activities when replayed.
  const localTransitions = patched('local-transitions');
  // A season may also end in a stable hire in Spain or an early return (added later: cycles started before the
  // patch refuse that step and only take the return).
  const seasonOutcomes = patched('season-outcomes');
  // The trial period's outcome can be recorded in the season (added later: cycles started before refuse that step).
  const trialPeriods = patched('trial-period');
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
  const inbox = createStepInbox<InboxPayloads, StepAck>(outOfOrder);
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
      if (step === 'recordSeasonOutcome' && !seasonOutcomes) throw outOfOrder('this cycle started before stable hires and early returns could be recorded: record the return');
      if (step === 'recordTrialPeriod') {
        if (!trialPeriods) throw outOfOrder('this cycle started before trial periods could be recorded: record an early return if it ended');
        if (state.trialPeriod) throw outOfOrder(`the trial period is already recorded (${state.trialPeriod})`);
      }
      if (inbox.busy) throw outOfOrder('another step is being applied to this cycle; retry shortly');
      if (withdrawal) throw outOfOrder('the candidate has withdrawn');
      const problem = (def.check as ((p: unknown, now: number) => { field: string; reason: string } | undefined) | undefined)?.(payload, Date.now());
      if (problem) throw invalid(problem.reason, problem.field);
    });
  }

  // An operator's release from a sailing waits in the same inbox as the steps (one message at a time).
  inbox.register('releaseFromSailing', releaseFromSailingUpdate, (r) => {
    if (state.stage !== 'convoked') throw outOfOrder(`releaseFromSailing is not allowed at stage ${state.stage}; it needs stage convoked`);
    if (r.departureId !== state.sailing) throw outOfOrder(`the worker is convoked to ${state.sailing ?? 'no sailing'}, not ${r.departureId}`);
    if (inbox.busy) throw outOfOrder('another step is being applied to this cycle; retry shortly');
    if (withdrawal) throw outOfOrder('the candidate has withdrawn');
    if (!r.releasedBy) throw invalid('who releases the worker is required', 'releasedBy');
  });

  type Waited<S extends keyof InboxPayloads> = Taken<InboxPayloads, S> | { kind: 'timeout' } | { kind: 'withdrawn' };
  type SeasonEnd = 'recordReturn' | 'recordSeasonOutcome';

  /** Where the cycle stands, for the Temporal UI's current details: stage, employer and offer (no personal data). */
  function standing(): string {
    const parts = [`stage ${state.stage}`];
    if (state.employerId) parts.push(`employer ${state.employerId}`);
    if (state.offerId) parts.push(`offer ${state.offerId}`);
    if (state.visaSubmissions > 0) parts.push(`visa file submitted ${state.visaSubmissions}×`);
    if (state.departureAt) parts.push(`sailing ${whenText(state.departureAt)} from ${state.port ?? 'port'}`);
    parts.push(`${state.steps.length} steps recorded`);
    return `Campaign ${input.campaignId} · candidate #${input.candidateId} · ${parts.join(' · ')}`;
  }
  /** What the Temporal UI's current details say the cycle is doing now (no command: nothing for replay to compare). */
  function explain(doing: string): void {
    setCurrentDetails(`${doing}\n\n${standing()}`);
  }

  /**
   * Waits for one human step (or one of several) until its deadline; the timeout and a withdrawal are explicit
   * outcomes. `then` says what the deadline brings, in the operator's words (shown with the wait in the UI).
   */
  async function awaitStep<S extends keyof InboxPayloads>(steps: S | readonly S[], waitingFor: string, timeout: Duration, then: string): Promise<Waited<S>> {
    const awaited: readonly S[] = typeof steps === 'string' ? [steps] : steps;
    state.waitingFor = waitingFor;
    state.deadlineAt = new Date(Date.now() + msToNumber(timeout)).toISOString();
    explain(`**Waiting for the ${waitingFor}** until ${whenText(state.deadlineAt)}, then ${then}.`);
    const taken = await inbox.take(awaited, timeout, () => withdrawal !== undefined, `deadline: ${waitingFor}`);
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
      // an early return with its proof keeps the worker eligible, as a return does
      state.nextSeasonEligible = outcome === 'returned' || outcome === 'early_return';
    }
    state.steps.push({ seq, step, stage, at, actor });
    indexStage(stage);
    await persistTransition.executeWithOptions({ summary: `record ${step} (stage ${stage})` }, [{
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
    }]);
    inbox.acknowledge({ cycleId, stage, ...(outcome ? { outcome } : {}), seq });
  }

  function notify(step: string, audience: ('worker' | 'employer' | 'agency' | 'consular_liaison')[], template: string, documentIds: number[] = []) {
    const to = audience.map((a) => a.replace('_', ' ')).join(', ');
    explain(`Sending the ${template.replace(/_/g, ' ')} notice to ${to}.`);
    return sendNotification.executeWithOptions({ summary: `notice: ${template.replace(/_/g, ' ')} → ${to}` }, [{ key: `${cycleId}:${step}`, cycleId, audience, template, documentIds }]);
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
      if (patched('non-return-block')) await blockAfterNonReturn.executeWithOptions({ summary: 're-hire blocked after non-return' }, [{ cycleId }]);
    }
    return finish();
  }

  async function finish(): Promise<WorkerCycleState> {
    explain(`**Closed: ${state.outcome ?? state.stage}**${state.nextSeasonEligible ? ' (eligible for the next season)' : ''}.`);
    // Any update accepted but never taken (e.g. it raced a deadline) is answered, not left hanging.
    inbox.dropPending(`the cycle closed (${state.outcome ?? state.stage}) before this step was applied`);
    await condition(allHandlersFinished);
    return state;
  }

  /** A season ended by a stable hire in Spain (closed without a non-return or a block) or an early return. */
  async function endSeason(o: SeasonOutcomeRecord): Promise<WorkerCycleState> {
    if (o.outcome === 'stable_hire') return close('stable_hire', o.recordedBy, { occurredOn: o.occurredOn, employmentReference: o.employmentReference });
    state.returnedOn = o.occurredOn;
    state.returnProof = o.returnProof;
    return close('early_return', o.recordedBy, { occurredOn: o.occurredOn, reason: o.reason, endedBy: o.endedBy, proof: o.returnProof });
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
    const sel = await awaitStep('recordSelection', 'employer selection', t.selectionDeadline, 'the preselection lapses (selection_expired)');
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
    const auth = await awaitStep('recordAuthorisation', 'work authorisation', t.authorisationDeadline, 'the selection lapses (authorisation_expired) and the post goes to the reserve list');
    if (auth.kind !== 'step') return closeUnless(auth, 'authorisation_expired');
    state.authorisationNumber = auth.payload.authorisationNumber;
    await transition('authorisation', 'authorised', auth.payload.recordedBy, { issuedOn: auth.payload.issuedOn });
    // The first authorisation is the multi-year one (4 years); added later, hence the patch marker.
    if (patched('multi-year-authorisation')) {
      await registerAuthorisation.executeWithOptions({ summary: 'multi-year authorisation registered' }, [{ cycleId, authorisationNumber: auth.payload.authorisationNumber, issuedOn: auth.payload.issuedOn }]);
    }
  }

  // 3. Visa file and consular decision; an incomplete file goes back for resubmission
  for (;;) {
    const file = await awaitStep('submitVisaFile', 'visa file submission', t.visaFileDeadline, 'the file lapses (visa_file_expired) and the post goes to the reserve list');
    if (file.kind !== 'step') return closeUnless(file, 'visa_file_expired');
    state.visaSubmissions += 1;
    state.visaFileReference = file.payload.fileReference;
    await transition(`visa_file_${state.visaSubmissions}`, 'visa_submitted', file.payload.submittedBy, {
      fileReference: file.payload.fileReference,
      submittedOn: file.payload.submittedOn,
    });

    let decision = await awaitStep('recordConsularDecision', 'consular decision', t.consularDecisionDeadline, 'escalated to the liaison team');
    if (decision.kind === 'timeout') {
      // Consular silence: escalate to the liaison team once, then give a last grace period.
      state.consularEscalated = true;
      await transition(`consular_silence_escalated_${state.visaSubmissions}`, 'visa_submitted', 'system', {
        fileReference: state.visaFileReference,
      });
      await notify(`consular_escalation_${state.visaSubmissions}`, ['consular_liaison'], 'consular_escalation');
      decision = await awaitStep('recordConsularDecision', 'consular decision (escalated)', t.consularEscalationGrace, 'the file lapses for consular silence (consular_silence) and the post goes to the reserve list');
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
  explain('Printing the contract, the return commitment and the pre-departure sheet.');
  const contractDocs = await issueContractDocuments.executeWithOptions({ summary: 'contract and return commitment printed' }, [{ cycleId }]);
  await notify('visa_issued', ['worker', 'employer'], 'visa_issued', contractDocs.documentIds);

  const pre = await awaitStep('recordPredeparture', 'pre-departure session and signatures', t.predepartureDeadline, 'the cycle closes (predeparture_expired) and the post goes to the reserve list');
  if (pre.kind !== 'step') return closeUnless(pre, 'predeparture_expired');
  await transition('predeparture', 'ready_to_depart', pre.payload.recordedBy, {
    sessionAttendedOn: pre.payload.sessionAttendedOn,
    contractSigned: true,
    returnCommitmentSigned: true,
  });

  // 5-6. Convocation to a sailing, then embarkation at the port; not embarked by departure + grace is a no-show, and so
  // is a passenger not aboard when the port closes boarding (the departure sends recordNoShow: the post is refilled at
  // once, not after the grace). An operator may release her from the sailing (releaseFromSailing, docs/runbook.md):
  // she is ready to depart again and the next convocation starts a new round (its step names carry the round).
  let emb: Waited<'recordEmbarkation' | 'recordNoShow' | 'releaseFromSailing'>;
  for (let round = 1; ; round += 1) {
    const suffix = round > 1 ? `_${round}` : '';
    const conv = await awaitStep('convoke', 'convocation to a departure', t.convocationDeadline, 'the cycle closes (convocation_expired) and the post goes to the reserve list');
    if (conv.kind !== 'step') return closeUnless(conv, 'convocation_expired');
    state.departureAt = conv.payload.departureAt;
    state.port = conv.payload.port;
    state.sailing = conv.payload.sailing;
    await transition(`convocation${suffix}`, 'convoked', conv.payload.recordedBy, { sailing: conv.payload.sailing });
    const letter = await issueConvocation.executeWithOptions({ summary: `convocation letter printed (sailing ${conv.payload.sailing})` }, [{
      cycleId,
      departureAt: conv.payload.departureAt,
      port: conv.payload.port,
      sailing: conv.payload.sailing,
      ...(round > 1 ? { version: round } : {}),
    }]);
    await notify(`convocation${suffix}`, ['worker'], 'convocation', [letter.documentId]);

    const untilNoShow = Math.max(0, Date.parse(conv.payload.departureAt) - Date.now()) + msToNumber(t.embarkationGrace);
    emb = await awaitStep(['recordEmbarkation', 'recordNoShow', 'releaseFromSailing'], 'embarkation', untilNoShow, 'the worker counts as a no-show (no_show) and the post is refilled');
    if (emb.kind !== 'step' || emb.step !== 'releaseFromSailing') break;
    const release: SailingRelease = emb.payload;
    state.departureAt = undefined;
    state.port = undefined;
    state.sailing = undefined;
    await transition(`released_from_sailing${suffix}`, 'ready_to_depart', release.releasedBy, { sailing: release.departureId, reason: release.reason });
  }
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
  const seasonEnds: readonly SeasonEnd[] = seasonOutcomes ? ['recordReturn', 'recordSeasonOutcome'] : ['recordReturn'];
  let ret: Waited<SeasonEnd>;
  // a trial period ended by either side: the contract is over, the cycle waits for the proof of the early return
  let trialEnded = false;
  if (trialPeriods) {
    // The season's end and the reminder are points in time: a trial period recorded on the way does not move them.
    const seasonEndsAt = Date.now() + seasonMs;
    let reminded = !(reminderLead > 0);
    for (;;) {
      const until = reminded ? seasonEndsAt : seasonEndsAt - reminderLead;
      const w = await awaitStep([...seasonEnds, 'recordTrialPeriod'], 'end of contract', Math.max(0, until - Date.now()),
        reminded ? 'the cycle waits for the proof of return' : 'a return reminder goes to the worker');
      if (w.kind === 'step' && w.step === 'recordTrialPeriod') {
        const trial = w.payload;
        state.trialPeriod = trial.outcome;
        if (trial.outcome === 'passed') {
          await transition('trial_period_passed', 'in_season', trial.recordedBy, { decidedOn: trial.decidedOn });
          continue;
        }
        await transition('trial_period_ended', 'awaiting_return', trial.recordedBy, { decidedOn: trial.decidedOn, endedBy: trial.endedBy });
        await notify('trial_period_ended', ['agency', 'employer'], 'trial_period_ended');
        ret = await awaitStep(seasonEnds, 'proof of the early return', t.returnGrace, 'a non-return is flagged to the agency and the employer');
        trialEnded = true;
        break;
      }
      if (w.kind === 'timeout' && !reminded) {
        reminded = true;
        await notify('return_reminder', ['worker'], 'return_reminder');
        continue;
      }
      ret = w as Waited<SeasonEnd>;
      break;
    }
  } else if (reminderLead > 0 && patched('return-reminder')) {
    ret = await awaitStep(seasonEnds, 'end of contract', seasonMs - reminderLead, 'a return reminder goes to the worker');
    if (ret.kind === 'timeout') {
      await notify('return_reminder', ['worker'], 'return_reminder');
      ret = await awaitStep(seasonEnds, 'end of contract', reminderLead, 'the cycle waits for the proof of return');
    }
  } else {
    ret = await awaitStep(seasonEnds, 'end of contract', seasonMs, 'the cycle waits for the proof of return');
  }
  if (ret.kind === 'step' && ret.step === 'recordSeasonOutcome') return endSeason(ret.payload);
  if (ret.kind !== 'step' && !trialEnded) {
    await transition('contract_ended', 'awaiting_return', 'system', { contractEnd: state.contractEnd });
    ret = await awaitStep(seasonEnds, 'proof of return', t.returnGrace, 'a non-return is flagged to the agency and the employer');
  }
  if (ret.kind === 'step' && ret.step === 'recordSeasonOutcome') return endSeason(ret.payload);
  let late = false;
  if (ret.kind !== 'step') {
    // Flag the non-return now (reports, re-hire block), but keep a window for a late yet proven return.
    state.nextSeasonEligible = false;
    await transition('non_return_flagged', 'awaiting_return', 'system', {});
    await notify('non_return_flagged', ['agency', 'employer'], 'non_return');
    ret = await awaitStep(seasonEnds, 'late proof of return', t.lateReturnWindow, 'the cycle closes as non_return and re-hire is blocked');
    if (ret.kind !== 'step') return close('non_return', 'system', { reason: 'no proof of return' });
    // a stable hire proven after the flag is still no non-return: no block
    if (ret.step === 'recordSeasonOutcome') return endSeason(ret.payload);
    late = true;
  }
  state.returnedOn = ret.payload.returnedOn;
  state.returnProof = ret.payload.proof;
  await transition('return_verified', 'awaiting_return', ret.payload.recordedBy, { proof: ret.payload.proof, late });
  return close(late ? 'returned_late' : 'returned', ret.payload.recordedBy, { nextSeasonEligible: !late });
}
