// A person's export: the JSON answer (every row as stored, dates as ISO strings, document contents left out) and
// the data of its printed summary (templates/person-export.ts).
import { documentRef, documentUrl } from '../public-ids';
import { z } from 'zod';
import type { PersonExportData } from '../../templates/person-export';
import { formatDate } from '../../templates/layout';
import type { PersonalRecord } from '../queries/people';
import type { Erasure } from '../queries/people';

type Plain<T> = T extends Date ? string : T extends (infer U)[] ? Plain<U>[] : T extends object ? { [K in keyof T]: Plain<T[K]> } : T;

/** Dates as ISO strings, recursively (rows as stored otherwise). */
function plain<T>(value: T): Plain<T> {
  if (value instanceof Date) return value.toISOString() as Plain<T>;
  if (Array.isArray(value)) return value.map(plain) as Plain<T>;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)])) as Plain<T>;
  return value as Plain<T>;
}

const rows = z.array(z.record(z.string(), z.unknown()));

export const personExportView = z.object({
  exportedAt: z.string(),
  candidateId: z.number(),
  person: z.record(z.string(), z.unknown()).describe('the candidate record'),
  erasure: z.record(z.string(), z.unknown()).nullable().describe('when, by whom and why her data was erased'),
  cycles: rows.describe('every season: campaign, stage, outcome, employer, contract, visa, departure, return'),
  auditEvents: rows.describe("the cycles' audit trail"),
  documents: rows.describe('documents issued (their list; each is read at /documents/:id)'),
  visaFiles: rows,
  sailings: rows,
  selectionSessions: rows.describe('invitations to selection sessions: attendance and result'),
  authorisations: rows.describe('multi-year work authorisations'),
  reintegration: z.object({ enrolments: rows, steps: rows }),
  callList: z.object({ entries: rows, calls: rows }).describe('her agency phoning her'),
  inSeasonCases: rows.describe('reports during her seasons (employer change, sickness, accident, complaints, early return) and their resolution'),
  messages: rows.describe('e-mails and SMS to her and about her'),
  accessLog: rows.describe('who read her record (latest 1,000)'),
});

export function exportView(r: PersonalRecord, exportedAt: Date): z.infer<typeof personExportView> {
  return {
    exportedAt: exportedAt.toISOString(),
    candidateId: r.person.id,
    person: plain(r.person),
    erasure: r.erasure ? plain(r.erasure) : null,
    cycles: r.cycles.map((c) => plain({ ...c.cycle, campaignName: c.campaignName, season: c.season, employerName: c.employerName })),
    auditEvents: plain(r.audit),
    documents: r.docs.map((d) => plain({ ...d, id: documentRef(d.id), url: documentUrl(d.id) })),
    visaFiles: plain(r.visaFiles),
    sailings: plain(r.sailings),
    selectionSessions: plain(r.invitations),
    authorisations: plain(r.authorisations),
    reintegration: { enrolments: plain(r.enrolments), steps: plain(r.steps) },
    callList: { entries: plain(r.callEntries), calls: plain(r.calls) },
    inSeasonCases: plain(r.cases),
    messages: plain(r.messages),
    accessLog: plain(r.reads),
  };
}

export const erasureView = z.object({
  candidateId: z.number(),
  kind: z.enum(['request', 'retention']),
  reason: z.string(),
  note: z.string().nullable(),
  erasedBy: z.string(),
  erasedAt: z.string(),
  summary: z.record(z.string(), z.number()).describe('rows changed or removed per table'),
});

export const toErasureView = (e: Erasure): z.infer<typeof erasureView> => ({ ...plain(e), note: e.note });

const day = (d: Date | string | null | undefined) => (d ? formatDate(d instanceof Date ? d.toISOString() : d) : '');
const at = (d: Date | null | undefined) => (d ? `${day(d)} ${d.toISOString().slice(11, 16)}` : '');

