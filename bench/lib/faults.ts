// The season under faults (bench --faults): while the season runs, the worker process is SIGKILLed several times and
// started again after a pause, as a supervisor would, and PostgreSQL is stopped the hard way once and started again on
// the same data directory; afterwards the season is checked from PostgreSQL and Temporal: every cycle closed with its
// outcome, nothing stranded, no document or audit step twice, and every e-mail caught once (or its extra copy explained
// by the outbox's documented guarantee, activities/outbox.ts).
import type postgres from 'postgres';
import type { Client } from '@temporalio/client';
import type { Infra } from './infra';
import { StageKey } from '../../workflows/contracts/search-attributes';

export interface FaultEvent {
  kind: 'worker_kill' | 'postgres_restart';
  atSeconds: number;
  /** season progress when it was injected (0: nothing moved, 1: every cycle closed) */
  progress: number;
  /** worker_kill: which process and how long until its restart; postgres_restart: how long it was down */
  detail: string;
  downSeconds: number;
}

/** Where a stage is on the way to closed, for the season's progress. */
const STAGE_RANK: Record<string, number> = {
  preselected: 0,
  selected: 1,
  authorised: 2,
  visa_incomplete: 2,
  visa_submitted: 3,
  visa_issued: 4,
  ready_to_depart: 5,
  convoked: 6,
  in_season: 7,
  awaiting_return: 8,
  closed: 9,
};

/** Mean rank of the cycles' stages, 0..1; undefined before any cycle exists. */
export function seasonProgress(stageCounts: Record<string, number> | undefined): number | undefined {
  if (!stageCounts) return undefined;
  let n = 0;
  let sum = 0;
  for (const [stage, count] of Object.entries(stageCounts)) {
    n += count;
    sum += (STAGE_RANK[stage] ?? 0) * count;
  }
  return n === 0 ? undefined : sum / (n * 9);
}

export interface FaultPlanOptions {
  infra: Infra;
  kills: number;
  postgresRestarts: number;
  /** the season's progress now (seasonProgress of the driver's last campaign view) */
  progress: () => number | undefined;
  log: (msg: string) => void;
  elapsedSeconds: () => number;
  /** pause before a killed worker is started again (a supervisor's restart delay): uniform in this range */
  workerPauseMs?: [number, number];
  /** how long PostgreSQL stays down */
  postgresDownMs?: number;
  /** at least this long between the end of one fault and the next, so each restarted process is back at work */
  minGapMs?: number;
}

/**
 * Injects the faults at spread points of the season: fault k of F when the progress passes 0.1 + 0.6 (k - 1)/(F - 1)
 * (from the first files to the sailings), and never sooner than `minGapMs` after the previous one ended. The
 * PostgreSQL restart takes the middle slot. `finish()` injects what the season's pace left over (a short season),
 * so the plan always runs in full while the campaign is still being closed.
 */
export class FaultInjector {
  readonly events: FaultEvent[] = [];
  private readonly plan: FaultEvent['kind'][];
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private lastEndedAt = 0;
  private killsDone = 0;
  error: string | undefined;

  constructor(private readonly o: FaultPlanOptions) {
    const kinds: FaultEvent['kind'][] = Array.from({ length: o.kills }, () => 'worker_kill');
    for (let r = 0; r < o.postgresRestarts; r++) kinds.splice(Math.floor(((r + 1) * kinds.length) / (o.postgresRestarts + 1)), 0, 'postgres_restart');
    this.plan = kinds;
  }

  get planned(): number {
    return this.plan.length;
  }

