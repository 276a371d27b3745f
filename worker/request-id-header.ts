// A request ID on its way through Temporal: the API's request ID (x-request-id) travels in this header on workflow
// starts, signals and Updates, and from a workflow to the activities it schedules. What a request ID may be is
// checked wherever one is read, since it goes into logs: a plain token, never free text (personal data).
// Runs in the workflow sandbox too (worker/workflow-interceptors.ts): pure code only.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A request ID: up to 128 of `A-Z a-z 0-9 . _ : -` (a UUID, a load balancer's or a caller's trace token). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export function isRequestId(v: unknown): v is string {
  return typeof v === 'string' && REQUEST_ID_PATTERN.test(v);
}

/** The request ID a Temporal header carries, when it carries a sane one. */
export function requestIdFromHeaders(headers: Record<string, Payload> | null | undefined): string | undefined {
  const payload = headers?.[REQUEST_ID_HEADER];
  if (!payload) return undefined;
  try {
    const v: unknown = defaultPayloadConverter.fromPayload(payload);
    return isRequestId(v) ? v : undefined;
  } catch {
    return undefined; // not a payload this converter reads: no request ID
  }
}

/** The headers with the request ID added (unchanged without one, or when they carry one already). */
export function headersWithRequestId<H extends Record<string, Payload>>(headers: H, requestId: string | undefined): H {
  if (!requestId || headers[REQUEST_ID_HEADER]) return headers;
  return { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) };
}
