import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actedBy } from '../auth/access';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { campaignAttributes, startContextWorkflow } from '../../activities/start-workflow';
import type { campaignWorkflow } from '../../workflows/campaign';
import { CAMPAIGN_TASK_QUEUE, advanceStageUpdate, campaignWorkflowId } from '../../workflows/contracts/campaign';
import { StageKey } from '../../workflows/contracts/search-attributes';
import { conflict, notFound, unprocessable, type FieldIssue } from '../errors';
import { getPaged } from '../paging';
import { campaignOr404, insertCampaign, listCampaigns, loadCampaignView } from '../queries/campaigns';
import { contractLengthViolation, contractMonths } from '../../workflows/contracts/circular';
import { campaignInput, campaignView, idempotencyHeaders, stageMoveBody } from '../schemas';
import { campaignListItem, campaignParams, listItem } from '../views/campaigns';
import { route } from './define';

function checkOfferDates(body: z.infer<typeof campaignInput>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  body.offers.forEach((o, i) => {
    const field = `body.offers.${i}`;
    const period = { start: o.contractStart, end: o.contractEnd };
    // the same rule as the eligibility gate: 3 to 9 months, no tolerance
    const length = contractLengthViolation(period);
    if (length) issues.push({ field: `${field}.contractEnd`, reason: length });
    else if (Math.abs(contractMonths(period) - o.contractMonths) > 1) {
      issues.push({ field: `${field}.contractMonths`, reason: `${o.contractMonths} months does not match the contract dates (${contractMonths(period)} months)` });
    }
    if (Number(o.contractStart.slice(0, 4)) < body.season - 1 || Number(o.contractStart.slice(0, 4)) > body.season + 1) {
      issues.push({ field: `${field}.contractStart`, reason: `the contract does not start in season ${body.season}` });
    }
  });
  return issues;
}

/** Offer IDs as given, or <campaign>-<employer>-<n>; 422 when two offers share one. */
function offerIdsOf(body: z.infer<typeof campaignInput>): string[] {
  const perEmployer = new Map<string, number>();
  const offerIds = body.offers.map((o) => {
    const n = (perEmployer.get(o.employer.id) ?? 0) + 1;
    perEmployer.set(o.employer.id, n);
    return o.id ?? `${body.id}-${o.employer.id.toLowerCase()}-${n}`;
  });
  const dup = offerIds.find((id, i) => offerIds.indexOf(id) !== i);
  if (dup) throw unprocessable(`offer id ${dup} appears twice`, [{ field: 'body.offers', reason: `duplicate offer id ${dup}` }]);
  return offerIds;
}

/** The season's workflow, started once its rows are committed (or found running). */
function startCampaignWorkflow(temporal: Client, c: { id: string; season: number; reserveCheckInterval: string }) {
  return startContextWorkflow<typeof campaignWorkflow>(temporal, {
    workflowType: 'campaignWorkflow',
    workflowId: campaignWorkflowId(c.id),
    taskQueue: CAMPAIGN_TASK_QUEUE,
    args: [{ campaignId: c.id, season: c.season, reserveCheckInterval: c.reserveCheckInterval as never }],
    searchAttributes: [...campaignAttributes(c.id, c.season), { key: StageKey, value: 'draft' }],
  });
}

export const campaignRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, config } = app.deps;

  app.post('/campaigns', route({
    scope: 'campaign:manage', tags: ['campaigns'],
    summary: 'Create a campaign (season) with its employers and offers',
    description: '409 when the campaign exists; a retried creation whose first attempt stopped before its workflow started starts it.',
    body: campaignInput, response: { 201: campaignView }, problems: [409, 422],
  }), async (req, reply) => {
    const body = req.body;
    const issues = checkOfferDates(body);
    if (issues.length) throw unprocessable(`invalid offer terms: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`, issues);
    const written = await insertCampaign(db, body, offerIdsOf(body), actedBy(req, body.note));
    if (written === 'exists') {
      const existing = await campaignOr404(db, body.id);
      await startCampaignWorkflow(temporal, { id: existing.id, season: existing.season, reserveCheckInterval: config.RESERVE_CHECK_INTERVAL });
      throw conflict(`campaign ${body.id} already exists`, [{ field: 'body.id', reason: 'already exists' }]);
    }
    await startCampaignWorkflow(temporal, { id: body.id, season: body.season, reserveCheckInterval: body.reserveCheckInterval ?? config.RESERVE_CHECK_INTERVAL });
    return reply.code(201).send((await loadCampaignView(db, body.id))!);
  });

  getPaged(app, '/campaigns', { scope: 'campaign:read',
    tags: ['campaigns'],
    summary: 'List campaigns, by season',
    params: z.object({}),
    item: campaignListItem,
    load: async (_params, page) => {
      const { total, rows } = await listCampaigns(db, page);
      return { total, items: rows.map(listItem) };
    },
  });

  app.get('/campaigns/:campaignId', route({
    scope: 'campaign:read', tags: ['campaigns'],
    summary: 'A campaign with its offers, quota fill and per-stage counts',
    params: campaignParams, response: { 200: campaignView }, problems: [404],
  }), async (req) => {
    const view = await loadCampaignView(db, req.params.campaignId);
    if (!view) throw notFound(`campaign ${req.params.campaignId}`);
    return view;
  });

  app.post('/campaigns/:campaignId/stage', route({
    scope: 'campaign:manage', tags: ['campaigns'],
    summary: 'Move the campaign to its next stage (refused with 409 when out of order or its preconditions fail)',
    params: campaignParams, body: stageMoveBody, headers: idempotencyHeaders,
    response: { 200: z.object({ campaignId: z.string(), stage: z.string(), stages: z.array(z.object({ stage: z.string(), at: z.string(), by: z.string() })) }) },
    problems: [404, 409],
  }), async (req) => {
    const campaign = await campaignOr404(db, req.params.campaignId);
    const state = await temporal.workflow.getHandle<typeof campaignWorkflow>(campaignWorkflowId(campaign.id)).executeUpdate(advanceStageUpdate, {
      args: [{ to: req.body.to, by: actedBy(req, req.body.note) }],
      // a retried move with the same key answers the first one instead of 409 'already there'
      ...(req.headers['idempotency-key'] ? { updateId: `api:stage:${req.headers['idempotency-key']}` } : {}),
    });
    return { campaignId: state.campaignId, stage: state.stage, stages: state.stages };
  });
};
