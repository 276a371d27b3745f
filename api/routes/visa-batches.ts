import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

// Consular visa batches (issue 3): filled in by the visa-batch work.
export const visaBatchRoutes: FastifyPluginAsyncZod = async () => {};
