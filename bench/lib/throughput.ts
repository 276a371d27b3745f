// Updates/s as a season applied them (bench/README.md, the result's `updateThroughput`), read from what the season
// left in PostgreSQL.
import type postgres from 'postgres';
import { round } from './api';

/**
 * Each bulk operation of at least 200 steps (its rows written, then its workflow applying them as Updates) from its
 * creation to its finish, and the people's steps recorded per 10 s beside it, to see where a slow operation fell.
 * Smaller operations are dominated by the driver's polling, not by throughput. Times count from the season's first
 * audit event.
 */
export async function updateThroughput(db: postgres.Sql, campaignId: string) {
  const start = db`(select min(a.recorded_at) from audit_events a join worker_cycles c on c.id = a.cycle_id where c.campaign_id = ${campaignId})`;
  const ops = await db<{ kind: string; total: number; applied: number; seconds: number; at: number }[]>`
    select kind, total, applied, extract(epoch from (finished_at - created_at))::float8 as seconds, extract(epoch from created_at - ${start})::float8 as at
    from bulk_operations where campaign_id = ${campaignId} and finished_at is not null and total >= 200 order by created_at`;
  // people's steps: audit events not by the system, the start's preselection aside
  const buckets = await db<{ bucket: number; n: number }[]>`
    select floor(extract(epoch from a.recorded_at - ${start}) / 10)::int as bucket, count(*)::int as n
    from audit_events a join worker_cycles c on c.id = a.cycle_id
    where c.campaign_id = ${campaignId} and a.actor <> 'system' and a.step <> 'preselection' group by 1 order by 1`;
  const windows: number[] = Array.from({ length: buckets.length ? buckets[buckets.length - 1]!.bucket + 1 : 0 }, () => 0);
  for (const b of buckets) windows[b.bucket] = b.n;

  // the season is under way from the first window at half the peak to the last (before, the files load; after, it drains)
  const windowPeak = Math.max(0, ...windows);
  const busy = windows.flatMap((n, i) => (n >= windowPeak / 2 ? [i] : []));
  const span = busy.length ? windows.slice(busy[0], busy[busy.length - 1]! + 1) : [];
  const spanMin = span.length ? Math.min(...span) : 0;

  const byOperation = ops.map((o) => ({
    kind: o.kind,
    at: round(o.at, 0),
    steps: o.total,
    applied: o.applied,
    seconds: round(o.seconds, 1),
    perSecond: round(o.applied / Math.max(o.seconds, 0.001), 1),
  }));
  // Starting cycles is not an Update: the Updates/s of the season are the steps' operations.
  const steps = byOperation.filter((o) => o.kind !== 'start_cycles');
  const peak = steps.length ? Math.max(...steps.map((o) => o.perSecond)) : 0;
  const slowest = steps.reduce<(typeof steps)[number] | undefined>((s, o) => (!s || o.perSecond < s.perSecond ? o : s), undefined);
  const min = slowest?.perSecond ?? 0;
  return {
    measuredAs: 'steps applied per second by each bulk operation of >= 200 steps, from its creation to its finish',
    peak,
    min,
    minOverPeak: peak ? round(min / peak, 2) : null,
    slowest: slowest?.kind ?? null,
    byOperation,
    stepsPer10s: windows,
    stepsPer10sUnderWay: { peak: windowPeak, min: spanMin, minOverPeak: windowPeak ? round(spanMin / windowPeak, 2) : null, windows: span.length },
  };
}
