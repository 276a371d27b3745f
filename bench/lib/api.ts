// A thin HTTP client for the bench: every request carries a bearer token of the identity it acts as (renewed before it
// expires), its latency is recorded (for p50/p99), and a status the caller expects (e.g. a 409 when a week's visa
// capacity is used) is returned, not thrown. An outage (503 with Retry-After, a refused or reset connection, a request
// cut off by its timeout) is ridden through as a desk's script would: the same request is sent again after the
// Retry-After or a backoff, for up to `outageBudgetMs`. That is safe because every request the bench repeats is
// idempotent (see SeasonDriver: files by their hash, steps by their update ID, sailings by port and time, visa batches
// by their Idempotency-Key); the answer says how many attempts it took, so a caller can read a 409 after a retry as
// "the first attempt already did it".

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  /** 1 unless the request was sent again after an outage */
  attempts: number;
}

/** Answers that say "not now, nothing changed, send it again": service unavailable, a proxy's 502/504, rate limit. */
const OUTAGE_STATUSES = new Set([429, 502, 503, 504]);

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${url} answered ${status}: ${typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body).slice(0, 500)}`);
  }
}

/** Route template of a URL (IDs and query strings dropped), to break latencies down by endpoint. */
export function routeOf(method: string, url: string): string {
  const pathname = url.split('?')[0] ?? url;
  const parts = pathname.split('/').map((seg, i, all) => {
    if (i === 0 || seg === '') return seg;
    const prev = all[i - 1];
    // /campaigns/:id, /cycles/:id, /bulk-operations/:id, /visa-batches/:id, /departures/:id, /documents/:id
    if (prev && ['campaigns', 'cycles', 'bulk-operations', 'visa-batches', 'departures', 'documents', 'candidates'].includes(prev)) return ':id';
    return seg;
  });
  return `${method} ${parts.join('/')}`;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** What the requests of one bench run measured, shared by the clients of its identities. */
class Measurements {
  readonly latencies: number[] = [];
  readonly byRoute = new Map<string, number[]>();
  readonly statuses = new Map<number, number>();
  /** the slowest requests, to say which call of a route was slow and when (seconds since the first request) */
  readonly slowest: { request: string; ms: number; atSeconds: number }[] = [];
  readonly firstAt = performance.now();
  errors = 0;
  /** requests sent again after an outage answer or a network error, and the longest a request waited that way */
  retries = 0;
  retriedRequests = 0;
  longestOutageMs = 0;
}

const SLOWEST_KEPT = 15;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Api {
  constructor(
    readonly baseUrl: string,
    /** the bearer token to send (clientCredentialsToken: renewed before it expires) */
    private readonly token: () => Promise<string>,
    private readonly timeoutMs = 120_000,
    private readonly record = new Measurements(),
    /** how long one request keeps being sent again through an outage before it fails */
    private readonly outageBudgetMs = 5 * 60_000,
  ) {}

  /** The same API called as another identity; its requests count in the same summary. */
  as(token: () => Promise<string>): Api {
    return new Api(this.baseUrl, token, this.timeoutMs, this.record, this.outageBudgetMs);
  }

  /**
   * One request, sent again through an outage: a 503/502/504/429 answer (after its Retry-After, else a backoff of
   * 0.5 s doubling to 8 s) or a network error or timeout (backoff), until it gets another answer or the budget is spent.
   */
  async request<T = unknown>(
    method: 'GET' | 'POST',
    url: string,
    opts: { json?: unknown; csv?: string; expect?: number[]; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let outcome: { res: ApiResponse<T>; retryAfterMs?: number } | { error: Error };
      try {
        outcome = await this.once<T>(method, url, opts);
      } catch (err) {
        outcome = { error: err as Error };
      }
      const waited = Date.now() - started;
      const backoff = Math.min(8_000, 500 * 2 ** Math.min(attempt - 1, 4));
      const again = 'error' in outcome ? !(outcome.error instanceof ApiError) : OUTAGE_STATUSES.has(outcome.res.status) && !(opts.expect ?? []).includes(outcome.res.status);
      if (!again || waited > this.outageBudgetMs) {
        if (attempt > 1) {
          this.record.retriedRequests += 1;
          this.record.longestOutageMs = Math.max(this.record.longestOutageMs, waited);
        }
        if ('error' in outcome) throw outcome.error;
        const ok = outcome.res.status >= 200 && outcome.res.status < 300;
        if (!ok && !(opts.expect ?? []).includes(outcome.res.status)) throw new ApiError(method, url, outcome.res.status, outcome.res.body);
        return { ...outcome.res, attempts: attempt };
      }
      this.record.retries += 1;
      await sleep('error' in outcome ? backoff : (outcome.retryAfterMs ?? backoff));
    }
  }

  /** One attempt: the answer (whatever its status) or a network error. */
  private async once<T>(method: 'GET' | 'POST', url: string, opts: { json?: unknown; csv?: string; headers?: Record<string, string> }): Promise<{ res: ApiResponse<T>; retryAfterMs?: number }> {
    // fetched (or renewed) before the clock starts: a request's latency is the API's
    const headers: Record<string, string> = { ...opts.headers, authorization: `Bearer ${await this.token()}` };
    let body: string | undefined;
    if (opts.csv !== undefined) {
      headers['content-type'] = 'text/csv';
      body = opts.csv;
    } else if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    const started = performance.now();
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await fetch(`${this.baseUrl}${url}`, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (err) {
      this.record.errors += 1;
      throw new Error(`${method} ${url} failed: ${(err as Error).message}`);
    }
    const ms = performance.now() - started;
    const r = this.record;
    r.latencies.push(ms);
    const route = routeOf(method, url);
    let list = r.byRoute.get(route);
    if (!list) r.byRoute.set(route, (list = []));
    list.push(ms);
    if (r.slowest.length < SLOWEST_KEPT || ms > r.slowest[r.slowest.length - 1]!.ms) {
      r.slowest.push({ request: `${method} ${url.split('?')[0]}`, ms: round(ms), atSeconds: round((started - r.firstAt) / 1000) });
      r.slowest.sort((a, b) => b.ms - a.ms);
      r.slowest.length = Math.min(r.slowest.length, SLOWEST_KEPT);
    }
    r.statuses.set(status, (r.statuses.get(status) ?? 0) + 1);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (PDF, HTML)
    }
    const seconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
    return { res: { status, body: parsed as T, attempts: 1 }, ...(seconds !== undefined ? { retryAfterMs: seconds * 1000 } : {}) };
  }

  get<T = unknown>(url: string, expect?: number[]): Promise<ApiResponse<T>> {
    return this.request<T>('GET', url, { expect });
  }
  post<T = unknown>(url: string, json: unknown, expect?: number[], headers?: Record<string, string>): Promise<ApiResponse<T>> {
    return this.request<T>('POST', url, { json, expect, ...(headers ? { headers } : {}) });
  }
  postCsv<T = unknown>(url: string, csv: string, expect?: number[]): Promise<ApiResponse<T>> {
    return this.request<T>('POST', url, { csv, expect });
  }
  /** Every item of a paged list ({ total, items }), a page of `limit` at a time. */
  async allPages<T>(url: string, limit = 1000): Promise<T[]> {
    const out: T[] = [];
    const sep = url.includes('?') ? '&' : '?';
    for (let offset = 0; ; offset += limit) {
      const page = (await this.get<{ total: number; items: T[] }>(`${url}${sep}limit=${limit}&offset=${offset}`)).body;
      out.push(...page.items);
      if (page.items.length < limit || offset + limit >= page.total) return out;
    }
  }

  summary() {
    const r = this.record;
    const sorted = [...r.latencies].sort((a, b) => a - b);
    const routes = [...r.byRoute.entries()]
      .map(([route, l]) => {
        const s = [...l].sort((a, b) => a - b);
        return { route, requests: s.length, p50Ms: round(percentile(s, 50)), p99Ms: round(percentile(s, 99)), maxMs: round(s[s.length - 1] ?? NaN) };
      })
      .sort((a, b) => b.requests - a.requests);
    return {
      requests: sorted.length,
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(sorted[sorted.length - 1] ?? NaN),
      statuses: Object.fromEntries([...r.statuses.entries()].sort((a, b) => a[0] - b[0])),
      networkErrors: r.errors,
      // sent again after an outage answer or a network error (each attempt above is counted with its status)
      outage: { retries: r.retries, retriedRequests: r.retriedRequests, longestWaitMs: Math.round(r.longestOutageMs) },
      byRoute: routes,
      slowest: r.slowest,
    };
  }
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
