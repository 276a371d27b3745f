import type { ActivityDeps } from './deps';

export function createVisaBatchActivities(deps: ActivityDeps) {
  void deps;
  return {};
}
export type VisaBatchActivities = ReturnType<typeof createVisaBatchActivities>;
