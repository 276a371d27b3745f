// One error shape for the whole API: { statusCode, error, message, issues? } with the field and the reason.
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
export const unprocessable = (message: string, issues?: FieldIssue[]) => new HttpError(422, message, issues);
