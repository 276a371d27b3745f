import { asc, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { documents } from '../../db/schema';
import { notFound } from '../errors';
import { documentView, errorSchema } from '../schemas';

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
      const rows = await db
        .select({ id: documents.id, kind: documents.kind, version: documents.version, filename: documents.filename, sizeBytes: documents.sizeBytes, sha256: documents.sha256, createdAt: documents.createdAt })
        .from(documents)
        .where(eq(documents.cycleId, req.params.cycleId))
        .orderBy(asc(documents.id));
      return rows.map((d) => ({ ...d, createdAt: d.createdAt.toISOString(), url: `/documents/${d.id}` }));
    },
  );

  app.get(
    '/documents/:documentId',
    {
      schema: {
        tags: ['documents'],
        summary: 'Download a document (PDF)',
        params: z.object({ documentId: z.coerce.number().int().positive() }),
        response: { 200: z.any().describe('the PDF'), 400: errorSchema, 404: errorSchema },
        produces: ['application/pdf'],
      },
    },
    async (req, reply) => {
      const [doc] = await db.select().from(documents).where(eq(documents.id, req.params.documentId));
      if (!doc) throw notFound(`document ${req.params.documentId}`);
      return reply
        .header('content-type', doc.contentType)
        .header('content-disposition', `attachment; filename="${doc.filename}"`)
        .header('etag', `"${doc.sha256}"`)
        .send(doc.content);
    },
  );
};
