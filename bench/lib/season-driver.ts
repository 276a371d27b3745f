// Drives one whole season through the HTTP API the way its users would: the coordinator creates the campaign,
// loads candidate and step files and moves the campaign stage by stage; the consular liaison team assembles,
// lodges and decides visa batches; the regional agency plans sailings and records embarkations and returns.
// A generic loop looks at the cycles by stage and pushes each stage forward with the user-facing bulk endpoint;
// the reserve workers the campaign workflow calls up flow through the same loop. Each desk calls the API as its demo
// identity (the token's identity is the actor the audit trail records; requests name no actor of their own).
import { Api, ApiError } from './api';
import { bulkOperationId } from '../../workflows/contracts/bulk';
import { visaBatchLodgeOperationId } from '../../workflows/contracts/visa-batch';

export { DROP_OUT_OUTCOMES } from '../../workflows/contracts/worker-cycle';
import { DROP_OUT_OUTCOMES } from '../../workflows/contracts/worker-cycle';
const PRE_EMBARKATION_STAGES = ['selected', 'authorised', 'visa_submitted', 'visa_incomplete', 'visa_issued', 'ready_to_depart', 'convoked'];
const OPEN_STAGES = [...PRE_EMBARKATION_STAGES, 'in_season', 'awaiting_return'];
const MAX_FILE_ROWS = 5000;
const MAX_SEATS = 2000;
const POSTS_PER_OFFER = 500;

/**
 * The API as each desk's demo identity (scripts/lib/demo-identities.ts): the coordinator (campaign, candidate and step
 * files), the consular liaison (visa batches and decisions) and the port agent (sailings and embarkation).
 */
export interface DeskApis {
  coordinator: Api;
  consular: Api;
  port: Api;
}

export interface DriverOptions {
  api: DeskApis;
  workers: number;
  reserves: number;
  campaignId: string;
  timings: Record<string, string>;
  reserveCheckInterval: string;
  reserveCheckMs: number;
  visaWeeklyCapacity: number;
  log: (msg: string) => void;
  shouldStop: () => boolean;
  /**
   * The season has stalled when no cycle changed stage or outcome for this long while no file, batch or sailing was in
   * flight (every deadline of the bench's cycles is hours away): a cycle is stranded, so stop rather than wait for
   * the bench's time limit. Unset: never.
   */
  stallMs?: number;
  /**
   * The season is frozen when no cycle changed stage or outcome for this long although files, batches or sailings are
   * in flight: the engine or the worker stopped answering (seen once: the dev server's SQLite store failing 45 minutes
   * into a 20,000-worker season, its jobs waiting for ever). Stop and report rather than wait. Unset: never.
   */
  frozenMs?: number;
  /** nationalId -> candidateId, read once after the candidate files are applied (the cycle list has no nationalId) */
  mapCandidates: (nationalIds: string[]) => Promise<Map<string, number>>;
  /** bulk files in flight at once, across desks */
  filesInFlight: number;
}

interface BulkOp {
  id: string;
  kind: string;
  status: string;
  total: number;
  applied: number;
  refused: number;
  pending: number;
  refusals: { line: number; cycleId: string; reason: string }[];
}
interface IntakeResult {
  fileId: number;
  duplicate: boolean;
  rowsTotal: number;
  rowsAccepted: number;
  rowsRejected: number;
  errors: { line: number; field: string; reason: string }[];
  operationId: string | null;
}
interface CycleItem {
  cycleId: string;
  candidateId: number;
  stage: string;
  outcome: string | null;
}
interface CampaignView {
  stage: string;
  offers: { id: string; posts: number }[];
  stageCounts: Record<string, number>;
  outcomeCounts: Record<string, number>;
  reserve: { onList: number; called: number; refused: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Files (bulk operations) in flight at once, across desks. The coordination worker applies bulk pages a few at a
 * time; with more files queued than that, a sailing's convocations wait behind them and miss their departure.
 * People at the desks work the same way: a file is loaded, followed until applied, then the next. Later stages first.
 */
class FileSlots {
  private used = 0;
  private readonly waiting: { priority: number; seq: number; since: number; grant: () => void }[] = [];
  private seq = 0;
  /** when each desk (by priority) last got a slot */
  private readonly lastServed = new Map<number, number>();
  /**
   * A waiting desk gains one priority level per this much time since it last got a slot: later stages still go first,
   * but an early desk is not starved (at 20,000 workers the authorisations desk waited for 20+ minutes behind visas,
   * sailings and returns). Counted from the desk's last slot, not from its latest request: a desk that asks again
   * right after each file would otherwise start from nothing each time (the visa desk waited ~10 minutes that way).
   */
  static readonly AGING_MS = 30_000;
  constructor(readonly size: number) {}

  async acquire(priority: number): Promise<() => void> {
    const now = Date.now();
    if (this.used < this.size && this.waiting.length === 0) {
      this.used += 1;
      this.lastServed.set(priority, now);
      return this.releaser();
    }
    await new Promise<void>((grant) => {
      this.waiting.push({ priority, seq: this.seq++, since: Math.min(now, this.lastServed.get(priority) ?? now), grant });
    });
    this.lastServed.set(priority, Date.now());
    return this.releaser();
  }

  private next() {
    if (this.waiting.length === 0) return undefined;
    const now = Date.now();
    const rank = (w: { priority: number; since: number }) => w.priority - (now - w.since) / FileSlots.AGING_MS;
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++) {
      const a = this.waiting[i]!;
      const b = this.waiting[best]!;
      if (rank(a) < rank(b) || (rank(a) === rank(b) && a.seq < b.seq)) best = i;
    }
    return this.waiting.splice(best, 1)[0];
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.next();
      if (next) next.grant(); // the slot passes on
      else this.used -= 1;
    };
  }
}

