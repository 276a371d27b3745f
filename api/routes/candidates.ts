import { eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { candidates } from '../../db/schema';
import { notFound } from '../errors';
import { candidateInput, candidateView, errorSchema } from '../schemas';

type CandidateRow = typeof candidates.$inferSelect;
const view = (c: CandidateRow) => ({ ...c, createdAt: c.createdAt.toISOString() });

export const candidateRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  app.post(
    '/candidates',
    {
      schema: {
        tags: ['candidates'],
        summary: 'Register a candidate (one record per person, keyed on the national ID)',
        description: 'Returns 201 when registered, 200 with the existing record when the national ID is already known.',
        body: candidateInput,
        response: { 200: candidateView, 201: candidateView, 400: errorSchema },
      },
    },
    async (req, reply) => {
      const [created] = await db.insert(candidates).values(req.body).onConflictDoNothing().returning();
      if (created) return reply.code(201).send(view(created));
      const [existing] = await db.select().from(candidates).where(eq(candidates.nationalId, req.body.nationalId));
      return reply.code(200).send(view(existing!));
    },
  );

  app.get(
    '/candidates/:candidateId',
    {
      schema: {
        tags: ['candidates'],
        summary: 'A candidate',
        params: z.object({ candidateId: z.coerce.number().int().positive() }),
        response: { 200: candidateView, 400: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const [c] = await db.select().from(candidates).where(eq(candidates.id, req.params.candidateId));
      if (!c) throw notFound(`candidate ${req.params.candidateId}`);
      return view(c);
    },
  );
};
