// One paged shape for every list: ?limit=&offset= in, { total, limit, offset, items } out. No list answers more
// than MAX_PAGE items, so a 10,000-member batch or a 2,000-passenger sailing is read page by page.
import { z } from 'zod';

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

/** A page of rows (read with the page's limit and offset) mapped to their view. */
export function pageOf<R, V>(page: Page, total: number, rows: R[], view: (row: R, index: number) => V) {
  return { total, limit: page.limit, offset: page.offset, items: rows.map((r, i) => view(r, page.offset + i)) };
}
