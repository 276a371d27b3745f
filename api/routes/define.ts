// How a route declares itself, in one shape for every route file: who may call it (`config.access`, which
// api/auth/access.ts requires of every route, adding the 401 and 403 it answers), what the OpenAPI document says of
// it, and its answers. The 400 every route can answer (bad input, unstorable text) is filled in; a route names the
// other problems it answers (404, 409, 422).
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Scope } from '../auth/roles';
import { errorSchema } from '../schemas';

/** The problems a route answers beyond 400 (and access control's 401 and 403). */
export type RouteProblem = 404 | 409 | 422;

export interface RouteSpec {
  scope: Scope;
  tags: string[];
  /** when not given, api/app.ts derives one from the method and the path */
  operationId?: string;
  summary: string;
  description?: string;
  params?: z.ZodType;
  querystring?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
  consumes?: string[];
  produces?: string[];
  /** the successful answers, by status */
  response: Record<number, z.ZodType>;
  problems?: readonly RouteProblem[];
}

type Problems<S extends RouteSpec> = Record<400 | NonNullable<S['problems']>[number], typeof errorSchema>;

/** The options of a scoped route (`app.post(url, route({...}), handler)`): access, schema and problem answers. */
export function route<const S extends RouteSpec>(spec: S) {
  const { scope, problems = [], response, ...schema } = spec;
  const problemAnswers = Object.fromEntries([400, ...problems].map((status) => [status, errorSchema])) as Problems<S>;
  return { config: { access: { scope } }, schema: { ...(schema as Omit<S, 'scope' | 'problems' | 'response'>), response: { ...(response as S['response']), ...problemAnswers } } };
}

/**
 * The answers of a route that creates its thing once: 201 with it when this request created it, 200 with the same view
 * when the same request comes again (`reply.code(created ? 201 : 200)`).
 */
export function createdOrFound<V extends z.ZodType>(view: V) {
  return { 200: view, 201: view };
}

/** What a PDF route declares: it answers the PDF (`route({ ...pdfAnswer, scope, ... })`). */
export const pdfAnswer = { produces: ['application/pdf'], response: { 200: z.any().describe('the PDF') } };

/** A file to download (a PDF unless `type` says otherwise), with its entity tag when given. */
export function sendDownload(reply: FastifyReply, file: { name: string; content: string | Buffer | Uint8Array; type?: string; etag?: string }) {
  void reply.header('content-type', file.type ?? 'application/pdf').header('content-disposition', `attachment; filename="${file.name}"`);
  if (file.etag) void reply.header('etag', `"${file.etag}"`);
  return reply.send(file.content);
}
