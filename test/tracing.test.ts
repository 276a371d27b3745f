// Tracing and request IDs from an API request through its workflow to the activities: the API and the worker export
// their spans over OTLP/HTTP (worker/tracing.ts) to a receiver in this test, and the worker's log lines (the SDK's
// workflow and activity loggers, through the Runtime's logger) carry the request's x-request-id.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { startTracing, type Tracing } from '../worker/tracing';
import { bulkOperationDone, openSampleCampaign, quietRuntime, startTestStack, uniqueSuffix, waitUntil, type StackTracing, type TestStack } from './support';

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttribute = { key: string; value: OtlpValue };
interface OtlpTraces {
  resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: OtlpAttribute[] }[] }[] }[];
}

const valueOf = (v: OtlpValue): unknown => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attributesOf = (attrs: OtlpAttribute[] = []) => Object.fromEntries(attrs.map((a) => [a.key, valueOf(a.value)]));

/** An OTLP/HTTP receiver: collects the spans POSTed (as JSON) to /v1/traces. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces' && /json/.test(req.headers['content-type'] ?? '')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces;
        for (const rs of body.resourceSpans ?? []) {
          const service = String(attributesOf(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              spans.push({ service, traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}), name: s.name, attributes: attributesOf(s.attributes) });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Every log line of the worker (workflow and activity loggers included), kept for the assertions. */
const logs: LogEntry[] = [];

let stack: TestStack;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let tracing: StackTracing;

beforeAll(async () => {
  quietRuntime(new DefaultLogger('DEBUG', (entry) => void logs.push(entry)));
  receiver = await startReceiver();
  const traced = (service: 'gecco-flow-api' | 'gecco-flow-worker'): Tracing => startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, service)!;
  tracing = { api: traced('gecco-flow-api'), worker: traced('gecco-flow-worker') };
  stack = await startTestStack({ tracing });
});

afterAll(async () => {
  await stack?.stop();
  await tracing?.api.shutdown();
  await tracing?.worker.shutdown();
  await receiver?.close();
});

describe('tracing and request IDs', () => {
  it('follows a candidate file from its API request through the bulk workflow to its activities, in one trace and in the logs', async () => {
    const { campaignId } = await openSampleCampaign(stack, 'trace', 'B21333333');
    const requestId = `trace-test-${uniqueSuffix()}`;
    const tag = Date.now().toString().slice(-6);
    const csv = ['nationalId,firstName,lastName,birthDate,sex,province,commune,householdSituation,phone,reserveRank', `TR${tag}1,Amina,Alaoui,1991-01-02,F,Kénitra,Mnasra,mariée,+212600000001,`].join('\n');
    const res = await stack.app.inject({
      method: 'POST',
      url: `/campaigns/${campaignId}/intake/candidates?loadedBy=coord@anapec.test`,
      headers: { 'content-type': 'text/csv', 'x-request-id': requestId },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['x-request-id']).toBe(requestId);
    // the bulk workflow ran its page (which started the candidate's cycle) and finished
    expect(await bulkOperationDone(stack.app, res.json().operationId as string)).toMatchObject({ total: 1, applied: 1 });

    // one trace: the API request, the workflow's start, its run, its activity, and the cycle the activity started
    const spansOf = async () => {
      await Promise.all([tracing.api.flush(), tracing.worker.flush()]);
      const request = receiver.spans.find((s) => s.service === 'gecco-flow-api' && s.attributes['gecco.request_id'] === requestId);
      if (!request) return undefined;
      const inTrace = receiver.spans.filter((s) => s.traceId === request.traceId);
      const names = new Set(inTrace.map((s) => `${s.service} ${s.name}`));
      const wanted = [
        'gecco-flow-api StartWorkflow:bulkOperationWorkflow',
        'gecco-flow-worker RunWorkflow:bulkOperationWorkflow',
        'gecco-flow-worker StartActivity:applyBulkPage',
        'gecco-flow-worker RunActivity:applyBulkPage',
        'gecco-flow-worker StartWorkflow:workerCycleWorkflow',
      ];
      return wanted.every((n) => names.has(n)) ? { request, inTrace } : undefined;
    };
    const { request, inTrace } = await waitUntil(spansOf, 30_000, 250);
    expect(request.name).toBe('POST /campaigns/:campaignId/intake/candidates');
    expect(request.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/campaigns/:campaignId/intake/candidates', 'http.response.status_code': 201 });
    // parent links: the start under the request, the run under the start, the activity under the workflow's span
    const byName = (service: string, name: string) => inTrace.find((s) => s.service === service && s.name === name)!;
    const start = byName('gecco-flow-api', 'StartWorkflow:bulkOperationWorkflow');
    const run = byName('gecco-flow-worker', 'RunWorkflow:bulkOperationWorkflow');
    const scheduled = byName('gecco-flow-worker', 'StartActivity:applyBulkPage');
    const activity = byName('gecco-flow-worker', 'RunActivity:applyBulkPage');
    expect(start.parentSpanId).toBe(request.spanId);
    expect(run.parentSpanId).toBe(start.spanId);
    expect(scheduled.parentSpanId).toBe(run.spanId);
    expect(activity.parentSpanId).toBe(scheduled.spanId);
    expect(run.attributes).toMatchObject({ workflowType: 'bulkOperationWorkflow' });
    expect(run.attributes).not.toHaveProperty('memo');

    // the request ID in the worker's log lines: the workflow's, its activity's, and the cycle its activity started
    await waitUntil(async () => {
      const withId = logs.filter((l) => l.meta?.requestId === requestId);
      const workflow = withId.find((l) => l.meta?.sdkComponent === 'worker' && l.meta?.workflowType === 'bulkOperationWorkflow' && l.message === 'Workflow completed');
      const activityLine = withId.find((l) => l.meta?.activityType === 'applyBulkPage' && l.message === 'Activity completed');
      const cycle = withId.find((l) => l.meta?.workflowType === 'workerCycleWorkflow' && l.message === 'Workflow started');
      return workflow && activityLine && cycle ? { workflow, activityLine, cycle } : undefined;
    }, 30_000, 250);
  });

  it('looks for the trace context in the header the SDK writes it to (the workflow interceptors load OpenTelemetry only when it is there)', async () => {
    const sdk = await import('@temporalio/interceptors-opentelemetry/lib/instrumentation');
    const ours = await import('../worker/workflow-interceptors');
    expect(ours.TRACE_HEADER).toBe(sdk.TRACE_HEADER);
  });

  it('replaces an x-request-id that is not a plain token (it could carry personal data) with a new one, also on the span', async () => {
    const { campaignId } = await openSampleCampaign(stack, 'trace-id', 'B21333334');
    const res = await stack.app.inject({ method: 'GET', url: `/campaigns/${campaignId}`, headers: { 'x-request-id': 'Fatima El Amrani' } });
    expect(res.statusCode).toBe(200);
    const made = res.headers['x-request-id'];
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    const span = await waitUntil(async () => {
      await tracing.api.flush();
      return receiver.spans.find((s) => s.attributes['gecco.request_id'] === made);
    }, 30_000, 100);
    expect(span).toMatchObject({ service: 'gecco-flow-api', name: 'GET /campaigns/:campaignId' });
    expect(JSON.stringify(receiver.spans)).not.toContain('Fatima');
  });
});
