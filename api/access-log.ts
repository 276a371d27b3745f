// Reads of a person's full record are logged (api/queries/access-log.ts): one line in each route that serves one,
// after the record was found within the caller's reach.
import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/client';
import { actorOf } from './auth/access';
import { logAccess } from './queries/access-log';

export type ReadPurpose = 'candidate' | 'cycle' | 'history' | 'export' | 'export_pdf';

/** Logs that the caller read this person's record, through this route; `detail` names what besides (a cycle id). */
export function logRead(db: Db, req: FastifyRequest, candidateId: number, purpose: ReadPurpose, detail?: string): Promise<void> {
  const actor = actorOf(req);
  return logAccess(db, { candidateId, actorSubject: actor.subject, actorLabel: actor.label, actorRole: actor.role, purpose, route: `${req.method} ${req.routeOptions.url}`, detail: detail ?? null });
}
