// One error shape for the whole API: RFC 9457 problem details, with the field and the reason of each issue.
import type { FastifyReply } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/client';

export interface FieldIssue {
  field: string;
  reason: string;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
  }
}

/** The workflow a request addresses has closed (or was never started): the request comes too late. */
export function workflowClosed(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed/i.test(err.message));
}

export const notFound = (what: string) => new HttpError(404, `${what} not found`);
export const conflict = (message: string, issues?: FieldIssue[]) => new HttpError(409, message, issues);
export const forbidden = (message: string, issues?: FieldIssue[]) => new HttpError(403, message, issues);
export const unprocessable = (message: string, issues?: FieldIssue[]) => new HttpError(422, message, issues);

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Errors as RFC 9457 problem details; `statusCode`, `error`, `message` and `issues` (field and reason) are kept
 * as extension members, so clients written for the first shape keep working. */
export function sendProblem(reply: FastifyReply, statusCode: number, message: string, issues?: FieldIssue[]) {
  const title = STATUS_TEXT[statusCode] ?? 'Error';
  return reply
    .code(statusCode)
    .type('application/problem+json')
    .send({ type: 'about:blank', title, status: statusCode, detail: message, instance: reply.request.url.split('?')[0], statusCode, error: title, message, ...(issues ? { issues } : {}) });
}
