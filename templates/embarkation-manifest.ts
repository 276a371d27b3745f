// Embarkation manifest of one sailing: the list the port team ticks off at Tanger Ville, one line per passenger
// (name, CIN, passport, employer, visa, and a box for the embarkation tick or the recorded status). Built for
// up to 2,000 passengers: fixed-height rows, the table header repeated on every page.
import { ACCENT, FONT, FONT_BOLD, FONT_ITALIC, INK, MUTED, contentWidth, field, formatDateTimeCasablanca, title, type Doc } from './layout';
import type { CampaignRef } from './types';
import { cell, fitText } from './typeset';

export interface ManifestPassenger {
  firstName: string;
  lastName: string;
  nationalId: string;
  passportNumber?: string | null;
  employerName?: string | null;
  visaNumber?: string | null;
  status: 'convoked' | 'embarked' | 'no_show';
  /** ISO date-time, when embarked */
  embarkedAt?: string | null;
  /** what the agency handed over at the port: P passport, F police form (fiche), B ticket (billet); or the exception */
  handover?: { passport: boolean; policeForm: boolean; ticket: boolean; exception?: string | null } | null;
}

export interface EmbarkationManifestData {
  departureId: string;
  campaign: CampaignRef;
  /** ISO date-time of the sailing */
  departureAt: string;
  port: string;
  destination: string;
  seats: number;
  status: 'planned' | 'convoked' | 'departed';
  /** ISO date-time the manifest was printed */
  generatedAt: string;
  /** who printed it: the authenticated caller */
  printedBy?: string;
  passengers: ManifestPassenger[];
}

interface Column {
  key: string;
  label: { fr: string; es: string };
  width: number; // share of the content width
}

const COLUMNS: Column[] = [
  { key: 'n', label: { fr: 'N°', es: '' }, width: 0.055 },
  { key: 'name', label: { fr: 'Nom', es: 'Nombre' }, width: 0.2 },
  { key: 'cin', label: { fr: 'CIN', es: '' }, width: 0.09 },
  { key: 'passport', label: { fr: 'Passeport', es: 'Pasaporte' }, width: 0.12 },
  { key: 'employer', label: { fr: 'Employeur', es: 'Empleador' }, width: 0.17 },
  { key: 'visa', label: { fr: 'Visa', es: 'Visado' }, width: 0.115 },
  { key: 'handover', label: { fr: 'Remis P F B', es: 'Entregado' }, width: 0.08 },
  { key: 'tick', label: { fr: 'Embarqué', es: 'Embarcado' }, width: 0.17 },
];

const ROW_HEIGHT = 14;
const HEADER_HEIGHT = 21;
const FONT_SIZE = 7.5;
const PADDING = 3;

/** The handover in a few letters: P F B when all three were handed over, the letters handed, or the exception. */
function handoverCell(h: ManifestPassenger['handover']): string {
  if (!h) return '-';
  if (h.exception) return 'exception';
  const got = [h.passport && 'P', h.policeForm && 'F', h.ticket && 'B'].filter(Boolean);
  return got.length ? got.join(' ') : '-';
}

const STATUS_LABEL: Record<ManifestPassenger['status'], string> = {
  convoked: '',
  embarked: 'Embarqué',
  no_show: 'Absent / Ausente',
};

function columnX(doc: Doc): { x: number; width: number }[] {
  const total = contentWidth(doc);
  let x = doc.page.margins.left;
  return COLUMNS.map((c) => {
    const col = { x, width: c.width * total };
    x += col.width;
    return col;
  });
}

function tableHeader(doc: Doc): void {
  const cols = columnX(doc);
  const y = doc.y;
  const left = doc.page.margins.left;
  doc.rect(left, y, contentWidth(doc), HEADER_HEIGHT).fillColor('#e8eef5').fill();
  COLUMNS.forEach((c, i) => {
    const col = cols[i]!;
    const w = col.width - 2 * PADDING;
    doc.font(FONT_BOLD).fontSize(FONT_SIZE).fillColor(ACCENT).text(fitText(c.label.fr, w, { size: FONT_SIZE, style: 'bold' }), col.x + PADDING, y + 3, { width: w, lineBreak: false });
    if (c.label.es) doc.font(FONT_ITALIC).fontSize(FONT_SIZE - 0.5).fillColor(MUTED).text(fitText(c.label.es, w, { size: FONT_SIZE - 0.5, style: 'italic' }), col.x + PADDING, y + 11.5, { width: w, lineBreak: false });
  });
  doc.fillColor(INK);
  doc.x = left;
  doc.y = y + HEADER_HEIGHT;
}

