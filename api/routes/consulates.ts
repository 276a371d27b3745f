// The consulates that take visa files, and their weeks: the capacity a calendar week holds is the consulate's,
// shared by every campaign lodging there (api/queries/consular-weeks.ts counts it).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isoWeekMonday } from '../../workflows/contracts/visa-batch';
import { consulateOr404, consulateWeeks, listConsulates, upsertConsulate } from '../queries/consular-weeks';
import { route } from './define';

const consulateParams = z.object({ consulateId: z.string().min(2).max(40).regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes') });
const consulateInput = z.object({
  name: z.string().min(1).max(200),
  city: z.string().min(1).max(80),
  role: z.enum(['lodging', 'issuing']).default('lodging').describe('Rabat lodges the GECCO files, Tanger issues them'),
  weeklyCapacity: z.number().int().min(1).max(100_000).describe('visa files a calendar week, all campaigns together'),
});
const consulateView = consulateInput.extend({ id: z.string() }).meta({ id: 'Consulate' });
const weekView = z.object({
  weekStart: z.string().describe('the Monday of the ISO week'),
  capacity: z.number(),
  lodged: z.number().describe('files in batches lodged that week'),
  assembled: z.number().describe('files in batches assembled and not lodged yet: held until the end of the week'),
  single: z.number().describe('files lodged on their own'),
  campaigns: z.number().describe('campaigns with files that week'),
  left: z.number(),
});
const toView = (c: { id: string; name: string; city: string; role: 'lodging' | 'issuing'; weeklyCapacity: number }) => ({ id: c.id, name: c.name, city: c.city, role: c.role, weeklyCapacity: c.weeklyCapacity });

export const consulateRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  app.get('/consulates', route({
    scope: 'visa_batch:read', tags: ['visa batches'], operationId: 'listConsulates',
    summary: 'The consulates that take visa files, with their weekly capacity', response: { 200: z.array(consulateView) },
  }), async () => (await listConsulates(db)).map(toView));

  app.put('/consulates/:consulateId', route({
    scope: 'visa_batch:manage', tags: ['visa batches'], operationId: 'putConsulate',
    summary: "Register a consulate or change its weekly capacity (shared by every campaign lodging there)",
    params: consulateParams, body: consulateInput, response: { 200: consulateView },
  }), async (req) => toView(await upsertConsulate(db, { id: req.params.consulateId, ...req.body })));

  app.get('/consulates/:consulateId/weeks', route({
    scope: 'visa_batch:read', tags: ['visa batches'], operationId: 'getConsulateWeeks',
    summary: "A consulate's weeks: places taken by lodged and assembled batches and single lodgings, and left",
    params: consulateParams,
    querystring: z.object({ from: z.iso.date().optional().describe('any day of the first week (default: this week)'), weeks: z.coerce.number().int().min(1).max(52).default(8) }),
    response: { 200: z.object({ consulate: consulateView, weeks: z.array(weekView) }) }, problems: [404],
  }), async (req) => {
    const consulate = await consulateOr404(db, req.params.consulateId);
    const from = isoWeekMonday(req.query.from ?? new Date().toISOString().slice(0, 10));
    return { consulate: toView(consulate), weeks: await consulateWeeks(db, consulate, from, req.query.weeks) };
  });
};
