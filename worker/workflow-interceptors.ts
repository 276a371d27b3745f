// The workflow interceptors bundled with the workflows (worker/create-worker.ts: workflowInterceptorModules). They
// run in Temporal's sandbox (pure code, linted as workflow code) and never change what a workflow commands, so
// recorded histories replay the same with or without them (test/replay.test.ts replays with them).
// - Request IDs: each activation takes the request ID (x-request-id header) of the start, signal or Update it
//   brings; the workflow keeps the last one it received, adds it to its log lines (`requestId`) and sends it on with
//   the activities, child workflows, signals and continue-as-new it issues. An activation that brings no request
//   (a timer, an activity's result) keeps the one before: the work an API request set off carries its ID.
import type {
  ActivateInput,
  ActivityInput,
  ContinueAsNewInput,
  GetLogAttributesInput,
  LocalActivityInput,
  Next,
  SignalWorkflowInput,
  StartChildWorkflowExecutionInput,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type { Payload } from '@temporalio/common';
import { headersWithRequestId, requestIdFromHeaders } from './request-id-header';

type Headers = Record<string, Payload>;

/** One workflow's state, shared by its interceptors (the factory runs once per workflow execution). */
class RequestScope {
  requestId: string | undefined;

  /** Takes the request ID the activation's start, signal and Update jobs carry. */
  take(headers: Headers | null | undefined): void {
    if (!headers) return;
    this.requestId = requestIdFromHeaders(headers) ?? this.requestId;
  }

  /** Outbound headers with the request ID. */
  headers<H extends Headers>(headers: H): H {
    return headersWithRequestId(headers, this.requestId);
  }
}

class Internals implements WorkflowInternalsInterceptor {
  constructor(private readonly scope: RequestScope) {}

  activate(input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>): void {
    for (const job of input.activation.jobs ?? []) {
      this.scope.take((job.initializeWorkflow?.headers ?? job.signalWorkflow?.headers ?? job.doUpdate?.headers) as Headers | null | undefined);
    }
    next(input);
  }
}

class Outbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly scope: RequestScope) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    const withId = { ...input, headers: this.scope.headers(input.headers) };
    return next(withId);
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    const withId = { ...input, headers: this.scope.headers(input.headers) };
    return next(withId);
  }

  startChildWorkflowExecution(input: StartChildWorkflowExecutionInput, next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>): Promise<[Promise<string>, Promise<unknown>]> {
    const withId = { ...input, headers: this.scope.headers(input.headers) };
    return next(withId);
  }

  signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>): Promise<void> {
    const withId = { ...input, headers: this.scope.headers(input.headers) };
    return next(withId);
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    const withId = { ...input, headers: this.scope.headers(input.headers) };
    return next(withId);
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    const requestId = this.scope.requestId;
    const withId = requestId ? { ...input, requestId } : input;
    return next(withId);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  const scope = new RequestScope();
  return { outbound: [new Outbound(scope)], internals: [new Internals(scope)] };
};
