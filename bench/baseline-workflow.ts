// The bench's baseline: a bare workflow per worker doing the same number of activities, timers and Updates as
// one worker cycle, with no-op activities, no database, no documents and no search attributes. Bundled on its
// own for a Worker in the bench process (task queue BASELINE_TASK_QUEUE), so it shares nothing with the project.
import { allHandlersFinished, condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler, sleep } from '@temporalio/workflow';

export const BASELINE_TASK_QUEUE = 'bench-baseline';

export interface BaselineInput {
  /** local activities in all (sequential, like the cycle's transitions: one at the start, one per step...) */
  localActivities: number;
  /** regular activities in all (documents and e-mails in the cycle), spread over the steps */
  activities: number;
  /** timers in all: one per awaited Update (a deadline that does not fire), the rest fire after firedTimerMs */
  timers: number;
  /** Updates to wait for, each a no-op validator + handler answered once the main flow has taken it */
  updates: number;
  /** length of each timer that fires (the season) */
  firedTimerMs: number;
  /** deadline of the awaited Updates (never reached in the bench) */
  deadlineMs: number;
}

export interface BaselineActivities {
  noop(step: number): Promise<void>;
}

export const baselineStepUpdate = defineUpdate<number, [number]>('step');

const { noop } = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const localNoop = proxyLocalActivities<BaselineActivities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
}).noop;

export async function baselineWorkflow(input: BaselineInput): Promise<number> {
  let received = 0;
  let taken = 0;
  setHandler(
    baselineStepUpdate,
    async (step) => {
      received = Math.max(received, step);
      await condition(() => taken >= step);
      return step;
    },
    {
      validator: (step) => {
        if (typeof step !== 'number' || step < 1) throw new Error('a step number is required');
      },
    },
  );

  const firedTimers = Math.max(0, input.timers - input.updates);
  // the local activities (the cycle's transitions): one at the start, one after each step and each fired timer,
  // the rest at the end; the regular ones (documents, e-mails): spread evenly after the steps, the rest at the end
  let localLeft = input.localActivities;
  let left = input.activities;
  const runLocal = async (n: number) => {
    for (let i = 0; i < n && localLeft > 0; i++, localLeft--) await localNoop(input.localActivities - localLeft + 1);
  };
  const run = async (n: number) => {
    for (let i = 0; i < n && left > 0; i++, left--) await noop(input.activities - left + 1);
  };
  const regularPerStep = Math.floor(input.activities / Math.max(1, input.updates));

  await runLocal(1);
  for (let step = 1; step <= input.updates; step++) {
    // the cycle's season (a timer that fires) comes before its last step, the return
    if (step === input.updates) {
      for (let t = 0; t < firedTimers; t++) {
        await sleep(input.firedTimerMs);
        await runLocal(1);
      }
    }
    // one deadline timer per awaited step, as in the cycle
    const got = await condition(() => received >= step, input.deadlineMs);
    if (!got) throw new Error(`step ${step} not received before its deadline`);
    await runLocal(1);
    taken = step;
    await run(regularPerStep);
  }
  await runLocal(localLeft);
  await run(left);
  await condition(allHandlersFinished);
  return input.activities - left + input.localActivities - localLeft;
}
