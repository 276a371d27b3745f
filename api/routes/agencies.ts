// ANAPEC agencies by province and their call lists: whom to phone about each selection and convocation (and about
// messages that could not reach a worker), the outcome of each call by route or by file, and the escalation of a
// worker still unreachable after the configured calls.
import { reaches, withinReach } from '../auth/jurisdiction';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { csvText } from '../csv';
import { departureOr404 } from '../queries/departures';
import { actedBy, actorOf } from '../auth/access';
import { sendOutboxEmail } from '../../activities/outbox';
import { renderCallList } from '../../templates/render';
import { notFound } from '../errors';
import { FILE_MEDIA_TYPES, fileBody, readRows, validateRows, type RowError } from '../files';
import {
  agencyEntryIds,
  callEntryProvince,
  CALL_OUTCOMES,
  callList,
  departureConfirmations,
  getAgency,
  listAgencies,
  recordCall,
  upsertAgency,
  type RecordedCall,
} from '../queries/agencies';
import { dbIdParam } from '../schemas';
import { pdfAnswer, route, sendDownload } from './define';

const agencyInput = z.object({
  name: z.string().min(1).max(200),
  province: z.string().min(1).max(80).describe('province of origin the agency serves (one agency a province)'),
  email: z.email().describe('where escalations and documents for workers without e-mail go'),
  phone: z.string().max(40).optional(),
});
const agencyView = agencyInput.extend({ id: z.string(), phone: z.string().nullable() });
const callInput = z.object({
  outcome: z.enum(CALL_OUTCOMES),
  note: z.string().max(500).optional(),
});
const callView = z.object({ entryId: z.number(), attempts: z.number(), outcome: z.enum(CALL_OUTCOMES), escalated: z.boolean() });
const listQuery = z.object({
  purpose: z.string().optional().describe('selection, convocation, visa_issued, return_reminder'),
  dueOn: z.iso.date().optional().describe('the day the message is about (departure day for a convocation)'),
  departureId: z.string().optional(),
  campaignId: z.string().optional(),
  open: z.enum(['true', 'false']).optional().describe('true: only workers not yet reached'),
  format: z.enum(['json', 'csv']).optional().describe('or Accept: text/csv'),
});
const entryView = z.object({
  entryId: z.number(),
  cycleId: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  language: z.string(),
  purpose: z.string(),
  reason: z.string(),
  message: z.string(),
  dueOn: z.string(),
  departureId: z.string().nullable(),
  attempts: z.number(),
  outcome: z.string().nullable(),
  escalatedAt: z.string().nullable(),
});
const agencyParams = z.object({ agencyId: z.string() });
const CSV_COLUMNS = ['entryId', 'name', 'phone', 'message', 'date', 'reason', 'attempts', 'outcome'] as const;