function bottom(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

export function embarkationManifest(doc: Doc, data: EmbarkationManifestData): void {
  const embarked = data.passengers.filter((p) => p.status === 'embarked').length;
  const noShow = data.passengers.filter((p) => p.status === 'no_show').length;

  title(doc, { fr: "Manifeste d'embarquement", es: 'Manifiesto de embarque' }, {
    fr: `${data.campaign.name} ${data.campaign.season} — traversée ${data.departureId}`,
    es: `${data.campaign.name} ${data.campaign.season} — travesía ${data.departureId}`,
  });
  field(doc, { fr: 'Traversée', es: 'Travesía' }, data.departureId);
  field(doc, { fr: 'Trajet', es: 'Trayecto' }, `${data.port} – ${data.destination}`);
  field(doc, { fr: 'Départ (heure du Maroc)', es: 'Salida (hora de Marruecos)' }, formatDateTimeCasablanca(data.departureAt));
  field(doc, { fr: 'Places', es: 'Plazas' }, String(data.seats));
  field(doc, { fr: 'Passagers convoqués', es: 'Pasajeros convocados' }, String(data.passengers.length));
  const handedOver = data.passengers.filter((p) => p.handover && (p.handover.exception || (p.handover.passport && p.handover.policeForm && p.handover.ticket))).length;
  field(doc, { fr: 'Remises faites (passeport, fiche de police, billet)', es: 'Entregas hechas' }, `${handedOver} / ${data.passengers.length}`);
  if (data.status === 'departed' || embarked > 0 || noShow > 0) {
    field(doc, { fr: 'Embarqués / absents', es: 'Embarcados / no presentados' }, `${embarked} / ${noShow}`);
  }
  field(doc, { fr: 'Édité le (heure du Maroc)', es: 'Emitido el (hora de Marruecos)' }, formatDateTimeCasablanca(data.generatedAt));
  if (data.printedBy) field(doc, { fr: 'Édité par', es: 'Emitido por' }, data.printedBy);
  doc.moveDown(0.6);

  if (data.passengers.length === 0) {
    doc.font(FONT).fontSize(9.5).fillColor(MUTED).text('Aucun passager / Ningún pasajero', doc.page.margins.left, doc.y);
    doc.fillColor(INK);
    return;
  }

  if (doc.y + HEADER_HEIGHT + ROW_HEIGHT > bottom(doc)) doc.addPage();
  tableHeader(doc);
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  data.passengers.forEach((p, i) => {
    if (doc.y + ROW_HEIGHT > bottom(doc)) {
      doc.addPage();
      tableHeader(doc);
    }
    const cols = columnX(doc);
    const y = doc.y;
    if (i % 2 === 1) doc.rect(left, y, width, ROW_HEIGHT).fillColor('#f6f6f6').fill();
    const cells = [
      String(i + 1),
      `${p.lastName.toUpperCase()} ${p.firstName}`,
      p.nationalId,
      p.passportNumber ?? '-',
      p.employerName ?? '-',
      p.visaNumber ?? '-',
      handoverCell(p.handover),
    ];
    cells.forEach((text, c) => {
      const col = cols[c]!;
      // through the typesetter: a name written in Arabic prints as written
      cell(doc, text, col.x + PADDING, y + 4, col.width - 2 * PADDING, { size: FONT_SIZE, color: INK });
    });
    // The last column: a box to tick at the gangway, and the status once recorded.
    const tick = cols[COLUMNS.length - 1]!;
    const box = 8;
    doc.rect(tick.x + PADDING, y + (ROW_HEIGHT - box) / 2, box, box).lineWidth(0.6).strokeColor('#777777').stroke();
    if (p.status === 'embarked') {
      doc.font(FONT_BOLD).fontSize(FONT_SIZE).fillColor(ACCENT).text('X', tick.x + PADDING + 1.6, y + 4, { width: box, lineBreak: false });
    }
    const label = p.status === 'embarked' && p.embarkedAt ? `${STATUS_LABEL.embarked} ${formatDateTimeCasablanca(p.embarkedAt).slice(11)}` : STATUS_LABEL[p.status];
    if (label) {
      const lx = tick.x + PADDING + box + 4;
      doc.font(FONT).fontSize(FONT_SIZE - 0.5).fillColor(p.status === 'no_show' ? '#9a1b1b' : MUTED)
        .text(fitText(label, tick.width - box - 2 * PADDING - 4, { size: FONT_SIZE - 0.5 }), lx, y + 4.5, { width: tick.width - box - 2 * PADDING - 4, lineBreak: false });
    }
    doc.moveTo(left, y + ROW_HEIGHT).lineTo(left + width, y + ROW_HEIGHT).lineWidth(0.3).strokeColor('#cccccc').stroke();
    doc.fillColor(INK);
    doc.x = left;
    doc.y = y + ROW_HEIGHT;
  });
  doc.moveDown(1);
  if (doc.y + 40 > bottom(doc)) doc.addPage();
  doc.font(FONT).fontSize(8.5).fillColor(MUTED).text(
    "Visa de l'agent portuaire ANAPEC / Firma del agente portuario ANAPEC : ______________________",
    left,
    doc.y,
    { width },
  );
  doc.fillColor(INK);
}
