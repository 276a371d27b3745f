// Small formatting and layout helpers shared by the PDF templates.
// Formatting works on the strings the domain stores (yyyy-mm-dd, "41.00") rather than
// on Date/Number locale APIs, so the output never depends on the host's TZ or locale.
import type { WorkerIdentity } from './types';

export type Doc = PDFKit.PDFDocument;

export interface Bilingual {
  fr: string;
  es: string;
}

export const FONT = 'Helvetica';
export const FONT_BOLD = 'Helvetica-Bold';
export const FONT_ITALIC = 'Helvetica-Oblique';
export const INK = '#111111';
export const MUTED = '#555555';
export const ACCENT = '#1f4e79';

/** Shown when an optional value (passport, visa...) is not known yet. */
export const NOT_PROVIDED: Bilingual = { fr: 'non communiqué', es: 'no comunicado' };

// Characters in cp1252 above 0x7F that are not plain Latin-1 (WinAnsi extras).
const WIN_ANSI_EXTRAS = new Set([
  0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014, 0x2018,
  0x2019, 0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039, 0x203a,
  0x20ac, 0x2122,
]);

/**
 * The standard Helvetica fonts only encode WinAnsi (cp1252). Anything else (arrows, narrow
 * no-break spaces from Intl, names typed with exotic diacritics) would print as garbage, so we
 * fold it: spaces to a space, accented letters to their base letter, the rest to '?'.
 */
export function winAnsi(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0x3f;
    if ((cp >= 0x20 && cp < 0x7f) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRAS.has(cp) || cp === 0x0a) {
      out += ch;
    } else if (/\s/u.test(ch)) {
      out += ' ';
    } else if (cp === 0x2192) {
      out += '->';
    } else {
      const base = ch.normalize('NFD').replace(/\p{M}/gu, '');
      out += base !== ch && [...base].every((c) => c.charCodeAt(0) < 0x7f) ? base : '?';
    }
  }
  return out;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** yyyy-mm-dd (or an ISO date-time) -> dd/mm/yyyy; unknown shapes are printed as given. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = ISO_DATE.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

/** Departure times are announced in Moroccan local time, whatever the server's TZ. */
export function formatDateTimeCasablanca(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Africa/Casablanca',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('day')}/${get('month')}/${get('year')} ${get('hour')}:${get('minute')}`;
}

/** Fixed PDF metadata date (midnight UTC of the issue day) so identical input gives identical bytes. */
export function documentDate(issuedOn: string): Date {
  const m = ISO_DATE.exec(issuedOn);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new RangeError(`issuedOn must be yyyy-mm-dd, got "${issuedOn}"`);
  return date;
}

function splitDecimal(value: string, decimals: number): [string, string] {
  const n = Number(value.trim().replace(',', '.'));
  if (!Number.isFinite(n)) return [value, ''];
  const [int = '0', frac = ''] = n.toFixed(decimals).split('.');
  return [int, frac];
}

