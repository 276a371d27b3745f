// The workflow interceptors bundled with the workflows (worker/create-worker.ts: workflowInterceptorModules). They
// run in Temporal's sandbox (pure code, linted as workflow code) and never change what a workflow commands, so
// recorded histories replay the same with or without them (test/replay.test.ts replays with them).
// - Request IDs: each activation takes the request ID (x-request-id header) of the start, signal or Update it
//   brings; the workflow keeps the last one it received, adds it to its log lines (`requestId`) and sends it on with
//   the activities, child workflows, signals and continue-as-new it issues. An activation that brings no request
//   (a timer, an activity's result) keeps the one before: the work an API request set off carries its ID.
// - OpenTelemetry (@temporalio/interceptors-opentelemetry): a workflow traces (RunWorkflow, HandleUpdate,
//   StartActivity… spans, exported through the worker's `exporter` sink) once a start, signal or Update reaches it
//   with a trace context, i.e. once a caller with tracing on sent it one. Without one, nothing of OpenTelemetry
//   runs: no tracer, no spans, no sink calls, and its modules are not even loaded. The sandbox gives each workflow
//   its own copy of every module it loads: loaded up front, OpenTelemetry's ~115 modules cost each workflow ~0.24 MB
//   of heap and ~2 ms at its start and at every replay after an eviction (docs/scale-out.md, worker memory).
import type {
  ActivateInput,
  ActivityInput,
  ContinueAsNewInput,
  DisposeInput,
  GetLogAttributesInput,
  LocalActivityInput,
  Next,
  SignalInput,
  SignalWorkflowInput,
  StartChildWorkflowExecutionInput,
  UpdateInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type { Payload } from '@temporalio/common';
import type { OpenTelemetryInboundInterceptor, OpenTelemetryInternalsInterceptor, OpenTelemetryOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/workflow';
import { headersWithRequestId, requestIdFromHeaders } from './request-id-header';

type Headers = Record<string, Payload>;

/** The header a traced caller's span context travels in (@temporalio/interceptors-opentelemetry's TRACE_HEADER; test/tracing.test.ts checks they agree). */
export const TRACE_HEADER = '_tracer-data';

/** OpenTelemetry's workflow interceptors, loaded by the first traced workflow (webpack bundles the module; this evaluates it). */
function loadOpenTelemetry(): typeof import('@temporalio/interceptors-opentelemetry/lib/workflow') {
  // a lazy load: untraced workflows never evaluate it
  return require('@temporalio/interceptors-opentelemetry/lib/workflow');
}

interface Otel {
  inbound: OpenTelemetryInboundInterceptor;
  outbound: OpenTelemetryOutboundInterceptor;
  internals: OpenTelemetryInternalsInterceptor;
}

/** One workflow's state, shared by its interceptors (the factory runs once per workflow execution). */
class RequestScope {
  requestId: string | undefined;
  /** OpenTelemetry's interceptors, made when the first trace context reaches the workflow */
  otel: Otel | undefined;

  /** Takes the request ID and trace context the activation's start, signal and Update jobs carry. */
  take(headers: Headers | null | undefined): void {
    if (!headers) return;
    this.requestId = requestIdFromHeaders(headers) ?? this.requestId;
    if (headers[TRACE_HEADER] && !this.otel) {
      const otel = loadOpenTelemetry();
      this.otel = { inbound: new otel.OpenTelemetryInboundInterceptor(), outbound: new otel.OpenTelemetryOutboundInterceptor(), internals: new otel.OpenTelemetryInternalsInterceptor() };
    }
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

  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    const otel = this.scope.otel;
    if (otel) void otel.internals.dispose(input, next);
    else next(input);
  }
}

class Inbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly scope: RequestScope) {}

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const otel = this.scope.otel;
    return otel ? otel.inbound.execute(input, next) : next(input);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    const otel = this.scope.otel;
    return otel ? otel.inbound.handleSignal(input, next) : next(input);
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    const otel = this.scope.otel;
    return otel ? otel.inbound.handleUpdate(input, next) : next(input);
  }
}

class Outbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly scope: RequestScope) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    const withId = { ...input, headers: this.scope.headers(input.headers) };
    const otel = this.scope.otel;
    return otel ? otel.outbound.scheduleActivity(withId, next) : next(withId);
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    const withId = { ...input, headers: this.scope.headers(input.headers) };
    const otel = this.scope.otel;
    return otel ? otel.outbound.scheduleLocalActivity(withId, next) : next(withId);
  }

  startChildWorkflowExecution(input: StartChildWorkflowExecutionInput, next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>): Promise<[Promise<string>, Promise<unknown>]> {
    const withId = { ...input, headers: this.scope.headers(input.headers) };
    const otel = this.scope.otel;
    return otel ? otel.outbound.startChildWorkflowExecution(withId, next) : next(withId);
  }

  signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>): Promise<void> {
    const withId = { ...input, headers: this.scope.headers(input.headers) };
    const otel = this.scope.otel;
    return otel ? otel.outbound.signalWorkflow(withId, next) : next(withId);
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    const withId = { ...input, headers: this.scope.headers(input.headers) };
    const otel = this.scope.otel;
    return otel ? otel.outbound.continueAsNew(withId, next) : next(withId);
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    const requestId = this.scope.requestId;
    const withId = requestId ? { ...input, requestId } : input;
    const otel = this.scope.otel;
    return otel ? otel.outbound.getLogAttributes(withId, next) : next(withId);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  const scope = new RequestScope();
  return { inbound: [new Inbound(scope)], outbound: [new Outbound(scope)], internals: [new Internals(scope)] };
};
