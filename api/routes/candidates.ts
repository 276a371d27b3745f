import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { personOr404, registerCandidate, type CandidateRow } from '../queries/candidates';
import { candidateInput, candidateView, errorSchema, dbIdParam } from '../schemas';

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
      const { candidate, created } = await registerCandidate(db, req.body);
      return reply.code(created ? 201 : 200).send(view(candidate));
    },
  );

  app.get(
    '/candidates/:candidateId',
    {
      schema: {
        tags: ['candidates'],
        summary: 'A candidate',
        params: z.object({ candidateId: dbIdParam }),
        response: { 200: candidateView, 400: errorSchema, 404: errorSchema },
      },
    },
    async (req) => view(await personOr404(db, req.params.candidateId)),
  );
};
