// Outages answered properly: when PostgreSQL or Temporal cannot be reached, or refused a request for a reason that
// passes (an Update the server dropped), the API answers 503 with Retry-After, never a bare 500. Nothing was
// changed by such a request, so the client may simply send it again.
import {
  ServiceError,
  WorkflowUpdateFailedError,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
  type WorkflowClientInterceptor,
} from '@temporalio/client';
import { ApplicationFailure, NamespaceNotFoundError } from '@temporalio/common';
import { isDbUnavailable } from '../db/errors';
import { UNPROCESSED_UPDATE } from '../workflows/contracts/errors';
import { requestIdClientInterceptor } from '../worker/request-ids';
import { tracingClientInterceptors, type Tracing } from '../worker/tracing';


export interface Outage {
  /** what is unavailable, for the message and the log */
  service: 'database' | 'Temporal';
  /** seconds the client should wait before sending the request again */
  retryAfter: number;
  message: string;
}

// gRPC status codes of a state that passes: DEADLINE_EXCEEDED 4, RESOURCE_EXHAUSTED 8, ABORTED 10, UNAVAILABLE 14
const PASSING_GRPC_CODES = new Set<number>([4, 8, 10, 14]);

function passingGrpcError(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 4; e = e.cause, i++) {
    if (isGrpcServiceError(e) && PASSING_GRPC_CODES.has(e.code)) return true;
  }
  return false;
}

/** The outage an error shows, or undefined when the error is something else. */
export function outageOf(err: unknown): Outage | undefined {
  if (isDbUnavailable(err)) {
    return { service: 'database', retryAfter: 5, message: 'the database is unavailable; nothing was changed, retry shortly' };
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === UNPROCESSED_UPDATE) {
    return { service: 'Temporal', retryAfter: 1, message: 'the step was not taken up by a worker; nothing was changed, retry shortly' };
  }
  // The production server reads its namespaces from its database: while that database restarts it answers "namespace
  // not found" for the one it serves (seen in the fault season, bench --faults). A namespace missing for good is a
  // deployment fault, unavailable too; either way nothing was done.
  if (
    err instanceof NamespaceNotFoundError ||
    err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    ((err instanceof ServiceError || isGrpcServiceError(err)) && passingGrpcError(err))
  ) {
    return { service: 'Temporal', retryAfter: 5, message: 'the workflow service is unavailable or too slow; retry shortly' };
  }
  return undefined;
}

/** Attempts for an Update the server dropped unprocessed (parallel Updates to one workflow, a worker restart). */
const UNPROCESSED_ATTEMPTS = 4;

/**
 * Client interceptor: an Update that Temporal rejected because no worker processed it ("Workflow Update is
 * rejected because it wasn't processed by worker") left nothing behind, so it is sent again with backoff
 * (50, 100, 200 ms); after the last attempt the caller sees the rejection, and the API answers 503.
 */
export const retryUnprocessedUpdates: WorkflowClientInterceptor = {
  async startUpdate(input, next) {
    for (let attempt = 1; ; attempt++) {
      const out = await next(input);
      const failureType = out.outcome?.failure?.applicationFailureInfo?.type;
      if (failureType !== UNPROCESSED_UPDATE || attempt >= UNPROCESSED_ATTEMPTS) return out;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
    }
  },
};

/**
 * Interceptors for every Temporal client of the project (API, worker's coordination activities, tests): dropped
 * Updates sent again, the current request ID sent along (worker/request-ids.ts).
 */
export const clientInterceptors = { workflow: [retryUnprocessedUpdates, requestIdClientInterceptor] };

/** The same, with the trace context sent along when the process traces (worker/tracing.ts). */
export function clientInterceptorsWith(tracing: Tracing | undefined): { workflow: WorkflowClientInterceptor[] } {
  return { workflow: [...tracingClientInterceptors(tracing), ...clientInterceptors.workflow] }; // one span around the retries
}

/**
 * The API's Temporal connection: a call that finds Temporal unavailable is retried 5 times with backoff (about
 * 2 s in all, the SDK's default is 10 times, about 20 s), then the request is answered 503 with Retry-After: the
 * operator's client retries, instead of a request that hangs.
 */
export const apiConnectionOptions: Pick<ConnectionOptions, 'interceptors'> = {
  interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 5 }))],
};
