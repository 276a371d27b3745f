// OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then the process exports its spans over
// OTLP/HTTP (JSON) to <endpoint>/v1/traces, under its own service name, and its Temporal parts trace:
// - the API: a span per HTTP request (api/operations.ts), active while the route runs, so the client's
//   OpenTelemetryWorkflowClientInterceptor (StartWorkflow:…, SignalWorkflow:…, StartWorkflowUpdate:… spans) puts the
//   trace context into the headers of the workflow starts, signals and Updates it sends;
// - the worker: its workflows' spans (worker/workflow-interceptors.ts) through the `exporter` sink, a span per
//   activity (RunActivity:…), and its own client's starts and Updates from coordination activities.
// Unset: no provider, no exporter, no interceptor; a traced workflow's spans sent to the sink are dropped.
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { Config } from '../config';

export type TracedService = 'gecco-flow-api' | 'gecco-flow-worker';

export interface Tracing {
  readonly serviceName: TracedService;
  readonly tracer: Tracer;
  /** exports what has ended so far (tests; a process stopping) */
  flush(): Promise<void>;
  /** exports what is left and stops */
  shutdown(): Promise<void>;
  /** the worker's `exporter` sink for its workflows' spans */
  readonly workflowSinks: InjectedSinks<OpenTelemetrySinks>;
}

/**
 * The process's tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set, else undefined (and nothing of OpenTelemetry is
 * set up). Registers the provider globally (Node's AsyncLocalStorage context, W3C trace-context propagation), as the
 * Temporal interceptors expect; a second call in one process (tests run the API and the worker together) keeps the
 * first one's globals and uses its own tracer and resource.
 */
export function startTracing(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT'>, serviceName: TracedService): Tracing | undefined {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  const resource = new Resource({ 'service.name': serviceName, 'service.namespace': 'gecco-flow' });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  const exporter = makeWorkflowExporter(spanProcessor, resource);
  return {
    serviceName,
    tracer: provider.getTracer(serviceName),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
    workflowSinks: {
      exporter: {
        export: {
          // the workflow's identity only on its spans (the SDK would add its whole info: memo, search attributes…)
          fn: (info, spans) => exporter.export.fn(workflowIdentity(info), spans),
          callDuringReplay: false,
        },
      },
    },
  };
}

function workflowIdentity(info: WorkflowInfo): WorkflowInfo {
  const { namespace, taskQueue, workflowId, runId, workflowType, attempt } = info;
  return { namespace, taskQueue, workflowId, runId, workflowType, attempt } as WorkflowInfo;
}

/** A worker's sinks without tracing: a traced workflow's spans (its caller traces, this worker does not) are dropped. */
export const droppedWorkflowSpans: InjectedSinks<OpenTelemetrySinks> = {
  exporter: { export: { fn: () => undefined, callDuringReplay: false } },
};

/** The Temporal client's tracing interceptor, when tracing. */
export function tracingClientInterceptors(tracing: Tracing | undefined): WorkflowClientInterceptor[] {
  return tracing ? [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] : [];
}

/** The activities' tracing interceptors (a RunActivity span, trace IDs on log lines), when tracing. */
export function tracingActivityInterceptors(tracing: Tracing | undefined): ActivityInterceptorsFactory[] {
  if (!tracing) return [];
  return [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })];
}
