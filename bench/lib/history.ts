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

/** The event types counted one for one, and the count each adds to. */
const COUNTED = new Map<temporal.api.enums.v1.EventType, keyof EventCounts>([
  [E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 'activities'],
  [E.EVENT_TYPE_TIMER_STARTED, 'timersStarted'],
  [E.EVENT_TYPE_TIMER_FIRED, 'timersFired'],
  [E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, 'updatesAccepted'],
  [E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 'signals'],
  [E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, 'searchAttributeUpserts'],
  [E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 'workflowTasks'],
]);

export function countEvents(history: temporal.api.history.v1.IHistory): EventCounts {
  const c: EventCounts = { events: 0, activities: 0, localActivities: 0, timersStarted: 0, timersFired: 0, updatesAccepted: 0, signals: 0, searchAttributeUpserts: 0, workflowTasks: 0 };
  for (const e of history.events ?? []) {
    c.events += 1;
    // a local activity leaves a marker, not an event of its own
    const counted = e.eventType === E.EVENT_TYPE_MARKER_RECORDED
      ? (e.markerRecordedEventAttributes?.markerName === 'core_local_activity' ? 'localActivities' : undefined)
      : COUNTED.get(e.eventType ?? E.EVENT_TYPE_UNSPECIFIED);
    if (counted) c[counted] += 1;
  }
  return c;
}

/** A history's size as the server stores and sends it (protobuf-encoded; payloads as the codec left them). */
export function historyBytes(history: temporal.api.history.v1.IHistory): number {
  return proto.temporal.api.history.v1.History.encode(history).finish().byteLength;
}
