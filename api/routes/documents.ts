import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cycleDocuments, documentOr404 } from '../queries/documents';
import { documentView, errorSchema, dbIdParam } from '../schemas';

export const documentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  app.get(
    '/cycles/:cycleId/documents',
    {
      schema: {
        tags: ['documents'],
        summary: "A worker cycle's documents",
        params: z.object({ cycleId: z.string() }),
        response: { 200: z.array(documentView) },
      },
    },
    async (req) => {
      const rows = await cycleDocuments(db, req.params.cycleId);
      return rows.map((d) => ({ ...d, createdAt: d.createdAt.toISOString(), url: `/documents/${d.id}` }));
    },
  );

  app.get(
    '/documents/:documentId',
    {
      schema: {
        tags: ['documents'],
        summary: 'Download a document (PDF)',
        params: z.object({ documentId: dbIdParam }),
        response: { 200: z.any().describe('the PDF'), 400: errorSchema, 404: errorSchema },
        produces: ['application/pdf'],
      },
    },
    async (req, reply) => {
      const doc = await documentOr404(db, req.params.documentId);
      return reply
        .header('content-type', doc.contentType)
        .header('content-disposition', `attachment; filename="${doc.filename}"`)
        .header('etag', `"${doc.sha256}"`)
        .send(doc.content);
    },
  );
};
