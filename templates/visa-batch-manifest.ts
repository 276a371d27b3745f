// Manifest of a consular visa batch: the dossier's cover list of every worker in the batch with the documents
// each file carries. A4 landscape, one line per worker, the column header repeated on every page; built for
// batches of the consulate's full weekly capacity (1,500 lines, about 40 pages): fixed row height, no text
// wrapping, cells cut to their column with an ellipsis.
import { ACCENT, FONT, FONT_BOLD, FONT_ITALIC, INK, MUTED, contentWidth, field, formatDate, title, type Doc } from './layout';
import type { CampaignRef } from './types';
import { cell, fitText } from './typeset';

export interface VisaBatchManifestMember {
  /** line of the manifest (1..n); the visa file reference is `<batchId>/<n>` */
  n: number;
  cycleId: string;
  nationalId: string;
  firstName: string;
  lastName: string;
  province: string;
  passportNumber: string | null;
  passportExpiry: string | null;
  employerId: string | null;
  employerName: string | null;
  authorisationNumber: string | null;
  offerId: string | null;
  contractStart: string | null;
  contractEnd: string | null;
  /** 1 for a first file, 2+ for a file resubmitted after an 'incomplete' decision */
  attempt: number;
  decision: 'issued' | 'refused' | 'incomplete' | null;
}

export interface VisaBatchManifestData {
  batchId: string;
  /** yyyy-mm-dd: fixes the PDF metadata date (same data, same bytes) */
  issuedOn: string;
  campaign: CampaignRef;
  weekStart: string;
  capacity: number;
  lodgedOn: string | null;
  members: VisaBatchManifestMember[];
}

/** The three pieces every visa file must carry. */
export function memberDocuments(m: VisaBatchManifestMember): { passport: boolean; authorisation: boolean; contract: boolean } {
  return {
    passport: Boolean(m.passportNumber),
    authorisation: Boolean(m.authorisationNumber),
    contract: Boolean(m.offerId && m.contractStart && m.contractEnd),
  };
}

interface Column {
  /** French over Spanish */
  header: [string, string];
  width: number;
  cell: (m: VisaBatchManifestMember) => string;
}

const yesNo = (v: boolean) => (v ? 'oui' : 'NON');

const COLUMNS: Column[] = [
  { header: ['N°', ''], width: 26, cell: (m) => String(m.n) },
  { header: ['CIN', ''], width: 60, cell: (m) => m.nationalId },
  { header: ['Nom', 'Nombre'], width: 136, cell: (m) => `${m.lastName.toUpperCase()} ${m.firstName}` },
  { header: ['Passeport', 'Pasaporte'], width: 64, cell: (m) => m.passportNumber ?? '' },
  { header: ['Validité', 'Validez'], width: 56, cell: (m) => formatDate(m.passportExpiry) },
  { header: ['Province', 'Provincia'], width: 70, cell: (m) => m.province },
  { header: ['Employeur', 'Empleador'], width: 106, cell: (m) => m.employerName ?? m.employerId ?? '' },
  { header: ['Autorisation', 'Autorización'], width: 88, cell: (m) => m.authorisationNumber ?? '' },
  { header: ['Contrat', 'Contrato'], width: 86, cell: (m) => (m.contractStart && m.contractEnd ? `${formatDate(m.contractStart)}-${formatDate(m.contractEnd)}` : '') },
];
// The documents columns: passport, work authorisation, employment contract.
const DOC_COLUMNS = [
  { header: ['Pas.', 'Pas.'], key: 'passport' },
  { header: ['Aut.', 'Aut.'], key: 'authorisation' },
  { header: ['Ctr.', 'Ctr.'], key: 'contract' },
] as const;
const DOC_WIDTH = 21;

const ROW_HEIGHT = 12.5;
const HEADER_HEIGHT = 20;
const CELL_FONT_SIZE = 7.4;
const PAD = 2.5;

function tableHeader(doc: Doc, x: number, y: number, width: number): number {
  doc.rect(x, y, width, HEADER_HEIGHT).fill(ACCENT);
  let cx = x;
  for (const c of [...COLUMNS, ...DOC_COLUMNS.map((d) => ({ header: d.header, width: DOC_WIDTH }))]) {
    doc.font(FONT_BOLD).fontSize(7).fillColor('#ffffff').text(fitText(c.header[0], c.width - 2 * PAD, { size: 7, style: 'bold' }), cx + PAD, y + 3, { lineBreak: false });
    if (c.header[1] && c.header[1] !== c.header[0]) {
      doc.font(FONT_ITALIC).fontSize(6.5).fillColor('#dde6f0').text(fitText(c.header[1], c.width - 2 * PAD, { size: 6.5, style: 'italic' }), cx + PAD, y + 11, { lineBreak: false });
    }
    cx += c.width;
  }
  doc.fillColor(INK);
  return y + HEADER_HEIGHT;
}

