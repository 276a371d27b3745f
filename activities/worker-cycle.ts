// Activities are built once per worker process from their dependencies; each is idempotent on a business key.
import { createHash } from 'node:crypto';
import { and, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/common';
import { agencies, auditEvents, campaigns, candidates, documents, employers, offers, workerCycles } from '../db/schema';
import type { ContractDocumentData, DocumentKind } from '../templates/types';
import { renderNotification, type NotificationTemplate } from '../templates/notifications';
import type { CycleOutcome, CycleStage } from '../workflows/contracts/worker-cycle';
import { rowOfState, type MirroredState } from '../db/cycle-mirror';

import type { ActivityDeps } from './deps';
import { sendOutboxEmail } from './outbox';
import { sendWorkerSms, workerSmsText } from './sms';

export interface TransitionInput {
  cycleId: string;
  campaignId: string;
  candidateId: number;
  province: string;
  seq: number;
  step: string;
  stage: CycleStage;
  outcome?: CycleOutcome;
  actor: string;
  occurredAt: string;
  details: Record<string, unknown>;
  /** the state's fields the cycle's row mirrors */
  cycle: MirroredState;
}

export type Audience = 'worker' | 'employer' | 'agency' | 'consular_liaison';

export interface NotificationInput {
  /** Outbox idempotency key: workflow ID + step. */
  key: string;
  cycleId: string;
  audience: Audience[];
  template: string;
  documentIds: number[];
}

export { outboxMessageId } from './outbox';

/** How each kind's file is named: `contrat-<cycle>.pdf`, a later version `contrat-<cycle>-v2.pdf`. */
const DOCUMENT_FILE_PREFIX: Record<DocumentKind, string> = {
  employment_contract: 'contrat',
  return_commitment: 'engagement-retour',
  predeparture_sheet: 'fiche-pre-depart',
  convocation: 'convocation',
};

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const today = () => new Date().toISOString().slice(0, 10);

export function createCycleActivities(deps: ActivityDeps) {
  const { db, documents: renderer, config } = deps;
  // Built once: every activity of a cycle reads its context, and drizzle building this five-table selection again
  // for each call was the larger part of its cost on the worker's main thread (profile of a 2,000-worker season).
  const cycleContext = db
    .select({ cycle: workerCycles, candidate: candidates, campaign: campaigns, offer: offers, employer: employers, agency: agencies })
    .from(workerCycles)
    .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
    .innerJoin(campaigns, eq(campaigns.id, workerCycles.campaignId))
    .leftJoin(offers, eq(offers.id, workerCycles.offerId))
    .leftJoin(employers, eq(employers.id, workerCycles.employerId))
    // her province's agency (one per province), which her notices copy and which phones her: read with her cycle
    .leftJoin(agencies, eq(agencies.province, candidates.province))
    .where(eq(workerCycles.id, sql.placeholder('cycleId')))
    .prepare('cycle_context');
  async function loadCycleContext(cycleId: string) {
    const [row] = await cycleContext.execute({ cycleId });
    if (!row) throw ApplicationFailure.nonRetryable(`worker cycle ${cycleId} is not in the database`, 'CycleNotFound');
    return row;
  }

  interface DocumentToStore {
    kind: DocumentKind;
    version: number;
    filename: string;
    render: () => Promise<Buffer>;
  }
  /**
   * Stores each rendered document once per (cycle, kind, version) and returns their ids, in order. One query finds
   * those already stored (a retry renders nothing again), one stores the others.
   */
  async function storeDocuments(cycleId: string, docs: DocumentToStore[]): Promise<number[]> {
    const stored = () =>
      db
        .select({ id: documents.id, kind: documents.kind, version: documents.version })
        .from(documents)
        .where(and(eq(documents.cycleId, cycleId), inArray(documents.kind, docs.map((d) => d.kind))));
    const idOf = (rows: { id: number; kind: string; version: number }[], d: DocumentToStore) => rows.find((r) => r.kind === d.kind && r.version === d.version)?.id;
    let rows = await stored();
    const missing = docs.filter((d) => idOf(rows, d) === undefined);
    if (missing.length) {
      const contents = await Promise.all(missing.map((d) => d.render()));
      const inserted = await db
        .insert(documents)
        .values(missing.map((d, i) => ({ cycleId, kind: d.kind, version: d.version, filename: d.filename, content: contents[i]!, sha256: sha256(contents[i]!), sizeBytes: contents[i]!.length })))
        .onConflictDoNothing()
        .returning({ id: documents.id, kind: documents.kind, version: documents.version });
      // one stored meanwhile by an attempt running alongside (a timed-out one): that copy is the document
      rows = inserted.length === missing.length ? [...rows, ...inserted] : await stored();
    }
    return docs.map((d) => idOf(rows, d)!);
  }

  /** Stores a rendered document once per (cycle, kind, version) and returns its id. */
  async function storeDocument(cycleId: string, kind: DocumentKind, version: number, filename: string, render: () => Promise<Buffer>) {
    const [id] = await storeDocuments(cycleId, [{ kind, version, filename, render }]);
    return id!;
  }

  type CycleContext = Awaited<ReturnType<typeof loadCycleContext>>;
  function contractData(ctx: CycleContext): ContractDocumentData {
    if (!ctx.offer || !ctx.employer) {
      throw ApplicationFailure.nonRetryable(`cycle ${ctx.cycle.id} has no offer or employer`, 'CycleIncomplete');
    }
    return {
      cycleId: ctx.cycle.id,
      issuedOn: today(),
      worker: ctx.candidate,
      employer: ctx.employer,
      offer: ctx.offer,
      campaign: ctx.campaign,
      authorisationNumber: ctx.cycle.authorisationNumber,
      visaNumber: ctx.cycle.visaNumber,
    };
  }
  function renderConvocation(ctx: CycleContext, c: { cycleId: string; departureAt: string; port: string; sailing?: string }) {
    if (!ctx.employer) throw ApplicationFailure.nonRetryable(`cycle ${c.cycleId} has no employer`, 'CycleIncomplete');
    return renderer.renderConvocation({ cycleId: c.cycleId, issuedOn: today(), worker: ctx.candidate, employer: ctx.employer, campaign: ctx.campaign, departureAt: c.departureAt, port: c.port, sailing: c.sailing ?? null });
  }

  return {
    /**
     * Writes one transition to the audit log and moves the cycle row forward (never backwards on a retry).
     *
     * Transitions run as local activities, before the workflow task that took the step completes. When that task is
     * lost (its worker killed), Temporal never recorded it, and the task's retry may take another path: an Update
     * and a deadline that arrived together can come in the other order. Its steps then reuse the lost task's seqs.
     * So a seq is not a fixed step: the write of the latest attempt, told by its workflow time (a retried task
     * starts later), replaces what is at its seq and removes what the lost task wrote beyond it, and the cycle row
     * follows the write that is newest by (workflow time, seq). A retry of the same write, or an older one (a stale
     * retry of an earlier seq), changes nothing.
     */
    async recordTransition(t: TransitionInput): Promise<void> {
      const at = new Date(t.occurredAt);
      const fields = { stage: t.stage, outcome: t.outcome ?? null, ...rowOfState(t.cycle), lastSeq: t.seq, updatedAt: new Date() };
      const event = { step: t.step, stage: t.stage, outcome: t.outcome ?? null, actor: t.actor, details: t.details, occurredAt: at };
      // One statement (one round trip, atomic): every part reads the same snapshot, so the row's guard compares with
      // the event the row was written with, before this statement replaces it.
      const rowWrittenAt = sql`coalesce((select e.occurred_at from ${auditEvents} e where e.cycle_id = ${workerCycles.id} and e.seq = ${workerCycles.lastSeq}), '-infinity')`;
      const mirror = db
        .insert(workerCycles)
        .values({ id: t.cycleId, campaignId: t.campaignId, candidateId: t.candidateId, province: t.province, ...fields })
        .onConflictDoUpdate({ target: workerCycles.id, set: fields, where: sql`(${rowWrittenAt}, ${workerCycles.lastSeq}) < (${t.occurredAt}::timestamptz, ${t.seq}::int)` });
      // events after this one written by a lost attempt that took another path
      const superseded = db.delete(auditEvents).where(and(eq(auditEvents.cycleId, t.cycleId), gt(auditEvents.seq, t.seq), lt(auditEvents.occurredAt, at)));
      const record = db
        .insert(auditEvents)
        .values({ cycleId: t.cycleId, seq: t.seq, ...event })
        .onConflictDoUpdate({ target: [auditEvents.cycleId, auditEvents.seq], set: event, where: lt(auditEvents.occurredAt, at) });
      await db.execute(sql`with mirrored as (${mirror.getSQL()}), superseded as (${superseded.getSQL()}) ${record.getSQL()}`);
    },

    /** Prints the contract, the return commitment and the pre-departure sheet (worker's language + Spanish) for the pre-departure session. */
    async issueContractDocuments({ cycleId }: { cycleId: string }): Promise<{ documentIds: number[] }> {
      const ctx = await loadCycleContext(cycleId);
      const data = contractData(ctx);
      const documentIds = await storeDocuments(cycleId, [
        { kind: 'employment_contract', version: 1, filename: `${DOCUMENT_FILE_PREFIX.employment_contract}-${cycleId}.pdf`, render: () => renderer.renderContract(data) },
        { kind: 'return_commitment', version: 1, filename: `${DOCUMENT_FILE_PREFIX.return_commitment}-${cycleId}.pdf`, render: () => renderer.renderReturnCommitment(data) },
        { kind: 'predeparture_sheet', version: 1, filename: `${DOCUMENT_FILE_PREFIX.predeparture_sheet}-${cycleId}.pdf`, render: () => renderer.renderPredepartureSheet(data) },
      ]);
      return { documentIds };
    },

    /** Prints the convocation letter for the sailing the worker is convoked to. */
    async issueConvocation(input: { cycleId: string; departureAt: string; port: string; sailing?: string; version?: number }): Promise<{ documentId: number }> {
      const ctx = await loadCycleContext(input.cycleId);
      // a worker released from a sailing and convoked to another gets the letter's next version
      const version = input.version ?? 1;
      const filename = `${DOCUMENT_FILE_PREFIX.convocation}-${input.cycleId}${version > 1 ? `-v${version}` : ''}.pdf`;
      const documentId = await storeDocument(input.cycleId, 'convocation', version, filename, () => renderConvocation(ctx, input));
      return { documentId };
    },

    /**
     * Prints a document again from today's records (a corrected name, a new sailing), as version `version` of its
     * kind: the earlier versions stay, as handed over. Idempotent on (cycle, kind, version), like every print.
     */
    async printDocumentVersion(input: { cycleId: string; kind: DocumentKind; version: number }): Promise<{ documentId: number; filename: string }> {
      const ctx = await loadCycleContext(input.cycleId);
      const { cycleId, kind, version } = input;
      const filename = `${DOCUMENT_FILE_PREFIX[kind]}-${cycleId}-v${version}.pdf`;
      const render = (): Promise<Buffer> => {
        if (kind === 'convocation') {
          if (!ctx.cycle.departureAt || !ctx.cycle.port) throw ApplicationFailure.nonRetryable(`cycle ${cycleId} is not convoked to a sailing`, 'CycleIncomplete');
          return renderConvocation(ctx, { cycleId, departureAt: ctx.cycle.departureAt.toISOString(), port: ctx.cycle.port });
        }
        const data = contractData(ctx);
        if (kind === 'employment_contract') return renderer.renderContract(data);
        if (kind === 'return_commitment') return renderer.renderReturnCommitment(data);
        return renderer.renderPredepartureSheet(data);
      };
      return { documentId: await storeDocument(cycleId, kind, version, filename, render), filename };
    },

    /**
     * Outbox: the e-mail (written once under its key, sent only if not yet sent, at least once with a stable
     * Message-ID: activities/outbox.ts) and, for a worker step, the SMS to her phone in her language and her place on
     * her agency's call list (activities/sms.ts).
     */
    async sendNotification(n: NotificationInput): Promise<{ sent: boolean; recipients: string[]; smsParts: number }> {
      const ctx = await loadCycleContext(n.cycleId);
      const agencyEmail = ctx.agency?.email ?? config.AGENCY_EMAIL;
      const recipients = new Set<string>();
      for (const a of n.audience) {
        // no e-mail address: the documents go to her agency, which prints them and phones her
        if (a === 'worker' && (ctx.candidate.email || n.documentIds.length)) recipients.add(ctx.candidate.email ?? agencyEmail);
        if (a === 'employer' && ctx.employer?.email) recipients.add(ctx.employer.email);
        if (a === 'agency') recipients.add(agencyEmail);
        if (a === 'consular_liaison') recipients.add(config.CONSULAR_LIAISON_EMAIL);
      }
      const mailContext = {
        cycleId: n.cycleId,
        workerName: `${ctx.candidate.firstName} ${ctx.candidate.lastName}`,
        workerSex: ctx.candidate.sex,
        campaignName: ctx.campaign.name,
        employerName: ctx.employer?.name,
        visaFileReference: ctx.cycle.visaFileReference,
        departureAt: ctx.cycle.departureAt?.toISOString(),
        port: ctx.cycle.port,
        contractEnd: ctx.cycle.contractEnd,
        outcome: ctx.cycle.outcome,
      };
      const { subject, text } = renderNotification(n.template as NotificationTemplate, mailContext);
      const mail = await sendOutboxEmail(deps, { key: n.key, cycleId: n.cycleId, to: [...recipients], subject, body: text, documentIds: n.documentIds });
      let smsParts = 0;
      if (n.audience.includes('worker')) {
        const smsText = workerSmsText(n.template, {
          language: ctx.candidate.language,
          sex: ctx.candidate.sex,
          campaignName: ctx.campaign.name,
          employerName: ctx.employer?.name,
          departureAt: ctx.cycle.departureAt,
          port: ctx.cycle.port,
          contractEnd: ctx.cycle.contractEnd,
        });
        smsParts = (await sendWorkerSms(deps, { key: n.key, cycleId: n.cycleId, template: n.template }, smsText, ctx)).parts;
      }
      return { ...mail, smsParts };
    },
  };
}

export type CycleActivities = ReturnType<typeof createCycleActivities>;
