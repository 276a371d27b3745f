// The activity factory: every context's activities, built once from the same dependencies.
import type { ActivityDeps } from './deps';
import { createCoordinationActivities } from './coordination';
import { createCycleActivities } from './worker-cycle';

export type { ActivityDeps } from './deps';
export type { CycleActivities, TransitionInput, NotificationInput, Audience } from './worker-cycle';
export type { CoordinationActivities } from './coordination';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createCycleActivities(deps),
    ...createCoordinationActivities(deps),
  };
}