function memberTable(doc: Doc, members: VisaBatchManifestMember[]): void {
  const x = doc.page.margins.left;
  const width = COLUMNS.reduce((w, c) => w + c.width, 0) + DOC_COLUMNS.length * DOC_WIDTH;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  let y = doc.y + 4;
  if (y + HEADER_HEIGHT + ROW_HEIGHT > bottom()) {
    doc.addPage();
    y = doc.page.margins.top;
  }
  y = tableHeader(doc, x, y, width);
  members.forEach((m, i) => {
    if (y + ROW_HEIGHT > bottom()) {
      doc.addPage();
      y = tableHeader(doc, x, doc.page.margins.top, width);
    }
    if (i % 2 === 1) doc.rect(x, y, width, ROW_HEIGHT).fill('#eef2f7');
    doc.font(FONT).fontSize(CELL_FONT_SIZE).fillColor(INK);
    let cx = x;
    for (const c of COLUMNS) {
      const text = c.cell(m);
      // through the typesetter: a name written in Arabic prints as written
      if (text) cell(doc, text, cx + PAD, y + 3, c.width - 2 * PAD, { size: CELL_FONT_SIZE, color: INK });
      cx += c.width;
    }
    const docs = memberDocuments(m);
    for (const d of DOC_COLUMNS) {
      const ok = docs[d.key];
      doc.font(ok ? FONT : FONT_BOLD).fillColor(ok ? INK : '#b00020').text(yesNo(ok), cx + PAD, y + 3, { lineBreak: false });
      cx += DOC_WIDTH;
    }
    y += ROW_HEIGHT;
  });
  doc.moveTo(x, y).lineTo(x + width, y).lineWidth(0.5).strokeColor(ACCENT).stroke();
  doc.x = x;
  doc.y = y + 8;
  doc.fillColor(INK);
}

export function visaBatchManifest(doc: Doc, data: VisaBatchManifestData): void {
  title(doc, { fr: 'Manifeste de lot de demandes de visa', es: 'Manifiesto de lote de solicitudes de visado' });
  const missing = data.members.filter((m) => {
    const d = memberDocuments(m);
    return !d.passport || !d.authorisation || !d.contract;
  }).length;
  const resubmitted = data.members.filter((m) => m.attempt > 1).length;
  field(doc, { fr: 'Lot', es: 'Lote' }, data.batchId);
  field(doc, { fr: 'Campagne', es: 'Campaña' }, `${data.campaign.name} (${data.campaign.id}, ${data.campaign.season})`);
  field(doc, { fr: 'Semaine du', es: 'Semana del' }, `${formatDate(data.weekStart)} (capacité / capacidad ${data.capacity})`);
  field(doc, { fr: 'Déposé le', es: 'Presentado el' }, data.lodgedOn ? formatDate(data.lodgedOn) : 'non déposé / no presentado');
  field(doc, { fr: 'Dossiers', es: 'Expedientes' }, `${data.members.length}${resubmitted ? ` (dont ${resubmitted} redéposés / de ellos ${resubmitted} nuevamente presentados)` : ''}`);
  field(
    doc,
    { fr: 'Dossiers incomplets', es: 'Expedientes incompletos' },
    missing ? `${missing} (pièce manquante : NON / documento que falta: NON)` : '0',
  );
  doc.font(FONT).fontSize(7).fillColor(MUTED).text(
    'Pièces / Documentos : Pas. = passeport / pasaporte, Aut. = autorisation de travail / autorización de trabajo, Ctr. = contrat de travail / contrato de trabajo. Référence du dossier / Referencia del expediente : <lot>/<N°>.',
    doc.page.margins.left,
    doc.y + 4,
    { width: contentWidth(doc) },
  );
  doc.fillColor(INK);
  memberTable(doc, data.members);
  if (data.members.length === 0) {
    doc.font(FONT).fontSize(9).text('Aucun dossier / Ningún expediente', doc.page.margins.left, doc.y, { width: contentWidth(doc) });
  }
}
