// Counting what a workflow really did, from its history on the server.
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';

const E = proto.temporal.api.enums.v1.EventType;

export interface EventCounts {
  events: number;
  activities: number;
  /** local activities: their markers (name core_local_activity) */
  localActivities: number;
  timersStarted: number;
  timersFired: number;
  updatesAccepted: number;
  signals: number;
  searchAttributeUpserts: number;
  workflowTasks: number;
}

export function countEvents(history: temporal.api.history.v1.IHistory): EventCounts {
  const c: EventCounts = { events: 0, activities: 0, localActivities: 0, timersStarted: 0, timersFired: 0, updatesAccepted: 0, signals: 0, searchAttributeUpserts: 0, workflowTasks: 0 };
  for (const e of history.events ?? []) {
    c.events += 1;
    switch (e.eventType) {
      case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        c.activities += 1;
        break;
      case E.EVENT_TYPE_MARKER_RECORDED:
        if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') c.localActivities += 1;
        break;
      case E.EVENT_TYPE_TIMER_STARTED:
        c.timersStarted += 1;
        break;
      case E.EVENT_TYPE_TIMER_FIRED:
        c.timersFired += 1;
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        c.updatesAccepted += 1;
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        c.signals += 1;
        break;
      case E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        c.searchAttributeUpserts += 1;
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        c.workflowTasks += 1;
        break;
      default:
        break;
    }
  }
  return c;
}
