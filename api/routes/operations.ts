// What operators look at beside the business records: the workflows that are stuck (api/stuck-workflows.ts).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { isGrpcServiceError } from '@temporalio/client';
import { z } from 'zod';
import { HttpError } from '../errors';
import { DEFAULT_MIN_ATTEMPTS, DEFAULT_SCAN, MAX_SCAN, findStuckWorkflows } from '../stuck-workflows';
import { route } from './define';

const WORKFLOW_TYPES = ['workerCycleWorkflow', 'campaignWorkflow', 'visaBatchWorkflow', 'departureWorkflow', 'bulkOperationWorkflow', 'retentionWorkflow'] as const;

const stuckQuery = z.object({
  minAttempts: z.coerce.number().int().min(2).max(1000).default(DEFAULT_MIN_ATTEMPTS).describe('an activity (or workflow task) at this attempt or beyond is stuck'),
  scan: z.coerce.number().int().min(1).max(MAX_SCAN).default(DEFAULT_SCAN).describe('running workflows to look at in this call (each is one describe on the Temporal server)'),
  cursor: z.string().max(4096).regex(/^[A-Za-z0-9_-]+$/, 'the nextCursor of a previous answer').optional().describe('where the previous answer stopped (its nextCursor)'),
  campaignId: z.string().max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a campaign id').optional(),
  workflowType: z.enum(WORKFLOW_TYPES).optional(),
});

const problemView = z.object({
  kind: z.enum(['activity', 'workflow_task']),
  activity: z.string().optional().describe('the activity retrying (kind activity)'),
  activityId: z.string().optional(),
  state: z.string().describe('scheduled (waiting for its next attempt or a worker), started, paused…'),
  attempt: z.number(),
  maximumAttempts: z.number().optional().describe('0: retried until it succeeds'),
  lastFailure: z.string().optional().describe('the last error, first line, without personal data'),
  lastFailureType: z.string().optional(),
  since: z.string().optional().describe('when the activity was first scheduled, or the first failing workflow task'),
  lastAttemptAt: z.string().optional(),
  nextAttemptAt: z.string().optional(),
});

const reportView = z.object({
  minAttempts: z.number(),
  scanned: z.number().describe('running workflows looked at'),
  workflows: z.array(
    z.object({
      workflowId: z.string(),
      runId: z.string(),
      workflowType: z.string(),
      taskQueue: z.string().optional(),
      startedAt: z.string().optional(),
      problems: z.array(problemView),
    }),
  ),
  nextCursor: z.string().optional().describe('more running workflows to look at: pass it as cursor'),
  query: z.string().describe('the visibility query of the running workflows looked at'),
});

export const operatorRoutes: FastifyPluginAsyncZod = async (app) => {
  const { temporal } = app.deps;

  app.get('/operations/stuck-workflows', route({
    scope: 'operations:read', tags: ['operations'],
    summary: 'Running workflows stuck on a failing workflow task or an activity retrying beyond a threshold',
    description:
      'Looks at up to `scan` running workflows (from `cursor`; of one campaign or workflow type when given) and lists those whose workflow task has failed `minAttempts` − 1 times in a row or whose activity is at attempt `minAttempts` or beyond, with the activity, the attempt, the last error and since when. The same listing as `npm run stuck`. How to read it: the Operators section of the README.',
    querystring: stuckQuery, response: { 200: reportView },
  }), async (req) => {
    try {
      return await findStuckWorkflows(temporal, req.query);
    } catch (err) {
      // a cursor that is not one of ours, or from another query: INVALID_ARGUMENT, or UNKNOWN from the dev
      // server's SQLite visibility (which cannot decode it)
      if (req.query.cursor && isGrpcServiceError(err) && (err.code === 3 || err.code === 2)) {
        throw new HttpError(400, 'invalid querystring.cursor: not the nextCursor of this listing', [{ field: 'querystring.cursor', reason: 'not the nextCursor of this listing' }]);
      }
      throw err;
    }
  });
};
