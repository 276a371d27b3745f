import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { dataProtectionSettings } from '../../config';
import { logRead } from '../access-log';
import { actorOf } from '../auth/access';
import { reachOf } from '../auth/jurisdiction';
import { conflict, forbidden } from '../errors';
import { z } from 'zod';
import { personOr404, registerCandidate, type CandidateRow } from '../queries/candidates';
import { candidateInput, candidateView, dbIdParam } from '../schemas';
import { createdOrFound, route } from './define';

const view = (c: CandidateRow) => ({ ...c, createdAt: c.createdAt.toISOString() });

export const candidateRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, config } = app.deps;
  const { hmacKey } = dataProtectionSettings(config);

  app.post('/candidates', route({
    scope: 'candidate:register', tags: ['candidates'],
    summary: 'Register a candidate (one record per person, keyed on the national ID)',
    description: 'Returns 201 when registered, 200 with the existing record when the national ID is already known.',
    body: candidateInput, response: createdOrFound(candidateView),
  }), async (req, reply) => {
    const { province } = reachOf(actorOf(req));
    if (province !== undefined && req.body.province !== province) throw forbidden(`${req.body.province} is outside your agency's province (${province})`, [{ field: 'body.province', reason: `not ${province}` }]);
    const { candidate, created } = await registerCandidate(db, req.body, hmacKey);
    // the national ID is already registered in another province: not this agency's person, so not its record
    if (!created && province !== undefined && candidate.province !== province) {
      throw conflict(`${req.body.nationalId} is registered in another province`, [{ field: 'body.nationalId', reason: `registered outside ${province}` }]);
    }
    return reply.code(created ? 201 : 200).send(view(candidate));
  });

  app.get('/candidates/:candidateId', route({
    scope: 'candidate:read', tags: ['candidates'], summary: 'A candidate',
    params: z.object({ candidateId: dbIdParam }), response: { 200: candidateView }, problems: [404],
  }), async (req) => {
    const person = await personOr404(db, req.params.candidateId, reachOf(actorOf(req)));
    await logRead(db, req, person.id, 'candidate');
    return view(person);
  });
};
