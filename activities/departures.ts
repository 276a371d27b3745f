import type { ActivityDeps } from './deps';

export function createDepartureActivities(deps: ActivityDeps) {
  void deps;
  return {};
}
export type DepartureActivities = ReturnType<typeof createDepartureActivities>;
