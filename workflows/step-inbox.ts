// The inbox of a workflow's human steps: an Update accepted by its validator waits here until the workflow's
// main flow takes it, and is answered when the flow has persisted what the step caused (or refused if the flow
// moves on without it). One step at a time: a second step is refused while one is being applied.
import { condition, setHandler } from '@temporalio/workflow';
import type { Duration, UpdateDefinition } from '@temporalio/common';

interface Entry<K> {
  id: number;
  step: K;
  payload: unknown;
}

export type Taken<P, S extends keyof P> = S extends keyof P ? { kind: 'step'; step: S; payload: P[S] } : never;

export interface StepInbox<P, A> {
  /** Registers the Update handler of a step; `validate` throws to refuse it before it is recorded. */
  register<S extends keyof P>(step: S, def: UpdateDefinition<A, [P[S]]>, validate: (payload: P[S]) => void): void;
  /** Waits until one of `steps` arrives, `interrupt` turns true, or the timeout passes (its timer named `timerSummary` in the UI). */
  take<S extends keyof P>(steps: readonly S[], timeout: Duration, interrupt: () => boolean, timerSummary?: string): Promise<Taken<P, S> | undefined>;
  /** Answers the step the flow took (after the transition it caused was persisted). */
  acknowledge(answer: A): void;
  /** Refuses a step accepted but never taken (e.g. it raced a deadline or the close). */
  dropPending(reason: string): void;
  /** A step is accepted and not yet answered. */
  readonly busy: boolean;
}

export function createStepInbox<P, A>(refuse: (reason: string) => Error): StepInbox<P, A> {
  let nextId = 0;
  let pending: Entry<keyof P> | undefined; // accepted by a validator, not yet taken by the main flow
  let consumed: Entry<keyof P> | undefined; // taken by the main flow, answered at its next persisted transition
  const finished = new Map<number, A | { refused: string }>();

  return {
    register(step, def, validate) {
      setHandler(
        def,
        async (payload) => {
          const id = ++nextId;
          pending = { id, step, payload };
          await condition(() => finished.has(id));
          const answer = finished.get(id)!;
          finished.delete(id);
          if (answer && typeof answer === 'object' && 'refused' in answer) throw refuse(answer.refused);
          return answer as A;
        },
        { validator: validate },
      );
    },
    async take(steps, timeout, interrupt, timerSummary) {
      const awaited: readonly (keyof P)[] = steps;
      const ready = () => pending !== undefined && awaited.includes(pending.step);
      // the summary is user metadata on the timer command, which replay does not compare
      await condition(() => ready() || interrupt(), timeout, { summary: timerSummary });
      if (!pending || !ready()) return undefined;
      consumed = pending;
      pending = undefined;
      return { kind: 'step', step: consumed.step, payload: consumed.payload } as Taken<P, (typeof steps)[number]>;
    },
    acknowledge(answer) {
      if (!consumed) return;
      finished.set(consumed.id, answer);
      consumed = undefined;
    },
    dropPending(reason) {
      if (pending) finished.set(pending.id, { refused: reason });
      pending = undefined;
    },
    get busy() {
      return pending !== undefined || consumed !== undefined;
    },
  };
}