/** "41.00" -> "41,00 €" (French/Spanish convention: comma decimals, space grouping). */
export function formatEuros(value: string): string {
  const [int, frac] = splitDecimal(value, 2);
  if (!frac) return `${value} €`;
  const neg = int.startsWith('-');
  const digits = neg ? int.slice(1) : int;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${neg ? '-' : ''}${grouped},${frac} €`;
}

/** "41" -> "41.00 EUR": the machine-style amount, printed next to the localised one. */
export function rawEuros(value: string): string {
  const [int, frac] = splitDecimal(value, 2);
  return frac ? `${int}.${frac} EUR` : `${value} EUR`;
}

/** "6.5" -> "6,5"; integers stay as they are. */
export function formatDecimal(value: string): string {
  const n = Number(value.trim().replace(',', '.'));
  if (!Number.isFinite(n)) return value;
  return String(n).replace('.', ',');
}

export function yesNo(value: boolean): Bilingual {
  return value ? { fr: 'Oui', es: 'Sí' } : { fr: 'Non', es: 'No' };
}

export function fullName(worker: Pick<WorkerIdentity, 'firstName' | 'lastName'>): string {
  return `${worker.firstName} ${worker.lastName.toUpperCase()}`;
}

/** Gendered forms used in the body text. */
export function workerWords(sex: WorkerIdentity['sex']): {
  worker: Bilingual;
  born: Bilingual;
  civility: string;
  eFr: string;
  aEs: string;
} {
  return sex === 'F'
    ? { worker: { fr: 'La travailleuse', es: 'La trabajadora' }, born: { fr: 'née le', es: 'nacida el' }, civility: 'Mme', eFr: 'e', aEs: 'a' }
    : { worker: { fr: 'Le travailleur', es: 'El trabajador' }, born: { fr: 'né le', es: 'nacido el' }, civility: 'M.', eFr: '', aEs: 'o' };
}

// ---------------------------------------------------------------------------------------------
// Layout primitives. They always reset x to the left margin, so templates can chain them freely.

export function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function bottomLimit(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Start a new page when the next block of `height` points would not fit (keeps blocks whole). */
export function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottomLimit(doc)) doc.addPage();
}

export function title(doc: Doc, text: Bilingual, subtitle?: Bilingual): void {
  const width = contentWidth(doc);
  const x = doc.page.margins.left;
  doc.font(FONT_BOLD).fontSize(15).fillColor(ACCENT).text(winAnsi(text.fr.toUpperCase()), x, doc.y, { width, align: 'center' });
  doc.font(FONT_BOLD).fontSize(13).fillColor(MUTED).text(winAnsi(text.es.toUpperCase()), x, doc.y, { width, align: 'center' });
  if (subtitle) {
    doc.moveDown(0.4);
    doc.font(FONT).fontSize(8.5).fillColor(INK).text(winAnsi(subtitle.fr), x, doc.y, { width, align: 'center' });
    doc.font(FONT_ITALIC).fontSize(8.5).fillColor(MUTED).text(winAnsi(subtitle.es), x, doc.y, { width, align: 'center' });
  }
  doc.moveDown(0.8);
  doc.fillColor(INK);
}

/** Section heading "N. Titre / Título" with a rule underneath. */
export function heading(doc: Doc, text: Bilingual): void {
  ensureSpace(doc, 60);
  doc.moveDown(0.5);
  const x = doc.page.margins.left;
  const width = contentWidth(doc);
  doc.font(FONT_BOLD).fontSize(10.5).fillColor(ACCENT).text(winAnsi(`${text.fr} / ${text.es}`), x, doc.y, { width });
  const y = doc.y + 1;
  doc.moveTo(x, y).lineTo(x + width, y).lineWidth(0.6).strokeColor(ACCENT).stroke();
  doc.y = y + 5;
  doc.fillColor(INK);
}

/** French paragraph, then its Spanish version in italics. */
export function paragraph(doc: Doc, text: Bilingual, options: { size?: number } = {}): void {
  const size = options.size ?? 9.5;
  const x = doc.page.margins.left;
  const width = contentWidth(doc);
  // Keep a clause and its translation on the same page (clauses are short, this always fits).
  doc.font(FONT).fontSize(size);
  const frHeight = doc.heightOfString(winAnsi(text.fr), { width, align: 'justify' });
  doc.font(FONT_ITALIC);
  const esHeight = doc.heightOfString(winAnsi(text.es), { width, align: 'justify' });
  ensureSpace(doc, frHeight + esHeight + size);
  doc.font(FONT).fontSize(size).fillColor(INK).text(winAnsi(text.fr), x, doc.y, { width, align: 'justify' });
  doc.moveDown(0.15);
  doc.font(FONT_ITALIC).fontSize(size).fillColor(MUTED).text(winAnsi(text.es), x, doc.y, { width, align: 'justify' });
  doc.moveDown(0.5);
  doc.fillColor(INK);
}

/** Single-language paragraph (used by the French convocation letter). */
export function plain(doc: Doc, text: string, options: { size?: number; bold?: boolean; italic?: boolean; color?: string } = {}): void {
  const font = options.bold ? FONT_BOLD : options.italic ? FONT_ITALIC : FONT;
  doc.font(font).fontSize(options.size ?? 10).fillColor(options.color ?? INK)
    .text(winAnsi(text), doc.page.margins.left, doc.y, { width: contentWidth(doc), align: 'justify' });
  doc.fillColor(INK);
}

const LABEL_WIDTH = 175;
const GUTTER = 10;

/**
 * Two-column "label | value" row. Both columns are measured first so the row moves to the next
 * page as a whole and the next row starts below the taller column (no overlap).
 */
export function field(doc: Doc, label: Bilingual | string, value: string): void {
  const x = doc.page.margins.left;
  const valueWidth = contentWidth(doc) - LABEL_WIDTH - GUTTER;
  const labelText = winAnsi(typeof label === 'string' ? label : `${label.fr} / ${label.es}`);
  const valueText = winAnsi(value || '-');
  doc.font(FONT).fontSize(8.5);
  const labelHeight = doc.heightOfString(labelText, { width: LABEL_WIDTH });
  doc.font(FONT_BOLD).fontSize(9.5);
  const valueHeight = doc.heightOfString(valueText, { width: valueWidth });
  const height = Math.max(labelHeight, valueHeight);
  ensureSpace(doc, height + 4);
  const y = doc.y;
  doc.font(FONT).fontSize(8.5).fillColor(MUTED).text(labelText, x, y + 0.8, { width: LABEL_WIDTH });
  doc.font(FONT_BOLD).fontSize(9.5).fillColor(INK).text(valueText, x + LABEL_WIDTH + GUTTER, y, { width: valueWidth });
  doc.x = x;
  doc.y = y + height + 3.5;
}

/** "FR / ES" value, e.g. bilingual yes/no or a bilingual sentence. */
export function bi(value: Bilingual): string {
  return `${value.fr} / ${value.es}`;
}

export function bullets(doc: Doc, items: string[], options: { size?: number } = {}): void {
  const x = doc.page.margins.left;
  const indent = 14;
  const width = contentWidth(doc) - indent;
  for (const item of items) {
    const text = winAnsi(item);
    doc.font(FONT).fontSize(options.size ?? 10);
    ensureSpace(doc, doc.heightOfString(text, { width }) + 2);
    const y = doc.y;
    doc.fillColor(ACCENT).text('•', x + 2, y, { width: indent });
    doc.fillColor(INK).text(text, x + indent, y, { width });
    doc.moveDown(0.2);
  }
  doc.x = x;
}

export interface SignatureParty {
  role: Bilingual;
  name: string;
}

/** Side-by-side signature boxes, kept together on one page. */
export function signatures(doc: Doc, place: Bilingual, parties: SignatureParty[]): void {
  const boxHeight = 80;
  ensureSpace(doc, boxHeight + 50);
  const x = doc.page.margins.left;
  const width = contentWidth(doc);
  doc.moveDown(0.6);
  doc.font(FONT).fontSize(9.5).fillColor(INK).text(winAnsi(place.fr), x, doc.y, { width });
  doc.font(FONT_ITALIC).fillColor(MUTED).text(winAnsi(place.es), x, doc.y, { width });
  doc.moveDown(0.8);
  const gap = 20;
  const boxWidth = (width - gap * (parties.length - 1)) / parties.length;
  const top = doc.y;
  parties.forEach((party, i) => {
    const bx = x + i * (boxWidth + gap);
    doc.font(FONT_BOLD).fontSize(9).fillColor(INK).text(winAnsi(bi(party.role)), bx, top, { width: boxWidth });
    doc.font(FONT).fontSize(9).text(winAnsi(party.name), bx, doc.y, { width: boxWidth });
    doc.font(FONT_ITALIC).fontSize(7.5).fillColor(MUTED).text('Signature / Firma', bx, top + boxHeight - 10, { width: boxWidth });
    doc.rect(bx, top + 28, boxWidth, boxHeight - 40).lineWidth(0.5).strokeColor('#999999').stroke();
  });
  doc.x = x;
  doc.y = top + boxHeight + 6;
  doc.fillColor(INK);
}

/**
 * Header and "page n / N" footer on every page. Needs `bufferPages: true`; margins are zeroed
 * while drawing so text placed in the margin does not trigger an automatic page break.
 */
export function decoratePages(doc: Doc, headerRight: string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const { margins } = doc.page;
    const saved = { ...margins };
    const left = saved.left;
    const width = doc.page.width - saved.left - saved.right;
    doc.page.margins = { top: 0, bottom: 0, left: saved.left, right: saved.right };
    const headerY = 28;
    doc.font(FONT_BOLD).fontSize(9).fillColor(ACCENT).text('ANAPEC — GECCO', left, headerY, { width: width / 2, lineBreak: false });
    doc.font(FONT).fontSize(7.5).fillColor(MUTED)
      .text(winAnsi(headerRight), left + width / 2, headerY + 1, { width: width / 2, align: 'right', lineBreak: false });
    doc.moveTo(left, headerY + 14).lineTo(left + width, headerY + 14).lineWidth(0.5).strokeColor(ACCENT).stroke();
    const footerY = doc.page.height - saved.bottom + 22;
    doc.font(FONT).fontSize(7.5).fillColor(MUTED)
      .text(`Page ${i - range.start + 1} / ${range.count}  —  Página ${i - range.start + 1} / ${range.count}`, left, footerY, {
        width,
        align: 'center',
        lineBreak: false,
      });
    doc.page.margins = saved;
  }
  doc.fillColor(INK);
}
