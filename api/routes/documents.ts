import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { documentIdOf, documentLink } from '../public-ids';
import { actorOf } from '../auth/access';
import { reachOf, withinReach } from '../auth/jurisdiction';
import { notFound } from '../errors';
import { findCycle } from '../queries/cycles';
import { z } from 'zod';
import { cycleDocuments, documentOr404 } from '../queries/documents';
import { documentView } from '../schemas';
import { pdfAnswer, route, sendDownload } from './define';

export const documentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  app.get('/cycles/:cycleId/documents', route({
    scope: 'document:read', tags: ['documents'],
    summary: "A worker cycle's documents",
    params: z.object({ cycleId: z.string().max(200) }), response: { 200: z.array(documentView) }, problems: [404],
  }), async (req) => {
    // an unknown cycle, or one outside the caller's reach, is 404 (not an empty list)
    const cycle = await findCycle(db, req.params.cycleId);
    if (!cycle) throw notFound(`worker cycle ${req.params.cycleId}`);
    withinReach(actorOf(req), cycle, `worker cycle ${req.params.cycleId}`);
    const rows = await cycleDocuments(db, cycle.id, reachOf(actorOf(req)));
    return rows.map(documentLink);
  });

  app.get('/documents/:documentId', route({
    ...pdfAnswer, scope: 'document:read', tags: ['documents'],
    summary: 'Download a document (PDF)',
    params: z.object({ documentId: z.string().max(64).describe('the reference a document list or cycle gives') }), problems: [404],
  }), async (req, reply) => {
    const doc = await documentOr404(db, documentIdOf(req.params.documentId), reachOf(actorOf(req)));
    return sendDownload(reply, { name: doc.filename, content: doc.content, type: doc.contentType, etag: doc.sha256 });
  });
};
