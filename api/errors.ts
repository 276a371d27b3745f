// One error shape for the whole API: { statusCode, error, message, issues? } with the field and the reason.
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

export const notFound = (what: string) => new HttpError(404, `${what} not found`);
export const conflict = (message: string, issues?: FieldIssue[]) => new HttpError(409, message, issues);
export const unprocessable = (message: string, issues?: FieldIssue[]) => new HttpError(422, message, issues);
