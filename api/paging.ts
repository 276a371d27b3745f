// One paged shape for every list: ?limit=&offset= in, { total, limit, offset, items } out. No list answers more
// than MAX_PAGE items, so a 10,000-member batch or a 2,000-passenger sailing is read page by page.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from './auth/access';
import type { Actor, Scope } from './auth/roles';
import { z } from 'zod';
import { route } from './routes/define';

export const MAX_PAGE = 1000;

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100).describe(`items per page (1 to ${MAX_PAGE})`),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0).describe('items skipped'),
});
export type Page = z.infer<typeof pageQuery>;

/** The response schema of a list of `item`. */
export function paged<T extends z.ZodType>(item: T) {
  return z.object({
    total: z.number().describe('items in the whole list'),
    limit: z.number(),
    offset: z.number(),
    items: z.array(item),
  });
}

type App = Parameters<FastifyPluginAsyncZod>[0];

/**
 * A GET route answering one paged list: `load` reads the page (404 for an unknown parent) and maps its items;
 * the query, the response schema and the answer's shape are the same for every list.
 */
export function getPaged<P extends z.ZodObject, I extends z.ZodType>(
  app: App,
  url: string,
  list: { tags: string[]; summary: string; scope: Scope; params: P; item: I; load: (params: z.infer<P>, page: Page, actor: Actor) => Promise<{ total: number; items: z.infer<I>[] }> },
): void {
  app.get(
    url,
    route({ scope: list.scope, tags: list.tags, summary: `${list.summary} (paged)`, params: list.params, querystring: pageQuery, response: { 200: paged(list.item) }, problems: [404] }),
    async (req) => {
      const page = req.query as Page;
      const { total, items } = await list.load(req.params as z.infer<P>, page, actorOf(req));
      return { total, limit: page.limit, offset: page.offset, items };
    },
  );
}
