import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

// Departures (sailings), embarkation and returns (issue 3): filled in by the departures work.
export const departureRoutes: FastifyPluginAsyncZod = async () => {};