/** Lower goes first: draining the end of the pipeline keeps sailings and returns on time. */
const PRIORITY = { returns: 0, departures: 1, predeparture: 2, visa: 3, authorisations: 4, intake: 5 } as const;
const today = () => new Date().toISOString().slice(0, 10);

/** Deterministic [0,1) per key and salt (FNV-1a), so a run's refusals and no-shows are reproducible. */
function unit(key: string, salt: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${salt}:${key}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // murmur3's finaliser: FNV-1a alone leaves similar keys (BN0000001, BN0000002...) with similar high bits
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 0x100000000;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const PROVINCES = ['Kénitra', 'Larache', 'Sidi Kacem', 'Sidi Slimane', 'Khémisset', 'Taounate', 'Béni Mellal', 'El Kelâa des Sraghna'];
const COMMUNES = ['Mnasra', 'Sidi Yahya El Gharb', 'Ksar El Kebir', 'Souk Larbaa', 'Dar Gueddari', 'Had Kourt'];
const FIRST = ['Fatima', 'Khadija', 'Amina', 'Naima', 'Zineb', 'Hafsa', 'Saida', 'Rachida', 'Malika', 'Latifa', 'Youssef', 'Mohamed'];
const LAST = ['El Amrani', 'Alaoui', 'Tazi', 'Berrada', 'Idrissi', 'Bennani', 'Chraibi', 'Fassi', 'Ouazzani', 'Lahlou'];

export function nationalIdOf(i: number): string {
  return `BN${String(i).padStart(7, '0')}`;
}

export interface SeasonStats {
  startedAt: number;
  endedAt?: number;
  phase: string;
  stageMoves: { stage: string; atSeconds: number; status: number; message?: string }[];
  files: Record<string, { files: number; rows: number; rowsRejected: number }>;
  bulk: Record<string, { operations: number; applied: number; refused: number; sampleRefusals: string[] }>;
  visaBatches: number;
  visaWeeksUsed: number;
  departures: number;
  boardingsClosed: number;
  departureLeadSeconds: number[];
  expected409: Record<string, number>;
  jobErrors: string[];
  uncalledReserves?: number;
  reservesReleased?: number;
  campaignClose?: { status: number; message?: string };
  iterations: number;
}

export class SeasonDriver {
  readonly stats: SeasonStats;
  private readonly api: DeskApis;
  private offers: { id: string; posts: number }[] = [];
  private readonly nid = new Map<number, string>(); // candidateId -> nationalId
  private readonly reserveCandidates = new Set<number>();
  // `${stage}|${cycleId}` -> job: a cycle handed to a desk for a stage is not handed again for that stage while the
  // job runs; once its step is applied it moves on and the next desk may take it at once
  private readonly inFlight = new Map<string, string>();
  private readonly inFlightByStage = new Map<string, number>();
  private readonly runningJobs = new Set<string>();
  private readonly jobs = new Set<Promise<void>>();
  private fileSeq = 0;
  private readonly slots: FileSlots;
  private week = 0;
  private updatesPerSecond = 40; // first guess of the bulk throughput; measured from the bulk operations as they finish

  constructor(private readonly o: DriverOptions) {
    this.api = o.api;
    this.slots = new FileSlots(o.filesInFlight);
    this.stats = {
      startedAt: Date.now(),
      phase: 'starting',
      stageMoves: [],
      files: {},
      bulk: {},
      visaBatches: 0,
      visaWeeksUsed: 0,
      departures: 0,
      boardingsClosed: 0,
      departureLeadSeconds: [],
      expected409: {},
      jobErrors: [],
      iterations: 0,
    };
  }

  private elapsed(): number {
    return (Date.now() - this.stats.startedAt) / 1000;
  }

  private checkStop(): void {
    if (this.o.shouldStop()) throw new Error(`stopped by the bench guard during ${this.stats.phase}`);
  }

  private note409(what: string): void {
    this.stats.expected409[what] = (this.stats.expected409[what] ?? 0) + 1;
  }

  // ------------------------------------------------------------------ campaign and stage moves

  private campaignStage = 'draft';

  async moveStage(to: string): Promise<boolean> {
    const res = await this.api.coordinator.post<{ stage?: string; message?: string }>(`/campaigns/${this.o.campaignId}/stage`, { to }, [409]);
    this.stats.stageMoves.push({ stage: to, atSeconds: Math.round(this.elapsed() * 10) / 10, status: res.status, ...(res.status === 409 ? { message: res.body.message } : {}) });
    // A move sent again after an outage is refused once the first attempt made it: the campaign already reads `to`.
    if (res.status === 409 && (await this.campaignView()).stage === to) {
      this.campaignStage = to;
      this.o.log(`campaign stage -> ${to} at ${this.elapsed().toFixed(1)} s (the move was already made)`);
      return true;
    }
    if (res.status === 200) {
      this.campaignStage = to;
      this.o.log(`campaign stage -> ${to} at ${this.elapsed().toFixed(1)} s`);
      return true;
    }
    this.note409(`stage ${to}`);
    this.o.log(`campaign stage move to ${to} refused: ${res.body.message ?? ''}`);
    return false;
  }

  async createCampaign(): Promise<void> {
    this.stats.phase = 'create campaign';
    const employers = Math.ceil(this.o.workers / POSTS_PER_OFFER);
    const offers = Array.from({ length: employers }, (_, k) => ({
      employer: {
        id: `B21${String(k + 1).padStart(6, '0')}`,
        name: `Explotación agrícola ${k + 1} SL`,
        province: 'Huelva',
        municipality: ['Moguer', 'Lepe', 'Cartaya', 'Palos de la Frontera', 'Almonte'][k % 5],
        email: `rrhh${k + 1}@finca.bench`,
      },
      posts: Math.min(POSTS_PER_OFFER, this.o.workers - k * POSTS_PER_OFFER),
      contractMonths: 6,
      contractStart: '2027-02-01',
      contractEnd: '2027-07-31',
    }));
    const res = await this.api.coordinator.post<CampaignView>('/campaigns', {
      id: this.o.campaignId,
      name: `Bench season ${this.o.workers}`,
      season: 2027,
      destinationProvince: 'Huelva',
      reserveCutoff: '2099-12-31',
      visaWeeklyCapacity: this.o.visaWeeklyCapacity,
      reserveCheckInterval: this.o.reserveCheckInterval,
      offers,
    }, [409]);
    // 409 after an outage: the first attempt created it
    if (res.status === 409 && res.attempts === 1) throw new ApiError('POST', '/campaigns', 409, res.body);
    const campaign = res.status === 409 ? await this.campaignView() : res.body;
    this.offers = campaign.offers.map((x) => ({ id: x.id, posts: x.posts }));
    await this.moveStage('registration');
  }

  // ------------------------------------------------------------------ files and bulk operations

  private async postFile(kind: string, url: string, csv: string, api = this.api.coordinator): Promise<IntakeResult> {
    const res = await api.postCsv<IntakeResult>(url, csv);
    const f = (this.stats.files[kind] ??= { files: 0, rows: 0, rowsRejected: 0 });
    f.files += 1;
    f.rows += res.body.rowsTotal;
    f.rowsRejected += res.body.rowsRejected;
    if (res.body.rowsRejected > 0) {
      this.stats.jobErrors.push(`${kind} file: ${res.body.rowsRejected} rows rejected, e.g. ${JSON.stringify(res.body.errors.slice(0, 2))}`);
    }
    return res.body;
  }

  /** Polls GET /bulk-operations/:id every 500 ms until it is done. */
  async waitOp(operationId: string, api = this.api.coordinator): Promise<BulkOp> {
    const started = Date.now();
    for (;;) {
      this.checkStop();
      const res = await api.get<BulkOp>(`/bulk-operations/${operationId}`, [404]);
      if (res.status === 200 && res.body.status === 'done') {
        const op = res.body;
        const b = (this.stats.bulk[op.kind] ??= { operations: 0, applied: 0, refused: 0, sampleRefusals: [] });
        b.operations += 1;
        b.applied += op.applied;
        b.refused += op.refused;
        for (const r of op.refusals.slice(0, 3)) if (b.sampleRefusals.length < 5) b.sampleRefusals.push(`${r.cycleId}: ${r.reason}`);
        const secs = (Date.now() - started) / 1000;
        if (op.total >= 200 && secs > 1) this.updatesPerSecond = 0.7 * this.updatesPerSecond + 0.3 * (op.total / secs);
        return op;
      }
      await sleep(500);
    }
  }

  private fileRef(kind: string): string {
    this.fileSeq += 1;
    return `${kind}-${this.fileSeq}`;
  }

  // ------------------------------------------------------------------ intake: candidates and selection

  async loadCandidates(): Promise<void> {
    this.stats.phase = 'candidate files';
    const total = this.o.workers + this.o.reserves;
    const header = 'nationalId,firstName,lastName,birthDate,sex,province,commune,householdSituation,phone,email,passportNumber,passportExpiry,dependants,priorSeasons,reserveRank';
    const rows: string[] = [];
    for (let i = 1; i <= total; i++) {
      const reserveRank = i > this.o.workers ? String(i - this.o.workers) : '';
      const sex = i % 10 === 0 ? 'M' : 'F';
      const year = 1975 + (i % 25);
      rows.push(
        [
          nationalIdOf(i),
          FIRST[i % FIRST.length],
          LAST[(i * 7) % LAST.length],
          `${year}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`,
          sex,
          PROVINCES[i % PROVINCES.length],
          COMMUNES[i % COMMUNES.length],
          i % 3 === 0 ? 'mariée 2 enfants' : 'veuve 1 enfant',
          `+212 6${String(i).padStart(8, '0')}`,
          i % 4 === 0 ? `worker${i}@mail.bench` : '',
          `MA${String(i).padStart(7, '0')}`,
          '2031-01-01',
          String(i % 4),
          String(i % 5),
          reserveRank,
        ].join(','),
      );
    }
    const timings = encodeURIComponent(JSON.stringify(this.o.timings));
    const ops: Promise<void>[] = [];
    for (const part of chunk(rows, MAX_FILE_ROWS)) {
      this.checkStop();
      const release = await this.slots.acquire(PRIORITY.intake);
      const r = await this.postFile('candidates', `/campaigns/${this.o.campaignId}/intake/candidates?timings=${timings}`, [header, ...part].join('\n'));
      const operationId = r.operationId;
      ops.push(operationId ? this.waitOp(operationId).then(release, (err: unknown) => {
        release();
        throw err;
      }) : Promise.resolve(release()));
    }
    await Promise.all(ops);
    const nids = Array.from({ length: total }, (_, k) => nationalIdOf(k + 1));
    const map = await this.o.mapCandidates(nids);
    for (const [nationalId, candidateId] of map) {
      this.nid.set(candidateId, nationalId);
      if (Number(nationalId.slice(2)) > this.o.workers) this.reserveCandidates.add(candidateId);
    }
    this.o.log(`candidates loaded: ${map.size} (${this.o.workers} main list + ${this.o.reserves} reserves) at ${this.elapsed().toFixed(1)} s`);
    await this.moveStage('preselection');
    await this.moveStage('selection');
  }

  async loadSelection(): Promise<void> {
    this.stats.phase = 'selection files';
    const rows: string[] = [];
    let i = 1;
    for (const offer of this.offers) {
      for (let p = 0; p < offer.posts && i <= this.o.workers; p++, i++) rows.push(`${nationalIdOf(i)},selected,${offer.id}`);
    }
    for (const part of chunk(rows, MAX_FILE_ROWS)) {
      this.checkStop();
      const release = await this.slots.acquire(PRIORITY.intake);
      const r = await this.postFile('selection', `/campaigns/${this.o.campaignId}/intake/selection`, ['nationalId,decision,offerId', ...part].join('\n'));
      // followed like any other file; the loop moves the campaign to authorisation once selections show up
      const operationId = r.operationId;
      this.startJob(this.fileRef('selection'), ['preselected'], [], async () => {
        try {
          if (operationId) await this.waitOp(operationId);
        } finally {
          release();
        }
      });
    }
  }

  // ------------------------------------------------------------------ the generic loop

  private async listStage(stage: string, max = Infinity): Promise<CycleItem[]> {
    const out: CycleItem[] = [];
    // page after page from the last cycle read (`after`: an index read however deep, where an offset skips rows)
    while (out.length < max) {
      const limit = Math.min(1000, max - out.length);
      const after = out.length ? `&after=${encodeURIComponent(out.at(-1)!.cycleId)}` : '';
      const res = await this.api.coordinator.get<{ total: number; items: CycleItem[] }>(`/campaigns/${this.o.campaignId}/cycles?stage=${stage}&limit=${limit}${after}`, [400]);
      // `after` names no cycle of the campaign (cycles are never deleted: not expected)
      if (res.status === 400) break;
      out.push(...res.body.items);
      if (res.body.items.length < limit) break;
    }
    return out;
  }

  /**
   * The free cycles of a stage (not in a file already), at least `enough` of them if there are: a desk only needs to
   * know whether a file is worth it. Listing whole stages of thousands every iteration competed with the season.
   */
  private async freeInStage(stageCounts: Record<string, number>, stage: string, enough: number): Promise<CycleItem[]> {
    return (stageCounts[stage] ?? 0) === 0 ? [] : this.freeUpTo(stage, enough);
  }

  /** Lists a stage only as far as `enough` free cycles beyond the ones already held by files. */
  private async freeUpTo(stage: string, enough: number): Promise<CycleItem[]> {
    return this.free(await this.listStage(stage, (this.inFlightByStage.get(stage) ?? 0) + enough));
  }

  private free(items: CycleItem[]): CycleItem[] {
    // keep each cycle once (pages read while the stage changes)
    const seen = new Set<string>();
    return items.filter((c) => {
      if (seen.has(c.cycleId)) return false;
      seen.add(c.cycleId);
      return !this.inFlight.has(`${c.stage}|${c.cycleId}`) && this.nid.has(c.candidateId);
    });
  }

  private readonly waitingSince = new Map<string, number>();

  /**
   * Whether a desk acts now on `count` waiting cycles: people gather a file, a batch or a sailing until it is worth
   * it (threshold) or the oldest has waited long enough (maxAgeMs).
   */
  private due(desk: string, count: number, threshold: number, maxAgeMs: number): boolean {
    if (count === 0) {
      this.waitingSince.delete(desk);
      return false;
    }
    const since = this.waitingSince.get(desk) ?? Date.now();
    this.waitingSince.set(desk, since);
    if (count >= threshold || Date.now() - since >= maxAgeMs) {
      this.waitingSince.delete(desk);
      return true;
    }
    return false;
  }

  private startJob(name: string, stages: string[], cycleIds: string[], job: (hold: (stages: string[], cycleIds: string[]) => void) => Promise<void>): void {
    const keys: string[] = [];
    const hold = (st: string[], ids: string[]) => {
      for (const id of ids) {
        for (const stage of st) {
          const k = `${stage}|${id}`;
          if (!this.inFlight.has(k)) this.inFlightByStage.set(stage, (this.inFlightByStage.get(stage) ?? 0) + 1);
          this.inFlight.set(k, name);
          keys.push(k);
        }
      }
    };
    hold(stages, cycleIds);
    this.runningJobs.add(name);
    const p = (async () => {
      try {
        await job(hold);
      } catch (err) {
        const msg = `${name}: ${(err as Error).message}`;
        if (!this.o.shouldStop()) this.o.log(`job failed: ${msg}`);
        if (this.stats.jobErrors.length < 50) this.stats.jobErrors.push(msg);
      } finally {
        for (const k of keys) {
          if (this.inFlight.get(k) !== name) continue;
          this.inFlight.delete(k);
          const stage = k.slice(0, k.indexOf('|'));
          this.inFlightByStage.set(stage, (this.inFlightByStage.get(stage) ?? 1) - 1);
        }
        this.runningJobs.delete(name);
      }
    })();
    this.jobs.add(p);
    void p.finally(() => this.jobs.delete(p));
  }


  /** A step file (authorisations, pre-departure, returns): files of at most 5,000 rows, each waited for. */
  private readonly deskWaiting = new Set<string>();

  /**
   * A step desk (authorisations, pre-departure, returns): one file at a time is gathered while it waits for a slot;
   * when it gets one, the desk takes the stage's current list (at most 5,000 rows), loads it and follows it.
   */
  private stepDesk(
    kind: 'authorisations' | 'predeparture' | 'returns',
    stage: string,
    waiting: number,
    url: string,
    header: string,
    row: (c: CycleItem, nid: string, ref: string) => string,
  ): void {
    if (this.deskWaiting.has(kind)) return;
    const fileRows = Math.min(MAX_FILE_ROWS, Math.max(50, Math.ceil(this.o.workers / 20)));
    if (!this.due(kind, waiting, fileRows, 3_000)) return;
    this.deskWaiting.add(kind);
    const ref = this.fileRef(kind);
    this.startJob(ref, [], [], async (hold) => {
      let release: (() => void) | undefined;
      try {
        release = await this.slots.acquire(PRIORITY[kind]);
        this.checkStop();
        const part = (await this.freeUpTo(stage, MAX_FILE_ROWS)).slice(0, MAX_FILE_ROWS);
        if (part.length === 0) return;
        hold([stage], part.map((c) => c.cycleId));
        this.deskWaiting.delete(kind);
        const csv = [header, ...part.map((c) => row(c, this.nid.get(c.candidateId)!, ref))].join('\n');
        const r = await this.postFile(kind, url, csv);
        if (r.operationId) await this.waitOp(r.operationId);
      } finally {
        this.deskWaiting.delete(kind);
        release?.();
      }
    });
  }


  private visaDeskBusy = false;
  private assemblies = 0;
  private departureDeskBusy = false;

  /** The consular liaison team: batches within the week's capacity, lodged, then the consulate's decisions. */
  private async visaDesk(waiting: number): Promise<void> {
    if (this.visaDeskBusy || waiting === 0) return;
    this.visaDeskBusy = true;
    try {
      for (;;) {
        this.checkStop();
        const weekStart = new Date(Date.UTC(2026, 10, 2) + this.week * 7 * 86_400_000).toISOString().slice(0, 10);
        const release = await this.slots.acquire(PRIORITY.visa);
        let handedOver = false;
        try {
          // one key per batch the desk asks for: sent again through an outage, the request finds the batch it assembled
          this.assemblies += 1;
          const res = await this.api.consular.post<{ batchId: string; members: number; remainingEligible: number; weekCapacityLeft: number; message?: string }>(
            `/campaigns/${this.o.campaignId}/visa-batches`,
            { weekStart, timings: { lodgeDeadline: '2h', decisionDeadline: '2h', escalationGrace: '2h' } },
            [409],
            { 'idempotency-key': `${this.o.campaignId}:visa-batch:${this.assemblies}` },
          );
          if (res.status === 409) {
            if (/capacity/i.test(res.body.message ?? '')) {
              this.note409('visa week full');
              this.week += 1;
              continue;
            }
            this.note409('visa no file waiting');
            return;
          }
          this.stats.visaBatches += 1;
          this.stats.visaWeeksUsed = this.week + 1;
          const batchId = res.body.batchId;
          // members are in flight from now on (the route already keeps them out of other batches)
          const members = await this.api.consular.allPages<{ cycleId: string; nationalId: string; attempt: number }>(`/visa-batches/${batchId}/members`);
          handedOver = true;
          this.startJob(batchId, ['authorised', 'visa_incomplete'], members.map((m) => m.cycleId), async () => {
            try {
              await this.runVisaBatch(batchId, members);
            } finally {
              release();
            }
          });
          if (res.body.weekCapacityLeft <= 0) this.week += 1;
          if (res.body.remainingEligible <= 0) return;
        } finally {
          if (!handedOver) release();
        }
      }
    } finally {
      this.visaDeskBusy = false;
    }
  }


  private async runVisaBatch(batchId: string, members: { cycleId: string; nationalId: string; attempt: number }[]): Promise<void> {
    const consular = this.api.consular;
    let lodged = await consular.post<{ message?: string }>(`/visa-batches/${batchId}/lodge`, { lodgedOn: today() }, [409]);
    // Sent again after an outage, the lodgement is refused once the first attempt lodged the batch, and while the
    // batch is still applying a message (e.g. the first attempt): the desk looks at the batch, waits, and sends it again.
    for (let tries = 0; lodged.status === 409; tries++) {
      if ((await consular.get<{ lodgedOn: string | null }>(`/visa-batches/${batchId}`)).body.lodgedOn) break;
      if (tries >= 60) throw new ApiError('POST', `/visa-batches/${batchId}/lodge`, 409, lodged.body);
      this.note409('lodgement while the batch was busy');
      await sleep(1000);
      this.checkStop();
      lodged = await consular.post<{ message?: string }>(`/visa-batches/${batchId}/lodge`, { lodgedOn: today() }, [409]);
    }
    const seq = Number(batchId.slice(batchId.lastIndexOf('-') + 1));
    await this.waitOp(visaBatchLodgeOperationId(this.o.campaignId, seq), consular);
    const rows = members.map((m) => {
      const u = unit(m.nationalId, 'visa');
      const decision = m.attempt > 1 || u >= 0.02 ? 'issued' : u < 0.01 ? 'refused' : 'incomplete';
      const visaNumber = decision === 'issued' ? `ESP${m.nationalId.slice(2)}${m.attempt}` : '';
      const reason = decision === 'refused' ? 'antécédents / antecedentes' : decision === 'incomplete' ? 'extrait de casier judiciaire manquant' : '';
      return `${m.nationalId},${decision},${visaNumber},${reason}`;
    });
    const csv = ['nationalId,decision,visaNumber,reason', ...rows].join('\n');
    for (;;) {
      this.checkStop();
      const res = await consular.postCsv<IntakeResult & { message?: string }>(`/visa-batches/${batchId}/decisions`, csv, [409]);
      if (res.status === 409) {
        this.note409('decisions before lodgement applied');
        await sleep(1000);
        continue;
      }
      const f = (this.stats.files.visa_decisions ??= { files: 0, rows: 0, rowsRejected: 0 });
      f.files += 1;
      f.rows += res.body.rowsTotal;
      f.rowsRejected += res.body.rowsRejected;
      if (res.body.operationId) await this.waitOp(res.body.operationId, consular);
      return;
    }
  }

  /** The regional agency: sailings of at most 2,000 seats for the workers ready to depart, then embarkation. */
  private async departureDesk(ready: number): Promise<void> {
    if (this.departureDeskBusy || ready === 0) return;
    this.departureDeskBusy = true;
    try {
      let left = ready;
      while (left > 0) {
        this.checkStop();
        const release = await this.slots.acquire(PRIORITY.departures);
        let handedOver = false;
        try {
          const seats = Math.min(MAX_SEATS, left);
          // The port closes boarding once the embarkation file is in (POST close-boarding), so the no-shows are known at
          // once and the departure time only has to be far enough never to be reached. (Before close-boarding the lead
          // was an estimate: in the 20,000-worker run ~480 embarkation files arrived after departure + grace and those
          // workers became no-shows.)
          const leadMs = 30 * 60_000;
          const departureAt = new Date(Date.now() + leadMs).toISOString();
          const res = await this.api.port.post<{ departureId: string; passengerCount: number; remainingReady: number; message?: string }>(
            `/campaigns/${this.o.campaignId}/departures`,
            { departureAt, seats, embarkationGrace: '3s' },
            [409],
          );
          if (res.status === 409) {
            this.note409('departure none ready');
            return;
          }
          this.stats.departures += 1;
          this.stats.departureLeadSeconds.push(Math.round(leadMs / 100) / 10);
          const departureId = res.body.departureId;
          const passengers = await this.api.port.allPages<{ cycleId: string; nationalId: string }>(`/departures/${departureId}/passengers`);
          handedOver = true;
          this.startJob(departureId, ['ready_to_depart'], passengers.map((p) => p.cycleId), async () => {
            try {
              await this.runDeparture(departureId, passengers);
            } finally {
              release();
            }
          });
          left = res.body.remainingReady;
        } finally {
          if (!handedOver) release();
        }
      }
    } finally {
      this.departureDeskBusy = false;
    }
  }


  private async runDeparture(departureId: string, passengers: { cycleId: string; nationalId: string }[]): Promise<void> {
    const port = this.api.port;
    const convocation = await this.waitOp(bulkOperationId(this.o.campaignId, 'convocation', departureId), port);
    // a worker whose convocation was refused is not on the sailing (the agency plans them again)
    const notConvoked = new Set(convocation.refusals.map((r) => r.cycleId));
    const embarked = passengers.filter((p) => !notConvoked.has(p.cycleId) && unit(p.nationalId, 'no-show') >= 0.01);
    if (embarked.length > 0) {
      const at = new Date().toISOString();
      const ref = this.fileRef('embarkations');
      // the agency's handover (passport, police form, ticket) is ticked on the same sheet
      const csv = ['nationalId,embarkedAt,passport,policeForm,ticket,fileRef', ...embarked.map((p) => `${p.nationalId},${at},1,1,1,${ref}`)].join('\n');
      await this.postFile('embarkations', `/departures/${departureId}/embarkations`, csv, port);
    }
    // The ship leaves: the departure applies the file first, then tells the passengers not aboard they are no-shows.
    const closed = await port.post<{ message?: string }>(`/departures/${departureId}/close-boarding`, {}, [409]);
    // sent again after an outage, the closure is refused once the sailing has left
    if (closed.status === 409 && (await port.get<{ status: string }>(`/departures/${departureId}`)).body.status !== 'departed') {
      throw new ApiError('POST', `/departures/${departureId}/close-boarding`, 409, closed.body);
    }
    this.stats.boardingsClosed += 1;
    const noShows = bulkOperationId(this.o.campaignId, 'no_show', departureId);
    if (passengers.length - notConvoked.size > embarked.length) await this.waitOp(noShows, port);
  }

  /** the campaign as the coordinator last read it (the fault schedule follows the season's progress from it) */
  lastView: CampaignView | undefined;

  private async campaignView(): Promise<CampaignView> {
    this.lastView = (await this.api.coordinator.get<CampaignView>(`/campaigns/${this.o.campaignId}`)).body;
    return this.lastView;
  }

  private stableSince: number | undefined;
  private lastCounts = '';
  private lastChangeAt = Date.now();
  private lastMovedAt = Date.now();

  /** Runs until every cycle that should finish has closed; returns the final campaign view. */
  async drive(): Promise<CampaignView> {
    this.stats.phase = 'season';
    const authHeader = 'nationalId,authorisationNumber,issuedOn,fileRef';
    const preHeader = 'nationalId,sessionAttendedOn,contractSigned,returnCommitmentSigned,fileRef';
    const retHeader = 'nationalId,returnedOn,proof,fileRef';
    for (;;) {
      this.checkStop();
      this.stats.iterations += 1;
      const iterationStart = Date.now();

      const fileRows = Math.min(MAX_FILE_ROWS, Math.max(50, Math.ceil(this.o.workers / 20)));
      const sailing = Math.min(MAX_SEATS, Math.max(100, Math.ceil(this.o.workers / 10)));
      // The coordinator's view (counts per stage) first: the desks list a stage only when there is something to take.
      const view = await this.campaignView();
      const counts = view.stageCounts;
      const selected = this.deskWaiting.has('authorisations') ? [] : await this.freeInStage(counts, 'selected', fileRows);
      if ((counts.selected ?? 0) > 0 && this.campaignStage === 'selection') await this.moveStage('authorisation');
      this.stepDesk('authorisations', 'selected', selected.length, `/campaigns/${this.o.campaignId}/intake/authorisations`, authHeader, (c, nid, ref) => `${nid},AUT-2027-${c.candidateId},${today()},${ref}`);
      const visaFile = Math.min(this.o.visaWeeklyCapacity, fileRows);
      const waitingVisa = this.visaDeskBusy
        ? []
        : [...(await this.freeInStage(counts, 'authorised', visaFile)), ...(await this.freeInStage(counts, 'visa_incomplete', visaFile))];
      if (!this.visaDeskBusy && this.due('visa', waitingVisa.length, visaFile, 5_000)) {
        if (this.campaignStage === 'authorisation') await this.moveStage('visa_processing');
        void this.visaDesk(waitingVisa.length).catch((err: unknown) => this.stats.jobErrors.push(`visa desk: ${(err as Error).message}`));
      }
      const issued = this.deskWaiting.has('predeparture') ? [] : await this.freeInStage(counts, 'visa_issued', fileRows);
      if ((counts.visa_issued ?? 0) > 0 && this.campaignStage === 'visa_processing') await this.moveStage('departures');
      this.stepDesk('predeparture', 'visa_issued', issued.length, `/campaigns/${this.o.campaignId}/intake/predeparture`, preHeader, (_c, nid, ref) => `${nid},${today()},true,true,${ref}`);
      const ready = this.departureDeskBusy ? [] : await this.freeInStage(counts, 'ready_to_depart', MAX_SEATS);
      if (!this.departureDeskBusy && this.due('departures', ready.length, sailing, 10_000)) void this.departureDesk(ready.length).catch((err: unknown) => this.stats.jobErrors.push(`departure desk: ${(err as Error).message}`));
      const back = this.deskWaiting.has('returns') ? [] : await this.freeInStage(counts, 'awaiting_return', fileRows);
      this.stepDesk('returns', 'awaiting_return', back.length, `/campaigns/${this.o.campaignId}/returns`, retHeader, (_c, nid, ref) => `${nid},${today()},port_exit_record,${ref}`);

      // Stage moves and the end of the season (on the view read at the start of the iteration).
      const count = (stages: string[]) => stages.reduce((n, s) => n + (counts[s] ?? 0), 0);
      const vacancies = DROP_OUT_OUTCOMES.reduce((n, o) => n + (view.outcomeCounts[o] ?? 0), 0);
      // a reserve the gate refused (blocked…) stays preselected but is never called: no vacancy waits for her
      const uncalled = Math.max(0, (counts.preselected ?? 0) - view.reserve.refused);
      const busyBeforeEmbarkation = [...this.runningJobs].some((job) => !job.startsWith('returns-'));
      const quietBeforeEmbarkation = count(PRE_EMBARKATION_STAGES) === 0 && !busyBeforeEmbarkation && (view.reserve.called >= vacancies || uncalled === 0);
      if (this.campaignStage === 'departures') {
        // Reserves are called up on the campaign's timer: the departures stage ends once nothing before embarkation is
        // left and no vacancy is waiting for a reserve, for longer than a reserve check.
        if (quietBeforeEmbarkation) {
          this.stableSince ??= Date.now();
          if (Date.now() - this.stableSince > this.o.reserveCheckMs + 1500) await this.moveStage('in_season');
        } else this.stableSince = undefined;
      }
      if (this.campaignStage === 'in_season' && ((counts.awaiting_return ?? 0) > 0 || (view.outcomeCounts.returned ?? 0) > 0)) await this.moveStage('returns');
      if (['in_season', 'returns'].includes(this.campaignStage) && count(OPEN_STAGES) === 0 && this.runningJobs.size === 0) {
        this.stats.endedAt = Date.now();
        this.stats.uncalledReserves = uncalled;
        this.o.log(`season done at ${this.elapsed().toFixed(1)} s: ${JSON.stringify(counts)} ${JSON.stringify(view.outcomeCounts)}`);
        return view;
      }
      if (this.stats.iterations % 10 === 0) {
        this.o.log(
          `t=${this.elapsed().toFixed(0)}s stage=${this.campaignStage} cycles=${JSON.stringify(counts)} outcomes=${JSON.stringify(view.outcomeCounts)} jobs=${this.runningJobs.size}${this.runningJobs.size && this.runningJobs.size <= 5 ? ` (${[...this.runningJobs].join(', ')})` : ''} reserveCalled=${view.reserve.called} updates/s≈${this.updatesPerSecond.toFixed(0)}`,
        );
      }
      const seen = JSON.stringify([counts, view.outcomeCounts]);
      if (seen !== this.lastCounts) this.lastMovedAt = Date.now();
      else if (this.o.frozenMs !== undefined && Date.now() - this.lastMovedAt > this.o.frozenMs) {
        throw new Error(`the season is frozen: no cycle moved for ${Math.round((Date.now() - this.lastMovedAt) / 1000)} s with ${this.runningJobs.size} job(s) in flight (${[...this.runningJobs].join(', ')})`);
      }
      if (seen !== this.lastCounts || this.runningJobs.size > 0) {
        this.lastCounts = seen;
        this.lastChangeAt = Date.now();
      } else if (this.o.stallMs !== undefined && Date.now() - this.lastChangeAt > this.o.stallMs) {
        throw new Error(`the season stalled: no cycle moved for ${Math.round((Date.now() - this.lastChangeAt) / 1000)} s with nothing in flight (${seen})`);
      }
      const spent = Date.now() - iterationStart;
      await sleep(Math.max(250, 1500 - spent));
    }
  }

  /** End of season: the reserves never called are told they are not needed, and the campaign is closed. */
  async closeSeason(releaseReserves: boolean): Promise<CampaignView> {
    this.stats.phase = 'closing';
    if (releaseReserves) {
      const left = (await this.listStage('preselected')).filter((c) => this.reserveCandidates.has(c.candidateId));
      this.stats.reservesReleased = left.length;
      const ops: string[] = [];
      for (const part of chunk(left, MAX_FILE_ROWS)) {
        const rows = part.map((c) => `${this.nid.get(c.candidateId)},rejected,,reserve list closed at the end of the season`);
        const r = await this.postFile('reserve release', `/campaigns/${this.o.campaignId}/intake/selection`, ['nationalId,decision,offerId,reason', ...rows].join('\n'));
        if (r.operationId) ops.push(r.operationId);
      }
      await Promise.all(ops.map((id) => this.waitOp(id)));
      // the rows are mirrored by each cycle's last transition: wait for them to read closed
      for (let i = 0; i < 60 && (await this.listStage('preselected')).length > 0; i++) await sleep(500);
    }
    if (this.campaignStage === 'in_season') await this.moveStage('returns');
    if (this.campaignStage === 'returns') {
      const ok = await this.moveStage('closed');
      const last = this.stats.stageMoves[this.stats.stageMoves.length - 1];
      this.stats.campaignClose = { status: ok ? 200 : 409, ...(last?.message ? { message: last.message } : {}) };
    }
    this.stats.phase = 'closed';
    return this.campaignView();
  }

  /** Waits for the jobs in flight, at most `timeoutMs`: after a frozen engine they never end. Returns how many did not. */
  async settle(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.jobs]), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    return this.jobs.size;
  }
}

export { ApiError };
