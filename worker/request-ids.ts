// Request IDs through Temporal, on the Node side (the workflow side: worker/workflow-interceptors.ts):
// - the API runs each route's handler with its request ID current (api/operations.ts), an activity runs with the
//   request ID its workflow sent it (the activity interceptor below);
// - every Temporal client of the project (api/outage.ts: clientInterceptors) puts the current request ID in the
//   x-request-id header of the workflow starts, signals and Updates it sends, so a coordination activity's starts and
//   Updates carry on the request ID of the API request that led to them;
// - an activity's log lines (the SDK's activity logger: Context.log, 'Activity completed', 'Activity failed', …)
//   carry it as `requestId`.
// A request ID is a plain token (worker/request-id-header.ts): never personal data.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, ActivityOutboundCallsInterceptor } from '@temporalio/worker';
import { headersWithRequestId, isRequestId, requestIdFromHeaders } from './request-id-header';

const current = new AsyncLocalStorage<string>();

/** Runs `fn` with `requestId` as the current request ID (what Temporal calls made inside it send on). */
export function withRequestId<T>(requestId: string | undefined, fn: () => T): T {
  return isRequestId(requestId) ? current.run(requestId, fn) : fn();
}

/** The request ID of the API request or the activity this code runs for, if any. */
export function currentRequestId(): string | undefined {
  return current.getStore();
}

/** Client interceptor: the current request ID goes with every workflow start, signal and Update. */
export const requestIdClientInterceptor: WorkflowClientInterceptor = {
  startWithDetails: (input, next) => next({ ...input, headers: headersWithRequestId(input.headers, currentRequestId()) }),
  signal: (input, next) => next({ ...input, headers: headersWithRequestId(input.headers, currentRequestId()) }),
  signalWithStart: (input, next) => next({ ...input, headers: headersWithRequestId(input.headers, currentRequestId()) }),
  startUpdate: (input, next) => next({ ...input, headers: headersWithRequestId(input.headers, currentRequestId()) }),
  startUpdateWithStart: (input, next) => {
    const requestId = currentRequestId();
    return next({ ...input, workflowStartHeaders: headersWithRequestId(input.workflowStartHeaders, requestId), updateHeaders: headersWithRequestId(input.updateHeaders, requestId) });
  },
};

/**
 * Activity interceptors: the activity runs with its workflow's request ID current, and its log lines carry it.
 * The SDK logs 'Activity started' before any interceptor sees the activity's headers: that line has none;
 * every later one ('Activity completed', 'Activity failed', Context.log) has it.
 */
export const requestIdActivityInterceptors: ActivityInterceptorsFactory = () => {
  let requestId: string | undefined;
  const inbound: ActivityInboundCallsInterceptor = {
    execute(input, next) {
      requestId = requestIdFromHeaders(input.headers);
      return withRequestId(requestId, () => next(input));
    },
  };
  const outbound: ActivityOutboundCallsInterceptor = {
    getLogAttributes: (input, next) => next(requestId ? { ...input, requestId } : input),
  };
  return { inbound, outbound };
};
