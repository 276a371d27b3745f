// The workflows' activity options, one definition for each policy they share. An activity with a heartbeat timeout
// is retried within seconds when its worker dies: the worker heartbeats while it runs (worker/activity-interceptors.ts).
import type { ActivityOptions, Duration, RetryPolicy } from '@temporalio/common';

/** Database writes and documents: retried from 1 s, backing off to a minute between attempts. */
export const RETRY_SHORT: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' };
/** Messages and escalations, which wait on other systems: retried from 2 s, backing off to five minutes. */
export const RETRY_PATIENT: RetryPolicy = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes' };

/** An activity that heartbeats: at most `startToCloseTimeout` an attempt, taken for lost after `heartbeatTimeout` of silence. */
export function heartbeating(startToCloseTimeout: Duration, heartbeatTimeout: Duration, retry: RetryPolicy = RETRY_SHORT): ActivityOptions {
  return { startToCloseTimeout, heartbeatTimeout, retry };
}
