// A thin HTTP client for the bench: every request's latency is recorded (for p50/p99), and a status the caller
// expects (e.g. a 409 when a week's visa capacity is used) is returned, not thrown.

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

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

export class Api {
  readonly latencies: number[] = [];
  readonly byRoute = new Map<string, number[]>();
  readonly statuses = new Map<number, number>();
  errors = 0;

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 120_000,
  ) {}

  async request<T = unknown>(
    method: 'GET' | 'POST',
    url: string,
    opts: { json?: unknown; csv?: string; expect?: number[] } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
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
    try {
      const res = await fetch(`${this.baseUrl}${url}`, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      status = res.status;
      text = await res.text();
    } catch (err) {
      this.errors += 1;
      throw new Error(`${method} ${url} failed: ${(err as Error).message}`);
    }
    const ms = performance.now() - started;
    this.latencies.push(ms);
    const route = routeOf(method, url);
    let list = this.byRoute.get(route);
    if (!list) this.byRoute.set(route, (list = []));
    list.push(ms);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (PDF, HTML)
    }
    const ok = status >= 200 && status < 300;
    if (!ok && !(opts.expect ?? []).includes(status)) throw new ApiError(method, url, status, parsed);
    return { status, body: parsed as T };
  }

  get<T = unknown>(url: string, expect?: number[]): Promise<ApiResponse<T>> {
    return this.request<T>('GET', url, { expect });
  }
  post<T = unknown>(url: string, json: unknown, expect?: number[]): Promise<ApiResponse<T>> {
    return this.request<T>('POST', url, { json, expect });
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
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const routes = [...this.byRoute.entries()]
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
      statuses: Object.fromEntries([...this.statuses.entries()].sort((a, b) => a[0] - b[0])),
      networkErrors: this.errors,
      byRoute: routes,
    };
  }
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