  private threshold(k: number): number {
    const f = this.plan.length;
    return f <= 1 ? 0.3 : 0.1 + (0.6 * k) / (f - 1);
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy || this.events.length >= this.plan.length) return;
      const k = this.events.length;
      const p = this.o.progress();
      if (p === undefined || p < this.threshold(k) || Date.now() - this.lastEndedAt < (this.o.minGapMs ?? 20_000)) return;
      this.busy = this.inject(k, p).finally(() => {
        this.busy = undefined;
      });
    }, 500);
  }

  /** Stops the schedule, then injects the faults the season ended before (one after the other, gaps kept). */
  async finish(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.busy;
    while (this.events.length < this.plan.length && !this.error) {
      const wait = (this.o.minGapMs ?? 20_000) - (Date.now() - this.lastEndedAt);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await this.inject(this.events.length, this.o.progress() ?? 1);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async inject(k: number, progress: number): Promise<void> {
    const kind = this.plan[k]!;
    const at = this.o.elapsedSeconds();
    try {
      if (kind === 'worker_kill') {
        const { infra } = this.o;
        const i = this.killsDone % infra.workers.length;
        this.killsDone += 1;
        const [lo, hi] = this.o.workerPauseMs ?? [2_000, 5_000];
        const pauseMs = Math.round(lo + Math.random() * (hi - lo));
        const pid = infra.workers[i]!.process.pid;
        const started = Date.now();
        await infra.killWorker(i);
        this.o.log(`FAULT ${k + 1}/${this.plan.length}: worker process ${i + 1} (pid ${pid}) SIGKILLed at progress ${progress.toFixed(2)}; restarting it in ${(pauseMs / 1000).toFixed(1)} s`);
        await new Promise((r) => setTimeout(r, pauseMs));
        const w = infra.restartWorker(i);
        this.events.push({ kind, atSeconds: round(at), progress: round(progress, 2), detail: `worker process ${i + 1} pid ${pid} -> ${w.process.pid}`, downSeconds: round((Date.now() - started) / 1000) });
        this.o.log(`worker process ${i + 1} started again (pid ${w.process.pid})`);
      } else {
        const restart = this.o.infra.restartPostgres;
        if (!restart) throw new Error('PostgreSQL is not the bench’s own (DATABASE_URL): it cannot be restarted');
        this.o.log(`FAULT ${k + 1}/${this.plan.length}: PostgreSQL stopped immediately (pg_ctl stop -m immediate) at progress ${progress.toFixed(2)}`);
        const { downSeconds } = await restart(this.o.postgresDownMs ?? 5_000);
        this.events.push({ kind, atSeconds: round(at), progress: round(progress, 2), detail: 'SIGQUIT to the postmaster, started again on the same data directory and port', downSeconds: round(downSeconds) });
        this.o.log(`PostgreSQL started again after ${downSeconds.toFixed(1)} s down (crash recovery)`);
      }
    } catch (err) {
      this.error = `fault ${k + 1} (${kind}): ${(err as Error).message}`;
      this.o.log(this.error);
      throw err;
    } finally {
      this.lastEndedAt = Date.now();
    }
  }
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export interface SeasonVerdict {
  cycles: number;
  outcomes: Record<string, number>;
  stranded: {
    total: number;
    /** cycles not closed with an outcome in PostgreSQL (uncalled reserves excluded unless released) */
    openCycles: number;
    /** worker-cycle workflows not completed in Temporal, or whose Stage differs from the PostgreSQL row */
    workflowsNotClosed: number;
    mirrorMismatches: number;
    visaMembersWithoutDecision: number;
    passengersWithoutStatus: number;
    /** reserve calls recorded and never answered (selected or refused): they hold a post and a reserve */
    reserveCallsUnanswered: number;
    examples: string[];
  };
  duplicateDocuments: number;
  duplicateAuditSteps: number;
  /** up to 5 of them: cycle, step and the seqs it was recorded at */
  duplicateAuditExamples: string[];
  /** cycles whose audit trail has a hole (seq 1..n not all there) or whose row's last_seq is not its last event */
  auditGaps: number;
  openContexts: { visaBatches: number; departures: number; bulkOperations: number };
  emails: {
    outboxRows: number;
    sent: number;
    unsent: number;
    retriedRows: number;
    caught: number;
    caughtWithoutMessageId: number;
    sentButNotCaught: number;
    notFromOutbox: number;
  };
  emailDuplicates: number;
  explained: number;
  unexplained: number;
  /** undecided: sent, and no receipt has decided it yet (delivered, failed, escalated) */
  sms: { outboxSent: number; partsRecorded: number; partsAtSmsc: number; undecided: number };
}

/**
 * The season checked from PostgreSQL and Temporal after it closed. `caught` counts the e-mails the SMTP catcher took
 * by Message-ID over the whole run. `releasedReserves`: the uncalled reserves were closed with a selection file; if
 * not (--no-release), those still preselected are not counted as stranded.
 */
export async function verifySeason(o: {
  db: postgres.Sql;
  client: Client;
  campaignId: string;
  caught: Map<string, number>;
  caughtWithoutMessageId: number;
  smscParts: number;
  releasedReserves: boolean;
}): Promise<SeasonVerdict> {
  const { db, campaignId } = o;
  const examples: string[] = [];
  const [c] = await db<{ total: number; open: number }[]>`
    select count(*)::int as total,
           count(*) filter (where not (stage = 'closed' and outcome is not null)
                              and not (${!o.releasedReserves} and stage = 'preselected' and reserve_rank is not null))::int as open
    from worker_cycles where campaign_id = ${campaignId}`;
  const outcomes = Object.fromEntries(
    (await db<{ outcome: string; n: number }[]>`select coalesce(outcome, 'open') as outcome, count(*)::int as n from worker_cycles where campaign_id = ${campaignId} group by 1 order by 1`).map((r) => [r.outcome, r.n]),
  );
  for (const r of await db<{ id: string; stage: string }[]>`
    select id, stage from worker_cycles where campaign_id = ${campaignId} and not (stage = 'closed' and outcome is not null)
      and not (${!o.releasedReserves} and stage = 'preselected' and reserve_rank is not null) order by id limit 5`) {
    examples.push(`${r.id} open at ${r.stage}`);
  }
  const [members] = await db<{ n: number }[]>`
    select count(*)::int as n from visa_batch_members m join visa_batches b on b.id = m.batch_id where b.campaign_id = ${campaignId} and m.decision is null`;
  const [passengers] = await db<{ n: number }[]>`
    select count(*)::int as n from departure_passengers p join departures d on d.id = p.departure_id where d.campaign_id = ${campaignId} and p.status = 'convoked'`;
  for (const r of await db<{ batch_id: string; cycle_id: string }[]>`
    select m.batch_id, m.cycle_id from visa_batch_members m join visa_batches b on b.id = m.batch_id where b.campaign_id = ${campaignId} and m.decision is null limit 3`) {
    examples.push(`${r.cycle_id} without decision in ${r.batch_id}`);
  }
  for (const r of await db<{ departure_id: string; cycle_id: string }[]>`
    select p.departure_id, p.cycle_id from departure_passengers p join departures d on d.id = p.departure_id where d.campaign_id = ${campaignId} and p.status = 'convoked' limit 3`) {
    examples.push(`${r.cycle_id} neither embarked nor no-show on ${r.departure_id}`);
  }

  const unansweredCalls = await db<{ vacated_cycle_id: string; reserve_cycle_id: string }[]>`
    select vacated_cycle_id, reserve_cycle_id from reserve_calls where campaign_id = ${campaignId} and status = 'called'`;
  for (const r of unansweredCalls.slice(0, 3)) examples.push(`reserve call for ${r.vacated_cycle_id}'s post to ${r.reserve_cycle_id} never answered`);

  // Temporal: every worker-cycle workflow of the campaign completed, at the stage its row says
  const rows = new Map((await db<{ id: string; stage: string }[]>`select id, stage from worker_cycles where campaign_id = ${campaignId}`).map((r) => [r.id, r.stage]));
  let workflowsNotClosed = 0;
  let mirrorMismatches = 0;
  const seen = new Set<string>();
  for await (const wf of o.client.workflow.list({ query: `WorkflowType = 'workerCycleWorkflow' AND CampaignId = '${campaignId}'` })) {
    seen.add(wf.workflowId);
    const stage = wf.typedSearchAttributes.get(StageKey);
    const row = rows.get(wf.workflowId);
    const reserveLeft = !o.releasedReserves && row === 'preselected';
    if (wf.status.name !== 'COMPLETED' && !reserveLeft) {
      workflowsNotClosed += 1;
      if (examples.length < 12) examples.push(`${wf.workflowId} ${wf.status.name} in Temporal`);
    }
    if (row !== undefined && stage !== undefined && stage !== row) {
      mirrorMismatches += 1;
      if (examples.length < 12) examples.push(`${wf.workflowId} at ${stage} in Temporal, ${row} in PostgreSQL`);
    }
  }
  for (const id of rows.keys()) {
    if (!seen.has(id)) {
      mirrorMismatches += 1;
      if (examples.length < 12) examples.push(`${id} in PostgreSQL, no workflow in Temporal`);
    }
  }

  const [dupDocs] = await db<{ n: number }[]>`
    select count(*)::int as n from (
      select d.cycle_id, d.kind from documents d join worker_cycles c on c.id = d.cycle_id
      where c.campaign_id = ${campaignId} group by d.cycle_id, d.kind having count(*) > 1) x`;
  // the same seq twice, or the same step twice (every step name is unique within a cycle: visa_file_1, visa_file_2...)
  const [dupAudit] = await db<{ n: number }[]>`
    select (select count(*) from (select a.cycle_id, a.seq from audit_events a join worker_cycles c on c.id = a.cycle_id
              where c.campaign_id = ${campaignId} group by a.cycle_id, a.seq having count(*) > 1) x)::int
         + (select count(*) from (select a.cycle_id, a.step from audit_events a join worker_cycles c on c.id = a.cycle_id
              where c.campaign_id = ${campaignId} group by a.cycle_id, a.step having count(*) > 1) y)::int as n`;
  const duplicateAuditExamples = (await db<{ cycle_id: string; step: string; seqs: number[] }[]>`
    select a.cycle_id, a.step, array_agg(a.seq order by a.seq) as seqs from audit_events a join worker_cycles c on c.id = a.cycle_id
    where c.campaign_id = ${campaignId} group by a.cycle_id, a.step having count(*) > 1 order by 1, 2 limit 5`).map((r) => `${r.cycle_id} ${r.step} at seqs ${r.seqs.join(', ')}`);
  const [gaps] = await db<{ n: number }[]>`
    select count(*)::int as n from (
      select c.id from worker_cycles c left join audit_events a on a.cycle_id = c.id where c.campaign_id = ${campaignId}
      group by c.id, c.last_seq having count(a.id) <> coalesce(max(a.seq), 0) or coalesce(max(a.seq), 0) <> c.last_seq) x`;
  const [ctx] = await db<{ batches: number; departures: number; ops: number }[]>`
    select (select count(*) from visa_batches where campaign_id = ${campaignId} and status <> 'decided')::int as batches,
           (select count(*) from departures where campaign_id = ${campaignId} and status <> 'departed')::int as departures,
           (select count(*) from bulk_operations where campaign_id = ${campaignId} and status <> 'done')::int as ops`;

  // E-mails: the whole outbox of the bench's database (only this campaign's) against what the catcher took
  const outbox = await db<{ message_id: string | null; sent: boolean; attempts: number; recipients: number }[]>`
    select message_id, sent_at is not null as sent, attempts, cardinality(to_addresses)::int as recipients from email_outbox where channel = 'email'`;
  const byMessageId = new Map(outbox.filter((r) => r.message_id).map((r) => [r.message_id!, r]));
  let duplicates = 0;
  let explained = 0;
  let notFromOutbox = 0;
  for (const [id, n] of o.caught) {
    const row = byMessageId.get(id);
    if (!row) {
      notFromOutbox += n;
      continue;
    }
    if (n > 1) {
      duplicates += n - 1;
      // the guarantee: each extra copy is an attempt recorded before a send whose sentAt was never written
      explained += Math.min(n - 1, Math.max(0, row.attempts - 1));
    }
  }
  const sentButNotCaught = outbox.filter((r) => r.sent && r.message_id && !o.caught.has(r.message_id)).length;
  const [sms] = await db<{ sent: number; parts: number; undecided: number }[]>`
    select count(*) filter (where sent_at is not null)::int as sent, coalesce(sum(cardinality(smsc_message_ids)), 0)::int as parts,
           count(*) filter (where sent_at is not null and delivery in ('pending', 'resending'))::int as undecided
    from email_outbox where channel = 'sms'`;

  const openCycles = c?.open ?? 0;
  const visaMembers = members?.n ?? 0;
  const unresolved = passengers?.n ?? 0;
  return {
    cycles: c?.total ?? 0,
    outcomes,
    stranded: {
      total: openCycles + workflowsNotClosed + mirrorMismatches + visaMembers + unresolved + unansweredCalls.length,
      openCycles,
      workflowsNotClosed,
      mirrorMismatches,
      visaMembersWithoutDecision: visaMembers,
      passengersWithoutStatus: unresolved,
      reserveCallsUnanswered: unansweredCalls.length,
      examples,
    },
    duplicateDocuments: dupDocs?.n ?? 0,
    duplicateAuditSteps: dupAudit?.n ?? 0,
    duplicateAuditExamples,
    auditGaps: gaps?.n ?? 0,
    openContexts: { visaBatches: ctx?.batches ?? 0, departures: ctx?.departures ?? 0, bulkOperations: ctx?.ops ?? 0 },
    emails: {
      outboxRows: outbox.length,
      sent: outbox.filter((r) => r.sent).length,
      unsent: outbox.filter((r) => !r.sent && r.recipients > 0).length,
      retriedRows: outbox.filter((r) => r.attempts > 1).length,
      caught: [...o.caught.values()].reduce((a, b) => a + b, 0) + o.caughtWithoutMessageId,
      caughtWithoutMessageId: o.caughtWithoutMessageId,
      sentButNotCaught,
      notFromOutbox,
    },
    emailDuplicates: duplicates,
    explained,
    unexplained: duplicates - explained,
    sms: { outboxSent: sms?.sent ?? 0, partsRecorded: sms?.parts ?? 0, partsAtSmsc: o.smscParts, undecided: sms?.undecided ?? 0 },
  };
}