/** The printed summary: her identity, then one table per kind of record. */
export function exportDocumentData(r: PersonalRecord, generatedAt: Date): PersonExportData {
  const p = r.person;
  const identity: PersonExportData['identity'] = [
    { label: { ar: 'الاسم', fr: 'Nom', es: 'Nombre' }, value: `${p.firstName} ${p.lastName}` },
    { label: { ar: 'رقم البطاقة الوطنية', fr: 'CIN', es: 'DNI marroquí (CIN)' }, value: p.nationalId },
    { label: { ar: 'تاريخ الازدياد', fr: 'Date de naissance', es: 'Fecha de nacimiento' }, value: day(p.birthDate) },
    { label: { ar: 'الجنس', fr: 'Sexe', es: 'Sexo' }, value: p.sex },
    { label: { ar: 'الإقليم والجماعة', fr: 'Province, commune', es: 'Provincia, municipio' }, value: `${p.province}, ${p.commune}` },
    { label: { ar: 'الوضعية العائلية', fr: 'Situation familiale', es: 'Situación familiar' }, value: `${p.householdSituation} (${p.dependants})` },
    { label: { ar: 'الهاتف', fr: 'Téléphone', es: 'Teléfono' }, value: p.phone ?? '' },
    { label: { ar: 'البريد الإلكتروني', fr: 'Courriel', es: 'Correo electrónico' }, value: p.email ?? '' },
    { label: { ar: 'جواز السفر', fr: 'Passeport', es: 'Pasaporte' }, value: p.passportNumber ? `${p.passportNumber} (${day(p.passportExpiry)})` : '' },
    { label: { ar: 'اللغة', fr: 'Langue', es: 'Idioma' }, value: p.language },
    { label: { ar: 'المواسم السابقة', fr: 'Saisons antérieures', es: 'Temporadas anteriores' }, value: String(p.priorSeasons) },
    { label: { ar: 'ممنوع حتى', fr: "Bloqué jusqu'au", es: 'Bloqueado hasta' }, value: p.blockedUntil ? `${day(p.blockedUntil)} — ${p.blockedReason ?? ''}` : '' },
    { label: { ar: 'تاريخ التسجيل', fr: 'Inscrit le', es: 'Inscrito el' }, value: day(p.createdAt) },
  ];
  if (r.erasure) identity.push({ label: { ar: 'محو البيانات', fr: 'Données effacées', es: 'Datos borrados' }, value: `${at(r.erasure.erasedAt)} — ${r.erasure.reason} — ${r.erasure.erasedBy}` });
  return {
    candidateId: p.id,
    generatedAt: generatedAt.toISOString().slice(0, 10),
    identity,
    tables: [
      {
        title: { ar: 'المواسم', fr: 'Saisons', es: 'Temporadas' },
        columns: [{ label: 'Campagne / Campaña', share: 3 }, { label: 'Étape / Etapa', share: 2 }, { label: 'Issue / Resultado', share: 2 }, { label: 'Employeur / Empleador', share: 3 }, { label: 'Contrat / Contrato', share: 3 }, { label: 'Retour / Retorno', share: 2 }],
        rows: r.cycles.map(({ cycle: c, campaignName, season, employerName }) => [`${campaignName} (${season})\n${c.id}`, c.stage, c.outcome ?? '', employerName ?? c.employerId ?? '', c.contractStart ? `${day(c.contractStart)} – ${day(c.contractEnd)}` : '', day(c.returnedOn)]),
      },
      {
        title: { ar: 'سجل المراحل', fr: 'Journal des étapes', es: 'Registro de las etapas' },
        columns: [{ label: 'Date / Fecha', share: 2 }, { label: 'Cycle / Ciclo', share: 3 }, { label: 'Étape / Paso', share: 3 }, { label: 'Stade / Etapa', share: 2 }, { label: 'Par / Por', share: 4 }],
        rows: r.audit.map((a) => [at(a.occurredAt), a.cycleId, a.step, a.outcome ? `${a.stage} (${a.outcome})` : a.stage, a.actor]),
      },
      {
        title: { ar: 'الوثائق', fr: 'Documents', es: 'Documentos' },
        columns: [{ label: 'Date / Fecha', share: 2 }, { label: 'Document / Documento', share: 3 }, { label: 'Fichier / Fichero', share: 5 }, { label: 'Taille / Tamaño', share: 1 }],
        rows: r.docs.map((d) => [day(d.createdAt), `${d.kind} v${d.version}`, d.filename, `${Math.ceil(d.sizeBytes / 1024)} KB`]),
      },
      {
        title: { ar: 'رخص العمل', fr: 'Autorisations de travail', es: 'Autorizaciones de trabajo' },
        columns: [{ label: 'Numéro / Número', share: 3 }, { label: 'Secteur / Sector', share: 2 }, { label: 'Validité / Validez', share: 3 }, { label: 'Statut / Estado', share: 2 }],
        rows: r.authorisations.map((a) => [a.number, a.sector, `${day(a.startsOn)} – ${day(a.endsOn)}`, a.status]),
      },
      {
        title: { ar: 'إعادة الإدماج', fr: 'Réinsertion', es: 'Reintegración' },
        columns: [{ label: 'Programme / Programa', share: 2 }, { label: 'Inscrit / Inscrito', share: 2 }, { label: 'Statut / Estado', share: 2 }, { label: 'Résultat / Resultado', share: 3 }, { label: 'Étapes / Pasos', share: 4 }],
        rows: r.enrolments.map((e) => [e.programme, day(e.enrolledOn), e.status, [e.outcome, e.businessName].filter(Boolean).join(' — '), r.steps.filter((s) => s.enrolmentId === e.id).map((s) => `${s.step} ${day(s.completedOn)}`).join(', ')]),
      },
      {
        title: { ar: 'مكالمات الوكالة', fr: "Appels de l'agence", es: 'Llamadas de la agencia' },
        columns: [{ label: 'Date / Fecha', share: 2 }, { label: 'Objet / Motivo', share: 2 }, { label: 'Message / Mensaje', share: 6 }, { label: 'Appels / Llamadas', share: 2 }],
        rows: r.callEntries.map((e) => [day(e.dueOn), `${e.purpose} (${e.reason})`, e.message, `${e.attempts}${e.outcome ? ` — ${e.outcome}` : ''}`]),
      },
      {
        title: { ar: 'الرسائل', fr: 'Messages', es: 'Mensajes' },
        columns: [{ label: 'Date / Fecha', share: 2 }, { label: 'Canal', share: 1 }, { label: 'À / A', share: 3 }, { label: 'Objet / Asunto', share: 5 }, { label: 'Envoyé / Enviado', share: 2 }],
        rows: r.messages.map((m) => [at(m.createdAt), m.channel, m.toAddresses.join(', '), m.subject, m.sentAt ? `${at(m.sentAt)}${m.delivery ? ` (${m.delivery})` : ''}` : '']),
      },
      {
        title: { ar: 'من اطلع على الملف', fr: 'Consultations du dossier', es: 'Consultas del expediente' },
        columns: [{ label: 'Date / Fecha', share: 2 }, { label: 'Par / Por', share: 5 }, { label: 'Objet / Motivo', share: 2 }, { label: 'Accès / Acceso', share: 4 }],
        rows: r.reads.map((a) => [at(a.at), a.actorLabel, a.purpose, a.detail ? `${a.route} (${a.detail})` : a.route]),
      },
    ],
  };
}
