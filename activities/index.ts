// The activity factory: every context's activities, built once from the same dependencies.
import type { ActivityDeps } from './deps';
import { createCampaignActivities } from './campaign';
import { createCircularActivities } from './circular';
import { createCoordinationActivities } from './coordination';
import { createDepartureActivities } from './departures';
import { createRetentionActivities } from './retention';
import { createVisaBatchActivities } from './visa-batches';
import { createCycleActivities } from './worker-cycle';
import { createRepairActivities } from './repairs';
import { createInSeasonCaseActivities } from './in-season-cases';

export type { ActivityDeps } from './deps';
export type { CycleActivities, TransitionInput, NotificationInput, Audience } from './worker-cycle';
export type { CoordinationActivities } from './coordination';
export type { CampaignActivities } from './campaign';
export type { CircularActivities } from './circular';
export type { VisaBatchActivities } from './visa-batches';
export type { DepartureActivities } from './departures';
export type { RetentionActivities } from './retention';
export type { RepairActivities } from './repairs';
export type { InSeasonCaseActivities } from './in-season-cases';

export function createActivities(deps: ActivityDeps) {
  const cycle = createCycleActivities(deps);
  return {
    ...cycle,
    ...createCoordinationActivities(deps),
    ...createCampaignActivities(deps),
    ...createCircularActivities(deps),
    ...createVisaBatchActivities(deps),
    ...createDepartureActivities(deps),
    ...createRetentionActivities(deps),
    ...createRepairActivities(deps, cycle),
    ...createInSeasonCaseActivities(deps),
  };
}