export const agencyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, config, mailer } = app.deps;
  const escalateAfter = config.CALL_ATTEMPTS_BEFORE_ESCALATION ?? 3;

  /** The agency, within the caller's reach (an agency officer reaches its own province's agency only). */
  async function agencyOr404(req: FastifyRequest, id: string) {
    const agency = await getAgency(db, id);
    if (!agency) throw notFound(`agency ${id}`);
    return withinReach(actorOf(req), agency, `agency ${id}`);
  }

  /** A worker still unreachable: the national desk hears of it (through the outbox, once). */
  async function escalate(call: RecordedCall): Promise<void> {
    if (!call.escalated || !mailer || !config.MAIL_FROM || !config.AGENCY_EMAIL) return;
    await sendOutboxEmail({ db, mailer, config: { MAIL_FROM: config.MAIL_FROM } }, {
      key: `call-${call.entryId}:escalation`,
      cycleId: call.cycleId,
      to: [config.AGENCY_EMAIL],
      subject: `[GECCO] Travailleur(se) injoignable – ${call.worker.name} (${call.worker.province})`,
      body: `${call.worker.name} (${call.worker.province}) n'a pas pu être joint(e) après ${call.attempts} appels (dernier résultat : ${call.outcome}). Merci de la/le faire contacter autrement (visite, autorités locales).\n\nRéférence / Referencia : ${call.cycleId}\n`,
    });
  }

  app.put('/agencies/:agencyId', route({
    scope: 'agency:manage', tags: ['agencies'], operationId: 'putAgency',
    summary: 'Register or update the ANAPEC agency of a province',
    params: z.object({ agencyId: z.string().min(2).max(64).regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes') }), body: agencyInput, response: { 200: agencyView },
  }), async (req) => (await upsertAgency(db, { id: req.params.agencyId, ...req.body }))!);

  app.get('/agencies', route({ scope: 'agency:read', tags: ['agencies'], operationId: 'listAgencies', summary: 'The agencies, by province', response: { 200: z.array(agencyView) } }), async () => listAgencies(db));

  app.get('/agencies/:agencyId/call-list', route({
    scope: 'call_list:work', tags: ['agencies'], operationId: 'getCallList',
    summary: "An agency's workers to phone: name, phone, message to read, date",
    description: 'JSON, or CSV with Accept: text/csv or ?format=csv (columns entryId,name,phone,message,date,reason,attempts,outcome).',
    params: agencyParams, querystring: listQuery,
    response: { 200: z.union([z.object({ agencyId: z.string(), entries: z.array(entryView) }), z.string()]) }, problems: [404],
  }), async (req, reply) => {
    const agency = await agencyOr404(req, req.params.agencyId);
    const entries = await callList(db, agency.id, { ...req.query, open: req.query.open === 'true' });
    if (req.query.format === 'csv' || (req.query.format !== 'json' && req.headers.accept?.includes('text/csv'))) {
      const csv = csvText(CSV_COLUMNS, entries.map((e) => [e.entryId, e.name, e.phone, e.message, e.dueOn, e.reason, e.attempts, e.outcome]));
      return sendDownload(reply, { name: `appels-${agency.id}.csv`, content: `${csv}\n`, type: 'text/csv; charset=utf-8' });
    }
    return { agencyId: agency.id, entries: entries.map(({ firstName, lastName, ...e }) => (void firstName, void lastName, e)) };
  });

  app.get('/agencies/:agencyId/call-list.pdf', route({
    ...pdfAnswer, scope: 'call_list:work', tags: ['agencies'], operationId: 'getCallListPdf',
    summary: "An agency's call list as a PDF to print",
    params: agencyParams, querystring: listQuery.omit({ format: true }), problems: [404],
  }), async (req, reply) => {
    const agency = await agencyOr404(req, req.params.agencyId);
    const { open, ...filter } = req.query;
    const entries = await callList(db, agency.id, { ...filter, open: open === 'true' });
    const pdf = await renderCallList({
      agency,
      generatedAt: new Date().toISOString(),
      printedBy: actedBy(req),
      filter: Object.entries(filter).map(([k, v]) => `${k}=${v}`).join(', '),
      entries,
    });
    return sendDownload(reply, { name: `appels-${agency.id}.pdf`, content: pdf });
  });

  app.post('/call-list/:entryId/calls', route({
    scope: 'call_list:work', tags: ['agencies'], operationId: 'recordCall',
    summary: "Record a call's outcome: reached, confirmed, unreachable or wrong number",
    params: z.object({ entryId: dbIdParam }), body: callInput, response: { 200: callView }, problems: [404],
  }), async (req) => {
    const entryProvince = await callEntryProvince(db, req.params.entryId);
    if (entryProvince === undefined || !reaches(actorOf(req), { province: entryProvince })) throw notFound(`call list entry ${req.params.entryId}`);
    const call = await recordCall(db, req.params.entryId, { ...req.body, calledBy: actedBy(req) }, escalateAfter);
    if (!call) throw notFound(`call list entry ${req.params.entryId}`);
    await escalate(call);
    return { entryId: call.entryId, attempts: call.attempts, outcome: call.outcome, escalated: call.escalated };
  });

  app.post('/agencies/:agencyId/call-outcomes', route({
    scope: 'call_list:work', tags: ['agencies'], operationId: 'loadCallOutcomes',
    summary: 'Record call outcomes from a file (CSV or JSON)',
    description: "Columns: entryId, outcome (reached, confirmed, unreachable, wrong_number), and optionally note; the caller is recorded as who phoned. Bad rows are reported by line and field; good rows are recorded. Only the agency's own entries are accepted.",
    params: agencyParams, body: fileBody, consumes: FILE_MEDIA_TYPES,
    response: { 200: z.object({ rowsTotal: z.number(), rowsAccepted: z.number(), rowsRejected: z.number(), escalated: z.number(), errors: z.array(z.object({ line: z.number(), field: z.string(), reason: z.string() })) }) },
    problems: [404, 422],
  }), async (req) => {
    const agency = await agencyOr404(req, req.params.agencyId);
    const { rows } = await readRows(req, req.body);
    const { ok, errors } = await validateRows(rows, callInput.extend({ entryId: dbIdParam }));
    const own = await agencyEntryIds(db, agency.id, ok.map((r) => r.row.entryId));
    const rejected: RowError[] = [...errors];
    let accepted = 0;
    let escalated = 0;
    for (const { line, row } of ok) {
      if (!own.has(row.entryId)) {
        rejected.push({ line, field: 'entryId', reason: `entry ${row.entryId} is not on ${agency.id}'s call list` });
        continue;
      }
      const call = (await recordCall(db, row.entryId, { ...row, calledBy: actedBy(req) }, escalateAfter))!;
      await escalate(call);
      accepted += 1;
      if (call.escalated) escalated += 1;
    }
    const badLines = new Set(rejected.map((e) => e.line));
    return { rowsTotal: rows.length, rowsAccepted: accepted, rowsRejected: badLines.size, escalated, errors: rejected };
  });

  app.get('/departures/:departureId/confirmations', route({
    scope: 'departure:read', tags: ['agencies'], operationId: 'getDepartureConfirmations',
    summary: "A sailing's convocations as the agencies' calls left them (confirmed, reached, unreachable...)",
    params: z.object({ departureId: z.string() }),
    response: { 200: z.object({ departureId: z.string(), convoked: z.number(), confirmed: z.number(), reached: z.number(), unreachable: z.number(), wrongNumber: z.number(), escalated: z.number(), notCalled: z.number() }) },
    problems: [404],
  }), async (req) => departureConfirmations(db, (await departureOr404(db, req.params.departureId)).id));
};
