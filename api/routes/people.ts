// Data protection: a person's export (JSON and PDF), her erasure, who read her record (access log), and the
// retention rule run by hand (it also runs every night: workflows/retention.ts).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dataProtectionSettings } from '../../config';
import { anonymiseExpiredBatch } from '../../db/queries/erasure';
import { renderPersonExport } from '../../templates/render';
import { logRead } from '../access-log';
import { actorOf } from '../auth/access';
import { reachOf } from '../auth/jurisdiction';
import { conflict, notFound } from '../errors';
import { getPaged } from '../paging';
import { accessLogPage } from '../queries/access-log';
import { personOr404 } from '../queries/candidates';
import { erasePerson, personalRecord } from '../queries/people';
import { note } from '../schemas';
import { erasureView, exportDocumentData, exportView, personExportView, toErasureView } from '../views/people';
import { candidateParams } from './reintegration';
import { createdOrFound, pdfAnswer, route, sendDownload } from './define';

const erasureBody = z.object({
  reason: z.string().trim().min(3).max(500).describe("why: the person's request, its reference, the legal ground"),
  note,
});

const accessLogItem = z.object({
  id: z.number(),
  at: z.string(),
  actorSubject: z.string(),
  actorLabel: z.string(),
  actorRole: z.string(),
  purpose: z.string(),
  route: z.string(),
  detail: z.string().nullable(),
});

/** The most batches one manual run erases (500 each) before it answers; the nightly schedule takes the rest. */
const MANUAL_RUN_BATCHES = 20;

export const peopleRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, config } = app.deps;
  const settings = dataProtectionSettings(config);

  app.get('/people/:candidateId/export', route({
    scope: 'person:export', tags: ['data protection'],
    summary: 'Everything held about a person (JSON): record, seasons, audit trail, documents, authorisations, reintegration, call list, messages, access log',
    params: candidateParams, response: { 200: personExportView }, problems: [404],
  }), async (req) => {
    const record = await personalRecord(db, req.params.candidateId, reachOf(actorOf(req)));
    await logRead(db, req, record.person.id, 'export');
    return exportView(record, new Date());
  });

  app.get('/people/:candidateId/export.pdf', route({
    ...pdfAnswer, scope: 'person:export', tags: ['data protection'],
    summary: 'The same export printed (PDF, in her language and Spanish), to hand to the person',
    params: candidateParams, problems: [404],
  }), async (req, reply) => {
    const record = await personalRecord(db, req.params.candidateId, reachOf(actorOf(req)));
    await logRead(db, req, record.person.id, 'export_pdf');
    const pdf = await renderPersonExport({ ...exportDocumentData(record, new Date()), lang: record.person.language });
    return sendDownload(reply, { name: `person-${record.person.id}.pdf`, content: pdf });
  });

  app.post('/people/:candidateId/erasure', route({ scope: 'person:erase', tags: ['data protection'], params: candidateParams, body: erasureBody, response: createdOrFound(erasureView), problems: [404, 409],
    summary: "Erase a person's data (anonymise): identity, contact, household, documents and message texts; seasons and statistics kept",
    description: 'Refused with 409 naming the cycle while any of her cycles is open. Keeps province, sex, birth year, every stage, outcome, date and actor; the national ID becomes an irreversible token (HMAC) under which a block after a non-return still applies. 201 when erased; the same request again answers 200 with the first erasure.',
  }), async (req, reply) => {
    const actor = actorOf(req);
    const person = await personOr404(db, req.params.candidateId, reachOf(actor));
    const result = await erasePerson(db, {
      candidateId: person.id,
      kind: 'request',
      reason: req.body.reason,
      note: req.body.note,
      by: { subject: actor.subject, label: actor.label, role: actor.role },
      route: `${req.method} ${req.routeOptions.url}`,
      hmacKey: settings.hmacKey,
    });
    if (result.status === 'missing') throw notFound(`candidate ${person.id}`);
    if (result.status === 'open') {
      const open = result.cycles.map((c) => `${c.id} (${c.stage})`).join(', ');
      throw conflict(`candidate ${person.id} has a cycle still open: ${open}; erase once it is closed`, result.cycles.map((c) => ({ field: 'cycles', reason: `${c.id} is open at ${c.stage}` })));
    }
    return reply.code(result.status === 'erased' ? 201 : 200).send(toErasureView(result.erasure));
  });

  getPaged(app, '/people/:candidateId/access-log', {
    tags: ['data protection'],
    summary: "Who read a person's record, when, and through which route (newest first)",
    scope: 'audit:read',
    params: candidateParams,
    item: accessLogItem,
    load: async ({ candidateId }, page, actor) => {
      const person = await personOr404(db, candidateId, reachOf(actor));
      const { total, items } = await accessLogPage(db, person.id, page);
      return { total, items: items.map((e) => ({ ...e, at: e.at.toISOString() })) };
    },
  });

  app.post('/retention/run', route({
    scope: 'person:erase', tags: ['data protection'],
    summary: 'Run the retention rule now: anonymise candidates never selected whose retention period (RETENTION_UNSELECTED) has passed',
    description: `The nightly schedule runs the same rule. One call erases at most ${MANUAL_RUN_BATCHES * 500} people; \`more\` says others wait.`,
    response: { 200: z.object({ erased: z.number(), more: z.boolean(), olderThan: z.string() }) },
  }), async (req) => {
    const actor = actorOf(req);
    const by = { subject: actor.subject, label: actor.label, role: actor.role, route: `${req.method} ${req.routeOptions.url}` };
    let erased = 0;
    let more = true;
    for (let i = 0; more && i < MANUAL_RUN_BATCHES; i++) {
      const batch = await anonymiseExpiredBatch(db, settings, by);
      erased += batch.erased;
      more = batch.more;
    }
    return { erased, more, olderThan: settings.olderThan };
  });
};
