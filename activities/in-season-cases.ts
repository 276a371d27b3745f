// Activities of in-season cases (workflows/in-season-case.ts): the escalation e-mail to the worker's agency and the
// consulate's labour office (one outbox row under `case-<id>:escalation`, so a retried activity sends it once), and
// the resolution written to the case's row.
import { and, eq, ne } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_CONSULATE_LABOUR_OFFICE_EMAIL } from '../config';
import { campaigns, candidates, employers, inSeasonCases, offers, workerCycles } from '../db/schema';
import { inSeasonCaseWorkflowId } from '../workflows/contracts/in-season-case';
import { agencyForProvince } from './call-lists';
import type { ActivityDeps } from './deps';
import { sendOutboxEmail } from './outbox';

/** The kinds as the agency and the labour office read them (French, then Spanish). */
export const CASE_KIND_TEXT: Record<string, string> = {
  employer_change: "changement d'employeur / cambio de empleador",
  sickness: 'maladie / enfermedad',
  accident: 'accident / accidente',
  housing_problem: 'problème de logement / problema de alojamiento',
  wage_complaint: 'plainte salariale / queja salarial',
  rest_day_complaint: 'pas de repos hebdomadaire / sin descanso semanal',
  early_return: 'retour anticipé / regreso anticipado',
};

export function createInSeasonCaseActivities(deps: ActivityDeps) {
  const { db, config } = deps;

  return {
    /** Marks the case escalated and e-mails the worker's agency and the consulate's labour office, once per case. */
    async escalateInSeasonCase({ caseId }: { caseId: number }): Promise<{ sent: boolean; recipients: string[] }> {
      const [row] = await db
        .select({ c: inSeasonCases, candidate: candidates, employerName: employers.name, campaignName: campaigns.name })
        .from(inSeasonCases)
        .innerJoin(workerCycles, eq(workerCycles.id, inSeasonCases.cycleId))
        .innerJoin(candidates, eq(candidates.id, workerCycles.candidateId))
        .innerJoin(employers, eq(employers.id, inSeasonCases.employerId))
        .innerJoin(campaigns, eq(campaigns.id, inSeasonCases.campaignId))
        .where(eq(inSeasonCases.id, caseId));
      if (!row) throw ApplicationFailure.nonRetryable(`in-season case ${caseId} not found`, 'CaseNotFound');
      const { c, candidate } = row;
      // open → escalated; a case resolved meanwhile (the resolution raced the deadline) stays resolved
      await db.update(inSeasonCases).set({ status: 'escalated', escalatedAt: new Date() }).where(and(eq(inSeasonCases.id, caseId), eq(inSeasonCases.status, 'open')));
      const agency = await agencyForProvince(db, candidate.province);
      const labourOffice = config.CONSULATE_LABOUR_OFFICE_EMAIL ?? DEFAULT_CONSULATE_LABOUR_OFFICE_EMAIL;
      const newOffer = c.newOfferId ? (await db.select({ id: offers.id, employerId: offers.employerId }).from(offers).where(eq(offers.id, c.newOfferId)))[0] : undefined;
      const kind = CASE_KIND_TEXT[c.kind] ?? c.kind;
      const who = `${candidate.firstName} ${candidate.lastName} (${candidate.nationalId}, ${candidate.province})`;
      const body =
        `Le cas n° ${c.id} (${kind}) signalé le ${c.reportedAt.toISOString().slice(0, 10)} par ${c.reportedBy} n'a pas été résolu avant le ${c.deadline.toISOString().slice(0, 16).replace('T', ' ')} UTC.\n` +
        `Travailleur·se : ${who}\nEmployeur : ${row.employerName} (${c.employerId})\nCampagne : ${row.campaignName}\n` +
        (newOffer ? `Nouvel employeur / Nuevo empleador : ${newOffer.employerId} (offre ${newOffer.id})\n` : '') +
        `\nSignalement / Informe :\n${c.details}\n\n` +
        `El caso n.º ${c.id} (${kind}) no se ha resuelto en el plazo: se remite a la agencia de la trabajadora y a la oficina laboral del consulado.\n\n` +
        `Référence / Referencia : ${c.cycleId} · ${inSeasonCaseWorkflowId(c.id)}\n`;
      return sendOutboxEmail(deps, {
        key: `${inSeasonCaseWorkflowId(c.id)}:escalation`,
        cycleId: c.cycleId,
        to: [agency?.email ?? config.AGENCY_EMAIL, labourOffice],
        subject: `[${row.campaignName}] Cas en saison n° ${c.id} non résolu – ${kind}`,
        body,
      });
    },

    /** Writes the resolution on the case's row (once: a retry finds it resolved). */
    async recordCaseResolution(r: { caseId: number; resolution: string; resolvedBy: string; resolvedAt: string }): Promise<void> {
      await db
        .update(inSeasonCases)
        .set({ status: 'resolved', resolution: r.resolution, resolvedBy: r.resolvedBy, resolvedAt: new Date(r.resolvedAt) })
        .where(and(eq(inSeasonCases.id, r.caseId), ne(inSeasonCases.status, 'resolved')));
    },
  };
}

export type InSeasonCaseActivities = ReturnType<typeof createInSeasonCaseActivities>;
