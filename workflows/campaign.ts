// One campaign (season): stage moves refused when their preconditions fail; while posts can still be
// refilled it checks the reserve list on a timer. Counts live in PostgreSQL, so the history stays small;
// the run continues as new well before Temporal's history limits.
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, patched, proxyActivities, proxyLocalActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { RETRY_SHORT, heartbeating } from './activity-options';
import { msToNumber } from '@temporalio/common/lib/time';
import { whenText } from './contracts/explain';
import { StageKey } from './contracts/search-attributes';
import type { CampaignActivities } from '../activities/campaign';
import {
  CAMPAIGN_STAGES,
  RESERVE_STAGES,
  advanceStageUpdate,
  campaignStateQuery,
  stagePreconditionFailure,
  type CampaignInput,
  type CampaignState,
} from './contracts/campaign';
import { ERROR_OUT_OF_ORDER } from './contracts/errors';

// The worker heartbeats for every activity that has a heartbeat timeout (worker/activity-interceptors.ts): if it
// dies, a stage move's count is retried on another worker within seconds, not after the 5-minute timeout.
const { campaignCounts, recordCampaignStage, fillVacanciesFromReserve } = proxyActivities<CampaignActivities>(heartbeating('5 minutes', '10 seconds'));
// A stage move's count and record are short queries a coordinator waits on: as local activities they run in the
// workflow task that took the move, not behind the season's activity tasks (stage move p99 2.6 s at 500 workers).
// Added later, hence the 'stage-move-local' patch.
const local = proxyLocalActivities<CampaignActivities>({ startToCloseTimeout: '1 minute', localRetryThreshold: '10 seconds', retry: RETRY_SHORT });

const MAX_LOOPS_PER_RUN = 500;

export async function campaignWorkflow(input: CampaignInput): Promise<CampaignState> {
  const state: CampaignState = input.carried ?? { campaignId: input.campaignId, stage: 'draft', stages: [], reserveChecks: 0, reserveCalled: 0 };
  let moving = false;
  setHandler(campaignStateQuery, () => state);
  setHandler(
    advanceStageUpdate,
    async (move) => {
      moving = true;
      try {
        const inTask = patched('stage-move-local');
        const counts = await (inTask ? local.campaignCounts : campaignCounts).executeWithOptions({ summary: `counts for the move to ${move.to}` }, [{ campaignId: input.campaignId }]);
        const failure = stagePreconditionFailure(move.to, counts);
        if (failure) throw ApplicationFailure.create({ type: ERROR_OUT_OF_ORDER, message: `cannot move to ${move.to}: ${failure}`, nonRetryable: true });
        const at = new Date(Date.now()).toISOString();
        await (inTask ? local.recordCampaignStage : recordCampaignStage).executeWithOptions({ summary: `campaign moved to ${move.to}` }, [{ campaignId: input.campaignId, stage: move.to, by: move.by, at }]);
        state.stage = move.to;
        upsertSearchAttributes([{ key: StageKey, value: move.to }]);
        state.stages.push({ stage: move.to, at, by: move.by });
        return state;
      } finally {
        moving = false;
      }
    },
    {
      validator: (move) => {
        const from = CAMPAIGN_STAGES.indexOf(state.stage);
        const to = CAMPAIGN_STAGES.indexOf(move.to);
        if (moving) throw ApplicationFailure.create({ type: ERROR_OUT_OF_ORDER, message: 'another stage move is in progress' });
        if (to !== from + 1) {
          throw ApplicationFailure.create({
            type: ERROR_OUT_OF_ORDER,
            message: `the campaign is at ${state.stage}: the next stage is ${CAMPAIGN_STAGES[from + 1] ?? 'none'}, not ${move.to}`,
          });
        }
      },
    },
  );

  for (let loops = 0; state.stage !== 'closed'; loops++) {
    const stageBefore = state.stage;
    const stageChanged = () => state.stage !== stageBefore;
    const standing = `Campaign ${input.campaignId}, season ${input.season} · stage ${state.stage} · ${state.reserveChecks} reserve checks, ${state.reserveCalled} reserve candidates called`;
    // Outside the reserve stages nothing needs a timer: just wait for the next move.
    if (!RESERVE_STAGES.includes(state.stage)) {
      setCurrentDetails(`**Waiting for a coordinator's next stage move** (no deadline; the next is ${CAMPAIGN_STAGES[CAMPAIGN_STAGES.indexOf(state.stage) + 1] ?? 'none'}).\n\n${standing}`);
      await condition(stageChanged);
      continue;
    }
    setCurrentDetails(`**Waiting for a stage move** or the next reserve-list check at ${whenText(Date.now() + msToNumber(input.reserveCheckInterval))}, then posts left by drop-outs go to the next reserve candidates.\n\n${standing}`);
    await condition(stageChanged, input.reserveCheckInterval, { summary: 'next reserve-list check' });
    if (RESERVE_STAGES.includes(state.stage)) {
      const r = await fillVacanciesFromReserve.executeWithOptions({ summary: 'posts of drop-outs offered to the reserve list' }, [{ campaignId: input.campaignId }]);
      state.reserveChecks += 1;
      state.reserveCalled += r.called;
      state.lastReserveCheckAt = new Date(Date.now()).toISOString();
    }
    if (loops >= MAX_LOOPS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(() => allHandlersFinished() && !moving);
      await continueAsNew<typeof campaignWorkflow>({ ...input, carried: state });
    }
  }
  setCurrentDetails(`**Closed.** Campaign ${input.campaignId}, season ${input.season}: ${state.reserveChecks} reserve checks, ${state.reserveCalled} reserve candidates called.`);
  await condition(allHandlersFinished);
  return state;
}
